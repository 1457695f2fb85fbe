import { useId } from 'react';
import { useFieldArray } from 'react-hook-form';
import { useSchedules } from '../oncall/hooks';
import { useEscalationPolicy, useResetEscalationPolicy, useSaveEscalationPolicy } from './hooks';
import { useUsers } from '../users/hooks';
import { Card } from '../../components/layout-parts';
import { FieldError, type SavedNotice, invalidProps } from '../../components/settings-form';
import { LoadedPolicy, usePolicyForm, VersionedPolicyForm } from '../policies/versioned-policy-form';
import type { EscalationPolicy } from './types';
import { escalationDraft, newLevel } from './escalation-draft';
import { LevelFields } from './escalation-level';

/** The chain has at most this many levels (the API's limit). */
const MAX_LEVELS = 10;

type EscalationAnswer = {
  policy: EscalationPolicy;
  defaults: EscalationPolicy;
  version: number;
  updatedAt?: string;
  updatedBy?: string;
};

export function EscalationCard({ tenantId }: { tenantId: string }) {
  const query = useEscalationPolicy(tenantId);
  return (
    <Card title="Escalation chain">
      <p className="card-description">
        Who is told, in turn, while an incident stays unacknowledged: each level waits its delay before the next one is notified.
      </p>
      <LoadedPolicy query={query} loadingLabel="Loading the escalation chain">
        {(data, saved) => (
          <EscalationForm tenantId={tenantId} data={data} onReload={saved.reload} notice={saved.notice} setNotice={saved.setNotice} />
        )}
      </LoadedPolicy>
    </Card>
  );
}

function EscalationForm({
  tenantId,
  data,
  onReload,
  notice,
  setNotice,
}: { tenantId: string; data: EscalationAnswer; onReload: () => void } & SavedNotice) {
  const formId = useId();
  const users = useUsers(tenantId);
  const schedules = useSchedules(tenantId);
  const save = useSaveEscalationPolicy(tenantId, { onSuccess: () => setNotice('Escalation chain saved.') });
  const reset = useResetEscalationPolicy(tenantId, data.version, { onSuccess: () => setNotice('Escalation chain reset to the default.') });
  const policy = usePolicyForm({ tenantId, data, draft: escalationDraft, save, setNotice });
  const { form, errors, editable } = policy;
  const levels = useFieldArray({ control: form.control, name: 'levels' });
  const nameId = `${formId}-name`;

  return (
    <VersionedPolicyForm
      policy={policy}
      label="Escalation chain"
      className="stack"
      what="the escalation chain"
      notice={notice}
      reset={reset}
      resetText={{
        label: 'Reset to default',
        title: 'Reset the escalation chain?',
        explained:
          'The default chain: the assignee (or whoever is on call) for 15 minutes, then the company admins for 30, then the MSP admins.',
      }}
      onReload={onReload}
    >
      <label className="field" htmlFor={nameId}>
        Name
        <input id={nameId} maxLength={100} disabled={!editable} {...form.register('name')} {...invalidProps(errors, 'name', nameId)} />
        <FieldError errors={errors} path="name" id={nameId} />
      </label>
      <ol className="escalation-levels">
        {levels.fields.map((level, index) => (
          <LevelFields
            key={level.id}
            form={form}
            errors={errors}
            editable={editable}
            index={index}
            count={levels.fields.length}
            idBase={`${formId}-level-${level.id}`}
            users={users.data?.users ?? []}
            schedules={schedules.data?.schedules ?? []}
            onRemove={() => levels.remove(index)}
          />
        ))}
      </ol>
      {editable && levels.fields.length < MAX_LEVELS ? (
        <div>
          <button type="button" className="button button-small" onClick={() => levels.append(newLevel)}>
            Add level
          </button>
        </div>
      ) : null}
    </VersionedPolicyForm>
  );
}
