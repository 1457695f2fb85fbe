import { SlaCountdown, useNow } from '../../../components/countdown';
import { type SlaClockView } from '../../../components/incident-parts';
import { formatDateTime, formatDuration, formatRelative } from '../../../lib/format';

export function Time({ iso, relative = false }: { iso: string | undefined; relative?: boolean }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {relative ? formatRelative(iso) : formatDateTime(iso)}
    </time>
  );
}

/** The priority score as a ring; grey and small once the incident is resolved or merged (it no longer asks for attention). */
export function PriorityDial({ score, settled }: { score: number; settled: boolean }) {
  const tone = settled ? 'settled' : score >= 80 ? 'critical' : score >= 60 ? 'high' : score >= 40 ? 'medium' : 'low';
  const circumference = 2 * Math.PI * 26;
  return (
    <div
      className={`inc-dial inc-dial-${tone}`}
      role="img"
      aria-label={settled ? `Priority was ${score} of 100 while it was active` : `Priority ${score} of 100`}
    >
      <svg viewBox="0 0 64 64" aria-hidden="true">
        <circle cx="32" cy="32" r="26" className="inc-dial-track" />
        <circle
          cx="32"
          cy="32"
          r="26"
          className="inc-dial-value"
          strokeDasharray={`${(Math.min(100, Math.max(0, score)) / 100) * circumference} ${circumference}`}
          transform="rotate(-90 32 32)"
        />
      </svg>
      <span className="inc-dial-number">{score}</span>
      <span className="inc-dial-label">{settled ? 'was' : 'priority'}</span>
    </div>
  );
}

/** "Responded 5:05 AM by ana@…" / "Resolved … by a runbook, before a response was due" / "Due …", and the target. */
function clockFoot(clock: SlaClockView): string {
  const target = `${formatDuration(clock.target.ms)}${clock.target.businessHours ? ' business hours' : ''} target`;
  if (!clock.doneAt || !clock.doneBy) return `Due ${clock.deadline ? formatDateTime(clock.deadline) : '—'} · ${target}`;
  const who = clock.doneBy.who ? ` by ${resolverName(clock.doneBy.who)}` : clock.doneBy.what === 'resolved' ? ' on its own' : '';
  const what = clock.doneBy.what === 'responded' ? 'Responded' : 'Resolved';
  const first = clock.which === 'response' && clock.doneBy.what === 'resolved' ? ', before anyone responded' : '';
  return `${what} ${formatDateTime(clock.doneAt)}${who}${first} · ${target}`;
}

/** Who resolved or responded, as people read it: the automation's actor name is "a runbook". */
export function resolverName(actor: string): string {
  return actor === 'automation' ? 'a runbook' : actor;
}

export function SlaTile({ clock }: { clock: SlaClockView }) {
  const now = useNow(5_000);
  const start = new Date(clock.startedAt).getTime();
  const end = clock.deadline ? new Date(clock.deadline).getTime() : start + clock.windowMs;
  const at = clock.doneAt ? new Date(clock.doneAt).getTime() : now;
  const used = end > start ? Math.min(1, Math.max(0, (at - start) / (end - start))) : 1;
  const tone =
    clock.state === 'met'
      ? 'ok'
      : clock.state === 'not-needed'
        ? 'neutral'
        : clock.state === 'missed' || used >= 1
          ? 'critical'
          : used >= 0.8
            ? 'warning'
            : 'accent';
  return (
    <div className={`inc-sla-tile inc-sla-${tone}`}>
      <div className="inc-sla-head">
        <span className="inc-sla-label">{clock.label}</span>
        <SlaCountdown deadline={clock.deadline} state={clock.state} windowMs={clock.windowMs} />
      </div>
      <div
        className="inc-sla-bar"
        role="progressbar"
        aria-label={`${clock.label} SLA time used`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(used * 100)}
      >
        <span style={{ width: `${Math.round(used * 100)}%` }} />
      </div>
      <span className="inc-sla-foot">{clockFoot(clock)}</span>
    </div>
  );
}
