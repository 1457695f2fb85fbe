import { formatDateTime, formatNumber, formatPercent } from '../../lib/format';
import { Notice } from '../../components/states';

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

export function SimulationResult({ result }: { result: Simulation }) {
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
