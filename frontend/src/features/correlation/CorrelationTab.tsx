import { CATEGORIES } from '../../../../lib/domain/correlation/categories';
import { useId, useState, type FormEvent } from 'react';
import { useSession } from '../../auth/session';
import { useCorrelationPolicy, useResetCorrelationPolicy, useSaveCorrelationPolicy, useSimulateCorrelation } from './hooks';
import { Card } from '../../components/layout-parts';
import {
  FieldError,
  FormError,
  ReadOnlyNotice,
  SettingsFormFooter,
  type SavedNotice,
  fieldErrors,
  formatMinutes,
  invalidProps,
} from '../../components/settings-form';
import { QueryState } from '../../components/states';
import { type Category, type Pair, type WindowField, categoryLabel, WINDOWS, RULES, type Answer, minutesOf } from './policy-fields';
import { SimulationResult } from './simulation-result';

/** The correlation policy (windows, rules, related categories) and the simulator that replays recent alerts under the edit. */
export function CorrelationTab({ tenantId }: { tenantId: string }) {
  const query = useCorrelationPolicy(tenantId);
  const [notice, setNotice] = useState<string | undefined>();
  return (
    <QueryState query={query} loadingLabel="Loading the correlation policy">
      {(data) => (
        <CorrelationForm key={data.updatedAt ?? 'defaults'} tenantId={tenantId} data={data} notice={notice} setNotice={setNotice} />
      )}
    </QueryState>
  );
}

function CorrelationForm({ tenantId, data, notice, setNotice }: { tenantId: string; data: Answer } & SavedNotice) {
  const { can } = useSession();
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

  const save = useSaveCorrelationPolicy(tenantId, {
    onSuccess: () => setNotice('Correlation policy saved: it takes effect within a minute.'),
  });
  const reset = useResetCorrelationPolicy(tenantId, { onSuccess: () => setNotice('Correlation policy reset to the defaults.') });
  const simulate = useSimulateCorrelation(tenantId);
  const runSimulation = () => {
    const to = new Date();
    const from = new Date(to.getTime() - Number(hours) * 3600_000);
    simulate.mutate({ policy: candidate(), from: from.toISOString(), to: to.toISOString() });
  };
  const errors = fieldErrors(save.error ?? simulate.error);
  const fid = (name: string) => `${formId}-${name}`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(undefined);
    save.mutate(candidate());
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
          <button type="button" className="button" onClick={runSimulation} disabled={simulate.isPending}>
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
