import { useId, useState, type FormEvent } from 'react';
import { useSession } from '../../auth/session';
import { useResetSlaPolicy, useSaveSlaPolicy, useSlaPolicy } from './hooks';
import { Badge } from '../../components/badges';
import { Card, DataTable } from '../../components/layout-parts';
import {
  FieldError,
  ReadOnlyNotice,
  SettingsFormFooter,
  type SavedNotice,
  fieldErrors,
  formatMinutes,
  invalidProps,
} from '../../components/settings-form';
import { QueryState } from '../../components/states';
import type { SlaPolicy, Severity } from './types';
import { ConflictHint } from './conflict-hint';

const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export function SlaPolicyCard({ tenantId }: { tenantId: string }) {
  const query = useSlaPolicy(tenantId);
  const [notice, setNotice] = useState<string | undefined>();
  return (
    <Card title="SLA targets">
      <p className="card-description">
        How long each severity may wait for a response (acknowledgement) and for a resolution. Warnings go out before a deadline; a breach
        starts the escalation chain.
      </p>
      <QueryState query={query} loadingLabel="Loading the SLA policy">
        {(data) => (
          <SlaForm
            key={`${data.version}:${data.updatedAt ?? ''}`}
            tenantId={tenantId}
            data={data}
            onReload={() => void query.refetch()}
            notice={notice}
            setNotice={setNotice}
          />
        )}
      </QueryState>
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

function SlaForm({
  tenantId,
  data,
  onReload,
  notice,
  setNotice,
}: { tenantId: string; data: SlaAnswer; onReload: () => void } & SavedNotice) {
  const { can } = useSession();
  const formId = useId();
  const editable = can('settings.update', tenantId);
  const [targets, setTargets] = useState(
    () =>
      Object.fromEntries(
        SEVERITIES.map((severity) => [
          severity,
          {
            responseMinutes: String(data.policy.targets[severity].responseMinutes),
            resolutionMinutes: String(data.policy.targets[severity].resolutionMinutes),
          },
        ]),
      ) as Record<Severity, { responseMinutes: string; resolutionMinutes: string }>,
  );
  const [lead, setLead] = useState(String(data.policy.warning.leadMinutes));
  const [fraction, setFraction] = useState(String(Math.round(data.policy.warning.shortWindowFraction * 100)));

  const save = useSaveSlaPolicy(tenantId, {
    onSuccess: () => setNotice('SLA policy saved. New incidents use it; open ones keep the deadlines they started with.'),
  });
  const reset = useResetSlaPolicy(tenantId, data.version, { onSuccess: () => setNotice('SLA policy reset to the defaults.') });
  const errors = fieldErrors(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(undefined);
    save.mutate({
      version: data.version,
      targets: Object.fromEntries(
        SEVERITIES.map((severity) => [
          severity,
          {
            responseMinutes: Number(targets[severity].responseMinutes),
            resolutionMinutes: Number(targets[severity].resolutionMinutes),
          },
        ]),
      ) as SlaPolicy['targets'],
      warning: { leadMinutes: Number(lead), shortWindowFraction: Number(fraction) / 100 },
    });
  };
  const fid = (name: string) => `${formId}-${name}`;

  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="SLA policy">
      {!editable ? <ReadOnlyNotice what="the SLA policy" /> : null}
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
            const row = targets[severity];
            const defaults = data.defaults.targets[severity];
            const cell = (field: 'responseMinutes' | 'resolutionMinutes', label: string) => {
              const path = `targets.${severity}.${field}`;
              const id = fid(`${severity}-${field}`);
              const minutes = Number(row[field]);
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
                      value={row[field]}
                      disabled={!editable}
                      onChange={(event) =>
                        setTargets((current) => ({ ...current, [severity]: { ...current[severity], [field]: event.target.value } }))
                      }
                      {...invalidProps(errors, path, id)}
                    />
                    <span className="muted small">{Number.isFinite(minutes) && minutes > 0 ? formatMinutes(minutes) : ''}</span>
                  </div>
                  <FieldError errors={errors} path={path} id={id} />
                </td>
              );
            };
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
            value={lead}
            disabled={!editable}
            onChange={(event) => setLead(event.target.value)}
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
            value={fraction}
            disabled={!editable}
            onChange={(event) => setFraction(event.target.value)}
            {...invalidProps(errors, 'warning.shortWindowFraction', fid('fraction'))}
          />
          <span className="field-hint">Whichever is later: a 30 min window at 80 % warns after 24 min.</span>
          <FieldError errors={errors} path="warning.shortWindowFraction" id={fid('fraction')} />
        </label>
      </div>
      <p className="muted small">
        Business hours: the SLA clocks run around the clock (24/7); a technician can pause a clock while the client is waited on.
      </p>
      <SettingsFormFooter
        changed={data}
        editable={editable}
        canReset={data.version > 0}
        notice={notice}
        save={save}
        reset={reset}
        resetLabel="Reset to defaults"
        resetTitle="Reset the SLA policy?"
        resetExplained="Every severity goes back to the default targets (critical 30 min / 4 h, high 2 h / 8 h, medium 8 h / 24 h, low 24 h / 48 h)."
        extra={<ConflictHint error={save.error} onReload={onReload} />}
      />
    </form>
  );
}
