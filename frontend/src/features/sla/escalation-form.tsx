import { useId, useState, type FormEvent } from 'react';
import { useSession } from '../../auth/session';
import { useSchedules } from '../oncall/hooks';
import { useEscalationPolicy, useResetEscalationPolicy, useSaveEscalationPolicy } from './hooks';
import { useUsers } from '../users/hooks';
import { Card } from '../../components/layout-parts';
import {
  FieldError,
  ReadOnlyNotice,
  SettingsFormFooter,
  type SavedNotice,
  fieldErrors,
  invalidProps,
} from '../../components/settings-form';
import { QueryState } from '../../components/states';
import type { EscalationPolicy, Level, Target } from './types';
import { ConflictHint } from './conflict-hint';

type EscalationAnswer = {
  policy: EscalationPolicy;
  defaults: EscalationPolicy;
  version: number;
  updatedAt?: string;
  updatedBy?: string;
};

export function EscalationCard({ tenantId }: { tenantId: string }) {
  const query = useEscalationPolicy(tenantId);
  const [notice, setNotice] = useState<string | undefined>();
  return (
    <Card title="Escalation chain">
      <p className="card-description">
        Who is told, in turn, while an incident stays unacknowledged: each level waits its delay before the next one is notified.
      </p>
      <QueryState query={query} loadingLabel="Loading the escalation chain">
        {(data) => (
          <EscalationForm
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

interface LevelDraft {
  key: number;
  delay: string;
  assignee: boolean;
  onCall: boolean;
  scheduleId: string;
  companyAdmins: boolean;
  mspAdmins: boolean;
  users: string[];
}

let nextLevelKey = 1;

function draftOfLevel(level: Level): LevelDraft {
  const onCall = level.targets.find((target) => target.kind === 'on-call');
  return {
    key: nextLevelKey++,
    delay: String(level.delayMinutes),
    assignee: level.targets.some((target) => target.kind === 'assignee'),
    onCall: Boolean(onCall),
    scheduleId: onCall?.kind === 'on-call' ? (onCall.scheduleId ?? '') : '',
    companyAdmins: level.targets.some((target) => target.kind === 'role' && target.role === 'company_admin'),
    mspAdmins: level.targets.some((target) => target.kind === 'role' && target.role === 'msp_admin'),
    users: level.targets.flatMap((target) => (target.kind === 'user' ? [target.userId] : [])),
  };
}

function levelOfDraft(draft: LevelDraft): Level {
  const targets: Target[] = [];
  if (draft.assignee) targets.push({ kind: 'assignee' });
  if (draft.onCall) targets.push(draft.scheduleId ? { kind: 'on-call', scheduleId: draft.scheduleId } : { kind: 'on-call' });
  if (draft.companyAdmins) targets.push({ kind: 'role', role: 'company_admin' });
  if (draft.mspAdmins) targets.push({ kind: 'role', role: 'msp_admin' });
  for (const userId of draft.users) targets.push({ kind: 'user', userId });
  return { delayMinutes: Number(draft.delay), targets };
}

function EscalationForm({
  tenantId,
  data,
  onReload,
  notice,
  setNotice,
}: { tenantId: string; data: EscalationAnswer; onReload: () => void } & SavedNotice) {
  const { can } = useSession();
  const formId = useId();
  const editable = can('settings.update', tenantId);
  const users = useUsers(tenantId);
  const schedules = useSchedules(tenantId);
  const [name, setName] = useState(data.policy.name);
  const [levels, setLevels] = useState<LevelDraft[]>(() => data.policy.levels.map(draftOfLevel));

  const save = useSaveEscalationPolicy(tenantId, { onSuccess: () => setNotice('Escalation chain saved.') });
  const reset = useResetEscalationPolicy(tenantId, { onSuccess: () => setNotice('Escalation chain reset to the default.') });
  const errors = fieldErrors(save.error);
  const update = (key: number, change: Partial<LevelDraft>) =>
    setLevels((current) => current.map((level) => (level.key === key ? { ...level, ...change } : level)));
  const userList = users.data?.users ?? [];
  const scheduleList = schedules.data?.schedules ?? [];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(undefined);
    save.mutate({ version: data.version, name: name.trim(), levels: levels.map(levelOfDraft) });
  };

  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="Escalation chain">
      {!editable ? <ReadOnlyNotice what="the escalation chain" /> : null}
      <label className="field" htmlFor={`${formId}-name`}>
        Name
        <input
          id={`${formId}-name`}
          value={name}
          maxLength={100}
          disabled={!editable}
          onChange={(event) => setName(event.target.value)}
          {...invalidProps(errors, 'name', `${formId}-name`)}
        />
        <FieldError errors={errors} path="name" id={`${formId}-name`} />
      </label>
      <ol className="escalation-levels">
        {levels.map((level, index) => {
          const base = `${formId}-level-${level.key}`;
          const delayPath = `levels.${index}.delayMinutes`;
          const targetsPath = `levels.${index}.targets`;
          return (
            <li key={level.key} className="escalation-level">
              <fieldset className="fieldset fieldset-plain" disabled={!editable}>
                <legend className="visually-hidden">Level {index + 1}</legend>
                <div className="escalation-level-head">
                  <h3>
                    <span className="level-number" aria-hidden="true">
                      {index + 1}
                    </span>
                    Level {index + 1}
                  </h3>
                  {editable && levels.length > 1 ? (
                    <button
                      type="button"
                      className="button button-small button-ghost"
                      aria-label={`Remove level ${index + 1}`}
                      onClick={() => setLevels((current) => current.filter((other) => other.key !== level.key))}
                    >
                      Remove
                    </button>
                  ) : null}
                </div>
                <label className="inline-field" htmlFor={`${base}-delay`}>
                  <span>{index < levels.length - 1 ? 'Next level after' : 'Chain ends after'}</span>
                  <input
                    id={`${base}-delay`}
                    className="input input-number"
                    type="number"
                    min={1}
                    max={1440}
                    value={level.delay}
                    onChange={(event) => update(level.key, { delay: event.target.value })}
                    {...invalidProps(errors, delayPath, `${base}-delay`)}
                  />
                  <span>min without an acknowledgement</span>
                </label>
                <FieldError errors={errors} path={delayPath} id={`${base}-delay`} />
                <div className="check-list">
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={level.assignee}
                      onChange={(event) => update(level.key, { assignee: event.target.checked })}
                    />
                    The assignee
                  </label>
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={level.onCall}
                      onChange={(event) => update(level.key, { onCall: event.target.checked })}
                    />
                    Whoever is on call
                  </label>
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={level.companyAdmins}
                      onChange={(event) => update(level.key, { companyAdmins: event.target.checked })}
                    />
                    Company admins
                  </label>
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={level.mspAdmins}
                      onChange={(event) => update(level.key, { mspAdmins: event.target.checked })}
                    />
                    MSP admins
                  </label>
                </div>
                {level.onCall && scheduleList.length ? (
                  <label className="field" htmlFor={`${base}-schedule`}>
                    On-call schedule
                    <select
                      id={`${base}-schedule`}
                      value={level.scheduleId}
                      onChange={(event) => update(level.key, { scheduleId: event.target.value })}
                    >
                      <option value="">The company&apos;s default schedule</option>
                      {scheduleList.map((schedule) => (
                        <option key={schedule.id} value={schedule.id}>
                          {schedule.name}
                        </option>
                      ))}
                    </select>
                  </label>
                ) : null}
                {userList.length ? (
                  <details className="user-targets" open={level.users.length > 0}>
                    <summary>Specific people {level.users.length ? `(${level.users.length})` : ''}</summary>
                    <div className="check-list">
                      {userList.map((user) => (
                        <label key={user.id} className="check">
                          <input
                            type="checkbox"
                            checked={level.users.includes(user.id)}
                            onChange={(event) =>
                              update(level.key, {
                                users: event.target.checked ? [...level.users, user.id] : level.users.filter((id) => id !== user.id),
                              })
                            }
                          />
                          {user.name}
                        </label>
                      ))}
                    </div>
                  </details>
                ) : null}
                <FieldError errors={errors} path={targetsPath} id={`${base}-targets`} />
              </fieldset>
            </li>
          );
        })}
      </ol>
      {editable && levels.length < 10 ? (
        <div>
          <button
            type="button"
            className="button button-small"
            onClick={() =>
              setLevels((current) => [
                ...current,
                {
                  key: nextLevelKey++,
                  delay: '30',
                  assignee: false,
                  onCall: false,
                  scheduleId: '',
                  companyAdmins: false,
                  mspAdmins: true,
                  users: [],
                },
              ])
            }
          >
            Add level
          </button>
        </div>
      ) : null}
      <SettingsFormFooter
        changed={data}
        editable={editable}
        canReset={data.version > 0}
        notice={notice}
        save={save}
        reset={reset}
        resetLabel="Reset to default"
        resetTitle="Reset the escalation chain?"
        resetExplained="The default chain: the assignee (or whoever is on call) for 15 minutes, then the company admins for 30, then the MSP admins."
        extra={<ConflictHint error={save.error} onReload={onReload} />}
      />
    </form>
  );
}
