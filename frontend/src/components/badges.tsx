import { formatDateTime, humanize } from '../lib/format';

type Tone = 'critical' | 'high' | 'medium' | 'low' | 'info' | 'ok' | 'neutral' | 'accent';

const TONES: Record<string, Tone> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  low: 'low',
  info: 'info',
  open: 'high',
  acknowledged: 'medium',
  resolved: 'ok',
  merged: 'neutral',
  reopened: 'high',
  pending: 'medium',
  approved: 'ok',
  rejected: 'critical',
  expired: 'neutral',
  running: 'accent',
  succeeded: 'ok',
  success: 'ok',
  failed: 'critical',
  rolled_back: 'high',
  timed_out: 'high',
  auto_execute: 'ok',
  approval_required: 'medium',
  route_to_technician: 'accent',
  sent: 'ok',
  skipped: 'neutral',
  firing: 'high',
};

/** A coloured label for a severity, status, risk or decision; the text always says it (colour is never the only cue). */
export function Badge({ value, label }: { value: string; label?: string }) {
  const tone = TONES[value] ?? 'neutral';
  return <span className={`badge badge-${tone}`}>{label ?? humanize(value)}</span>;
}

/**
 * An incident (or an asset) held by a maintenance window or a silence: "In maintenance: <name>", until when in
 * its title. The name is the window's own and can be long: the badge wraps rather than widen its cell.
 */
export function MaintenanceBadge({ name, until }: { name: string; until?: string }) {
  return (
    <span className="badge badge-info badge-wrap" title={until ? `Until ${formatDateTime(until)}` : undefined}>
      In maintenance: {name}
    </span>
  );
}

/** The 0-100 priority score as a bar plus the number; grey once the incident is resolved (`settled`): it asks for nothing. */
export function PriorityMeter({ score, settled = false }: { score: number; settled?: boolean }) {
  const tone = settled ? 'settled' : score >= 80 ? 'critical' : score >= 60 ? 'high' : score >= 40 ? 'medium' : 'low';
  return (
    <span className="priority" title={settled ? `Priority was ${score} of 100 while it was active` : `Priority ${score} of 100`}>
      <span className={`priority-bar priority-${tone}`} style={{ width: `${Math.max(4, Math.min(100, score))}%` }} aria-hidden="true" />
      <span className="priority-value">{score}</span>
    </span>
  );
}
