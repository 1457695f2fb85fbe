import { useId } from 'react';
import { SEVERITIES } from '../../../../lib/domain/alert';
import { useResetSlaPolicy, useSaveSlaPolicy, useSlaPolicy } from './hooks';
import { Badge } from '../../components/badges';
import { Card, DataTable } from '../../components/layout-parts';
import { FieldError, type SavedNotice, formatMinutes, invalidProps } from '../../components/settings-form';
import { LoadedPolicy, usePolicyForm, VersionedPolicyForm } from '../policies/versioned-policy-form';
import type { SlaPolicy, Severity } from './types';
import { slaDraft, type SlaForm } from './sla-draft';

export function SlaPolicyCard({ tenantId }: { tenantId: string }) {
  const query = useSlaPolicy(tenantId);
  return (
    <Card title="SLA targets">
      <p className="card-description">
        How long each severity may wait for a response (acknowledgement) and for a resolution. Warnings go out before a deadline; a breach
        starts the escalation chain.
      </p>
      <LoadedPolicy query={query} loadingLabel="Loading the SLA policy">
        {(data, saved) => (
          <SlaPolicyForm tenantId={tenantId} data={data} onReload={saved.reload} notice={saved.notice} setNotice={saved.setNotice} />
        )}
      </LoadedPolicy>
    </Card>
  );
}

type SlaAnswer = {
  policy: SlaPolicy;
  defaults: SlaPolicy;
  version: number;
  updatedAt?: string;
  updatedBy?: string;
};

function SlaPolicyForm({
  tenantId,
  data,
  onReload,
  notice,
  setNotice,
}: { tenantId: string; data: SlaAnswer; onReload: () => void } & SavedNotice) {
  const formId = useId();
  const save = useSaveSlaPolicy(tenantId, {
    onSuccess: () => setNotice('SLA policy saved. New incidents use it; open ones keep the deadlines they started with.'),
  });
  const reset = useResetSlaPolicy(tenantId, data.version, { onSuccess: () => setNotice('SLA policy reset to the defaults.') });
  const policy = usePolicyForm({ tenantId, data, draft: slaDraft, save, setNotice });
  const { form, errors, editable } = policy;
  const fid = (name: string) => `${formId}-${name}`;

  return (
    <VersionedPolicyForm
      policy={policy}
      label="SLA policy"
      className="stack"
      what="the SLA policy"
      notice={notice}
      reset={reset}
      resetText={{
        label: 'Reset to defaults',
        title: 'Reset the SLA policy?',
        explained:
          'Every severity goes back to the default targets (critical 30 min / 4 h, high 2 h / 8 h, medium 8 h / 24 h, low 24 h / 48 h).',
      }}
      onReload={onReload}
    >
      <DataTable caption="Response and resolution targets per severity">
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">Response (minutes)</th>
            <th scope="col">Resolution (minutes)</th>
            <th scope="col">Default</th>
          </tr>
        </thead>
        <tbody className="sla-table">
          {SEVERITIES.map((severity) => {
            const defaults = data.defaults.targets[severity];
            const cell = (field: 'responseMinutes' | 'resolutionMinutes', label: string) => (
              <MinutesCell
                form={form}
                errors={errors}
                editable={editable}
                severity={severity}
                field={field}
                label={label}
                id={fid(`${severity}-${field}`)}
              />
            );
            return (
              <tr key={severity}>
                <th scope="row">
                  <Badge value={severity} />
                </th>
                {cell('responseMinutes', 'Response')}
                {cell('resolutionMinutes', 'Resolution')}
                <td className="muted small">
                  {formatMinutes(defaults.responseMinutes)} / {formatMinutes(defaults.resolutionMinutes)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </DataTable>
      <div className="form-grid">
        <label className="field" htmlFor={fid('lead')}>
          Warning lead (minutes)
          <input
            id={fid('lead')}
            type="number"
            min={1}
            max={1440}
            disabled={!editable}
            {...form.register('warning.leadMinutes')}
            {...invalidProps(errors, 'warning.leadMinutes', fid('lead'))}
          />
          <span className="field-hint">Warn this long before a deadline.</span>
          <FieldError errors={errors} path="warning.leadMinutes" id={fid('lead')} />
        </label>
        <label className="field" htmlFor={fid('fraction')}>
          Short-window warning (%)
          <input
            id={fid('fraction')}
            type="number"
            min={1}
            max={99}
            disabled={!editable}
            {...form.register('warning.shortWindowFraction')}
            {...invalidProps(errors, 'warning.shortWindowFraction', fid('fraction'))}
          />
          <span className="field-hint">Whichever is later: a 30 min window at 80 % warns after 24 min.</span>
          <FieldError errors={errors} path="warning.shortWindowFraction" id={fid('fraction')} />
        </label>
      </div>
      <p className="muted small">
        Whether a severity&apos;s clocks run around the clock (24x7) or only in the company&apos;s business hours is set on the Calendars
        tab; a technician can pause a clock while the client is waited on.
      </p>
    </VersionedPolicyForm>
  );
}

/** One window of one severity, with what it amounts to ("4 h") beside it. */
function MinutesCell({
  form,
  errors,
  editable,
  severity,
  field,
  label,
  id,
}: {
  form: SlaForm;
  errors: Map<string, string>;
  editable: boolean;
  severity: Severity;
  field: 'responseMinutes' | 'resolutionMinutes';
  label: string;
  id: string;
}) {
  const path = `targets.${severity}.${field}` as const;
  const minutes = Number(form.watch(path));
  return (
    <td>
      <div className="minutes-cell">
        <label className="visually-hidden" htmlFor={id}>
          {`${label} minutes for ${severity}`}
        </label>
        <input
          id={id}
          className="input input-number"
          type="number"
          min={1}
          step={1}
          inputMode="numeric"
          disabled={!editable}
          {...form.register(path)}
          {...invalidProps(errors, path, id)}
        />
        <span className="muted small">{Number.isFinite(minutes) && minutes > 0 ? formatMinutes(minutes) : ''}</span>
      </div>
      <FieldError errors={errors} path={path} id={id} />
    </td>
  );
}
