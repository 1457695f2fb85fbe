import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { call, type Schemas } from '../api/client';
import { isApiError, useApi, useSession } from '../auth/session';
import { Badge } from './badges';
import { Card, DataTable } from './layout-parts';
import {
  FieldError,
  ReadOnlyNotice,
  SettingsFormFooter,
  type SavedNotice,
  fieldErrors,
  formatMinutes,
  invalidProps,
} from './settings-form';
import { Notice, QueryState } from './states';

type SlaPolicy = Schemas['SlaPolicy'];
type Severity = keyof SlaPolicy['targets'];
type EscalationPolicy = Schemas['EscalationPolicy'];
type Level = EscalationPolicy['levels'][number];
type Target = Level['targets'][number];

const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** The SLA tab: response and resolution targets with their warnings, then the escalation chain. */
export function SlaTab({ tenantId }: { tenantId: string }) {
  return (
    <>
      <SlaPolicyCard tenantId={tenantId} />
      <EscalationCard tenantId={tenantId} />
    </>
  );
}

/** A 409 means someone saved in between: offer the latest version. */
function ConflictHint({ error, onReload }: { error: unknown; onReload: () => void }) {
  if (!isApiError(error, 409)) return null;
  return (
    <Notice kind="info">
      Someone changed this policy after you opened it.{' '}
      <button type="button" className="button button-small" onClick={onReload}>
        Load the latest version
      </button>
    </Notice>
  );
}

function SlaPolicyCard({ tenantId }: { tenantId: string }) {
  const api = useApi();
  const query = useQuery({
    queryKey: ['settings', tenantId, 'sla'],
    queryFn: () => call(api.GET('/v1/tenants/{id}/sla/policy', { params: { path: { id: tenantId } } })),
  });
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
  const api = useApi();
  const { can } = useSession();
  const queryClient = useQueryClient();
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

  const store = (answer: SlaAnswer, message: string) => {
    queryClient.setQueryData(['settings', tenantId, 'sla'], answer);
    void queryClient.invalidateQueries({ queryKey: ['settings', tenantId, 'sla'] });
    setNotice(message);
  };
  const save = useMutation({
    mutationFn: () =>
      call(
        api.PUT('/v1/tenants/{id}/sla/policy', {
          params: { path: { id: tenantId } },
          body: {
            version: data.version,
            targets: Object.fromEntries(
              SEVERITIES.map((severity) => [
                severity,
                {
                  responseMinutes: Number(targets[severity].responseMinutes),
                  resolutionMinutes: Number(targets[severity].resolutionMinutes),
                },
              ]),
            ),
            warning: { leadMinutes: Number(lead), shortWindowFraction: Number(fraction) / 100 },
          },
        }),
      ),
    onSuccess: (answer) => store(answer, 'SLA policy saved. New incidents use it; open ones keep the deadlines they started with.'),
  });
  const reset = useMutation({
    mutationFn: () =>
      call(api.DELETE('/v1/tenants/{id}/sla/policy', { params: { path: { id: tenantId }, query: { version: data.version } } })),
    onSuccess: (answer) => {
      store(answer, 'SLA policy reset to the defaults.');
    },
  });
  const errors = fieldErrors(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(undefined);
    save.mutate();
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

type EscalationAnswer = {
  policy: EscalationPolicy;
  defaults: EscalationPolicy;
  version: number;
  updatedAt?: string;
  updatedBy?: string;
};

function EscalationCard({ tenantId }: { tenantId: string }) {
  const api = useApi();
  const query = useQuery({
    queryKey: ['settings', tenantId, 'escalation'],
    queryFn: () => call(api.GET('/v1/tenants/{id}/escalation/policy', { params: { path: { id: tenantId } } })),
  });
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
  const api = useApi();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const formId = useId();
  const editable = can('settings.update', tenantId);
  const users = useQuery({
    queryKey: ['users', tenantId],
    queryFn: () => call(api.GET('/v1/users', { params: { query: { tenant: tenantId } } })),
  });
  const schedules = useQuery({
    queryKey: ['oncall', tenantId, 'schedules'],
    queryFn: () => call(api.GET('/v1/oncall/schedules', { params: { query: { tenant: tenantId } } })),
  });
  const [name, setName] = useState(data.policy.name);
  const [levels, setLevels] = useState<LevelDraft[]>(() => data.policy.levels.map(draftOfLevel));

  const store = (answer: EscalationAnswer, message: string) => {
    queryClient.setQueryData(['settings', tenantId, 'escalation'], answer);
    void queryClient.invalidateQueries({ queryKey: ['settings', tenantId, 'escalation'] });
    setNotice(message);
  };
  const save = useMutation({
    mutationFn: () =>
      call(
        api.PUT('/v1/tenants/{id}/escalation/policy', {
          params: { path: { id: tenantId } },
          body: { version: data.version, name: name.trim(), levels: levels.map(levelOfDraft) },
        }),
      ),
    onSuccess: (answer) => store(answer, 'Escalation chain saved.'),
  });
  const reset = useMutation({
    mutationFn: () => call(api.DELETE('/v1/tenants/{id}/escalation/policy', { params: { path: { id: tenantId } } })),
    onSuccess: (answer) => {
      store(answer, 'Escalation chain reset to the default.');
    },
  });
  const errors = fieldErrors(save.error);
  const update = (key: number, change: Partial<LevelDraft>) =>
    setLevels((current) => current.map((level) => (level.key === key ? { ...level, ...change } : level)));
  const userList = users.data?.users ?? [];
  const scheduleList = schedules.data?.schedules ?? [];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(undefined);
    save.mutate();
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
