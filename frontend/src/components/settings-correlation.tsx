import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CATEGORIES } from '../../../lib/domain/correlation/categories';
import { useId, useState, type FormEvent } from 'react';
import { call, type Schemas } from '../api/client';
import { useApi, useSession } from '../auth/session';
import { formatDateTime, formatNumber, formatPercent, humanize } from '../lib/format';
import { Card } from './layout-parts';
import {
  FieldError,
  FormError,
  ReadOnlyNotice,
  SettingsFormFooter,
  type SavedNotice,
  fieldErrors,
  formatMinutes,
  invalidProps,
} from './settings-form';
import { Notice, QueryState } from './states';

type Policy = Schemas['CorrelationPolicy'];
type Category = Policy['relatedCategories'][number][number];
type Pair = Policy['relatedCategories'][number];
type WindowField =
  'burstWindowSeconds' | 'cascadeWindowSeconds' | 'flapWindowSeconds' | 'quietPeriodSeconds' | 'graceSeconds' | 'maxLatenessSeconds';

const DAY = 86_400;

const CATEGORY_LABELS: Partial<Record<Category, string>> = { cpu: 'CPU' };
const categoryLabel = (category: Category) => CATEGORY_LABELS[category] ?? humanize(category);

const WINDOWS: { field: WindowField; label: string; hint: string; max: number }[] = [
  {
    field: 'burstWindowSeconds',
    label: 'Burst window',
    hint: 'Related signatures on one asset join while its incident’s alerts are this recent.',
    max: DAY,
  },
  {
    field: 'cascadeWindowSeconds',
    label: 'Cascade window',
    hint: 'Downstream symptoms join the upstream root’s incident within this long of the root’s activity.',
    max: DAY,
  },
  {
    field: 'flapWindowSeconds',
    label: 'Flap window',
    hint: 'A recurrence this soon after resolving reopens the incident; later it is a new one.',
    max: 7 * DAY,
  },
  {
    field: 'quietPeriodSeconds',
    label: 'Quiet period',
    hint: 'A fingerprint silent this long without a resolution starts a new episode.',
    max: 7 * DAY,
  },
  {
    field: 'graceSeconds',
    label: 'Grace period',
    hint: 'An incident resolves this long after its last alert resolves (0: at once).',
    max: DAY,
  },
  {
    field: 'maxLatenessSeconds',
    label: 'Maximum lateness',
    hint: 'Older event times count as this late, so replayed events cannot rewrite history.',
    max: DAY,
  },
];

const RULES: { field: keyof Policy['rules']; label: string; hint: string }[] = [
  { field: 'sameAsset', label: 'Same asset', hint: 'Different signatures on one asset join when their categories are related.' },
  { field: 'topology', label: 'Topology', hint: 'Alerts on assets linked by “depends on” join the upstream root’s incident.' },
  { field: 'reopenOnFlap', label: 'Reopen on flap', hint: 'A fingerprint firing again within the flap window reopens its incident.' },
];

/** The answer as openapi-fetch types it (the category pairs lose their tuple type on the way). */
type LoosePolicy = Omit<Policy, 'relatedCategories'> & { relatedCategories: Category[][] };
type Answer = { policy: LoosePolicy; defaults: LoosePolicy; updatedAt?: string; updatedBy?: string };

/** The correlation policy (windows, rules, related categories) and the simulator that replays recent alerts under the edit. */
export function CorrelationTab({ tenantId }: { tenantId: string }) {
  const api = useApi();
  const query = useQuery({
    queryKey: ['settings', tenantId, 'correlation'],
    queryFn: () => call(api.GET('/v1/tenants/{id}/correlation/policy', { params: { path: { id: tenantId } } })),
  });
  const [notice, setNotice] = useState<string | undefined>();
  return (
    <QueryState query={query} loadingLabel="Loading the correlation policy">
      {(data) => (
        <CorrelationForm key={data.updatedAt ?? 'defaults'} tenantId={tenantId} data={data} notice={notice} setNotice={setNotice} />
      )}
    </QueryState>
  );
}

function minutesOf(seconds: number): string {
  return String(Math.round((seconds / 60) * 100) / 100);
}

function CorrelationForm({ tenantId, data, notice, setNotice }: { tenantId: string; data: Answer } & SavedNotice) {
  const api = useApi();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const formId = useId();
  const editable = can('settings.update', tenantId);
  const [rules, setRules] = useState(data.policy.rules);
  const [windows, setWindows] = useState<Record<WindowField, string>>(
    () => Object.fromEntries(WINDOWS.map(({ field }) => [field, minutesOf(data.policy[field])])) as Record<WindowField, string>,
  );
  const [pairs, setPairs] = useState<Pair[]>(() =>
    data.policy.relatedCategories.flatMap((pair) => (pair[0] && pair[1] ? [[pair[0], pair[1]] as Pair] : [])),
  );
  const [newPair, setNewPair] = useState<Pair>(['disk', 'service']);
  const [hours, setHours] = useState('24');

  const candidate = () => ({
    rules,
    relatedCategories: pairs,
    ...(Object.fromEntries(WINDOWS.map(({ field }) => [field, Math.round(Number(windows[field]) * 60)])) as Record<WindowField, number>),
  });

  const store = (answer: Answer, message: string) => {
    queryClient.setQueryData(['settings', tenantId, 'correlation'], answer);
    void queryClient.invalidateQueries({ queryKey: ['settings', tenantId, 'correlation'] });
    setNotice(message);
  };
  const save = useMutation({
    mutationFn: () => call(api.PUT('/v1/tenants/{id}/correlation/policy', { params: { path: { id: tenantId } }, body: candidate() })),
    onSuccess: (answer) => store(answer, 'Correlation policy saved: it takes effect within a minute.'),
  });
  const reset = useMutation({
    mutationFn: () => call(api.DELETE('/v1/tenants/{id}/correlation/policy', { params: { path: { id: tenantId } } })),
    onSuccess: (answer) => {
      store(answer, 'Correlation policy reset to the defaults.');
    },
  });
  const simulate = useMutation({
    mutationFn: () => {
      const to = new Date();
      const from = new Date(to.getTime() - Number(hours) * 3600_000);
      return call(
        api.POST('/v1/tenants/{id}/correlation/simulate', {
          params: { path: { id: tenantId } },
          body: { policy: candidate(), from: from.toISOString(), to: to.toISOString() },
        }),
      );
    },
  });
  const errors = fieldErrors(save.error ?? simulate.error);
  const fid = (name: string) => `${formId}-${name}`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(undefined);
    save.mutate();
  };
  const pairKey = (pair: Pair) => [...pair].sort().join('|');
  const addPair = () => {
    if (!pairs.some((pair) => pairKey(pair) === pairKey(newPair))) setPairs((current) => [...current, newPair]);
  };

  return (
    <form className="tab-panel-inner" onSubmit={submit} noValidate aria-label="Correlation policy">
      {!editable ? <ReadOnlyNotice what="the correlation policy" /> : null}
      <Card title="Rules">
        <p className="card-description">How alerts are grouped into incidents, on top of the same fingerprint (asset and signature).</p>
        <div className="stack">
          {RULES.map((rule) => (
            <label key={rule.field} className="check">
              <input
                type="checkbox"
                checked={rules[rule.field]}
                disabled={!editable}
                onChange={(event) => setRules((current) => ({ ...current, [rule.field]: event.target.checked }))}
              />
              <strong>{rule.label}</strong>
              <span className="muted small">{rule.hint}</span>
            </label>
          ))}
        </div>
      </Card>
      <Card title="Windows">
        <div className="form-grid">
          {WINDOWS.map(({ field, label, hint, max }) => {
            const id = fid(field);
            return (
              <label key={field} className="field" htmlFor={id}>
                {label} (minutes)
                <input
                  id={id}
                  type="number"
                  min={0}
                  max={max / 60}
                  step="any"
                  value={windows[field]}
                  disabled={!editable}
                  onChange={(event) => setWindows((current) => ({ ...current, [field]: event.target.value }))}
                  {...invalidProps(errors, field, id)}
                />
                <span className="field-hint">
                  {hint} Default {formatMinutes(data.defaults[field] / 60)}.
                </span>
                <FieldError errors={errors} path={field} id={id} />
              </label>
            );
          })}
        </div>
      </Card>
      <Card title="Related categories">
        <p className="card-description">
          Category pairs with a known causal chain on one asset (both directions): a full disk and a failing database join one incident.
        </p>
        <ul className="pair-list" aria-label="Related category pairs">
          {pairs.map((pair) => (
            <li key={pairKey(pair)} className={`pair-chip${editable ? '' : ' pair-chip-static'}`}>
              {categoryLabel(pair[0])} ↔ {categoryLabel(pair[1])}
              {editable ? (
                <button
                  type="button"
                  aria-label={`Remove ${pair[0]} and ${pair[1]}`}
                  onClick={() => setPairs((current) => current.filter((other) => pairKey(other) !== pairKey(pair)))}
                >
                  ×
                </button>
              ) : null}
            </li>
          ))}
          {pairs.length === 0 ? <li className="muted small">No pairs: only the same category joins on an asset.</li> : null}
        </ul>
        <FieldError errors={errors} path="relatedCategories" id={fid('pairs')} />
        {editable ? (
          <div className="filters pair-add">
            <label>
              Category
              <select value={newPair[0]} onChange={(event) => setNewPair([event.target.value as Category, newPair[1]])}>
                {CATEGORIES.map((category) => (
                  <option key={category} value={category}>
                    {categoryLabel(category)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Related to
              <select value={newPair[1]} onChange={(event) => setNewPair([newPair[0], event.target.value as Category])}>
                {CATEGORIES.map((category) => (
                  <option key={category} value={category}>
                    {categoryLabel(category)}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" className="button" onClick={addPair} disabled={pairs.length >= 64}>
              Add pair
            </button>
          </div>
        ) : null}
      </Card>

      <Card title="Simulate on recent alerts">
        <p className="card-description">
          Replays the company’s recent alerts under the current policy and under the form above, in memory: nothing is saved or changed.
        </p>
        <div className="filters">
          <label>
            Period
            <select value={hours} onChange={(event) => setHours(event.target.value)}>
              <option value="24">Last 24 hours</option>
              <option value="72">Last 3 days</option>
              <option value="168">Last 7 days</option>
            </select>
          </label>
          <button type="button" className="button" onClick={() => simulate.mutate()} disabled={simulate.isPending}>
            {simulate.isPending ? 'Simulating…' : 'Run simulation'}
          </button>
        </div>
        {simulate.error ? <FormError error={simulate.error} title="Simulation failed." /> : null}
        {simulate.data ? <SimulationResult result={simulate.data} /> : null}
      </Card>

      <SettingsFormFooter
        changed={data}
        editable={editable}
        canReset={Boolean(data.updatedAt)}
        notice={notice}
        save={save}
        reset={reset}
        resetLabel="Reset to defaults"
        resetTitle="Reset the correlation policy?"
        resetExplained="Rules, windows and related categories go back to the defaults; the change takes effect within a minute."
      />
    </form>
  );
}

type Simulation = {
  alerts: number;
  current: Outcome;
  candidate: Outcome;
  changes: { before: Record<string, unknown>; after: Record<string, unknown> };
  period: { from: string; to: string };
};
type Outcome = { incidents: number; merged: number; noiseReduction: number; openAtEnd: number; opened: number; reopened: number };

function show(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function SimulationResult({ result }: { result: Simulation }) {
  const figures: { label: string; key: keyof Outcome; percent?: boolean; lowerIsBetter?: boolean }[] = [
    { label: 'Incidents', key: 'incidents', lowerIsBetter: true },
    { label: 'Noise reduction', key: 'noiseReduction', percent: true },
    { label: 'Opened', key: 'opened', lowerIsBetter: true },
    { label: 'Merged', key: 'merged' },
    { label: 'Reopened', key: 'reopened' },
    { label: 'Open at the end', key: 'openAtEnd', lowerIsBetter: true },
  ];
  const changed = Object.keys(result.changes.after);
  const diff = result.candidate.incidents - result.current.incidents;
  const headline =
    diff === 0
      ? 'The edited policy opens as many incidents as the current one.'
      : `The edited policy would open ${Math.abs(diff)} ${diff > 0 ? 'more' : 'fewer'} incident${Math.abs(diff) === 1 ? '' : 's'}: noise reduction ${formatPercent(result.current.noiseReduction * 100)} → ${formatPercent(result.candidate.noiseReduction * 100)}.`;
  return (
    <div className="stack sim" aria-live="polite">
      <p className="small">
        <strong>{formatNumber(result.alerts)} alerts</strong> replayed from {formatDateTime(result.period.from)} to{' '}
        {formatDateTime(result.period.to)}.
      </p>
      <Notice kind={diff > 0 ? 'error' : diff < 0 ? 'success' : 'info'}>{headline}</Notice>
      <div className="sim-results">
        {figures.map(({ label, key, percent, lowerIsBetter }) => {
          const before = result.current[key];
          const after = result.candidate[key];
          const text = (value: number) => (percent ? formatPercent(value * 100) : formatNumber(value));
          const better = lowerIsBetter ? after < before : after > before;
          const delta = after === before ? 'unchanged' : better ? 'delta-good' : lowerIsBetter !== undefined || percent ? 'delta-bad' : '';
          return (
            <div key={key} className="sim-figure" data-testid="simulation-figure">
              <span className="sim-figure-label">{label}</span>
              <span className="sim-figure-value">
                <span className="muted">{text(before)}</span> → <span className={delta === 'unchanged' ? '' : delta}>{text(after)}</span>
              </span>
              <span className="muted small">current → edited</span>
            </div>
          );
        })}
      </div>
      {changed.length ? (
        <ul className="problem-list small">
          {changed.map((field) => (
            <li key={field}>
              <code>{field}</code>: {show(result.changes.before[field])} → {show(result.changes.after[field])}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">The edited policy is the same as the current one.</p>
      )}
    </div>
  );
}
