import { useEffect, useState } from 'react';
import { formatDuration } from '../lib/format';

/** The current time, re-rendered every `everyMs` (SLA countdowns, "3 min ago"). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/**
 * Time left to an SLA deadline: "12 min left", amber in the last fifth of `windowMs` (or the last 10
 * minutes), red once it has passed ("breached 4 min ago"). Met or paused clocks say so instead, and a
 * response clock the incident's resolution made unnecessary says "Resolved first".
 */
export function SlaCountdown({
  deadline,
  state,
  windowMs,
}: {
  deadline?: string;
  state?: 'met' | 'missed' | 'paused' | 'running' | 'not-needed';
  windowMs?: number;
}) {
  const now = useNow();
  if (!deadline) return <span className="muted">—</span>;
  if (state === 'met') return <span className="sla sla-met">Met</span>;
  if (state === 'not-needed') return <span className="sla sla-paused">Resolved first</span>;
  if (state === 'paused') return <span className="sla sla-paused">Paused</span>;
  const left = new Date(deadline).getTime() - now;
  if (left <= 0 || state === 'missed') {
    return <span className="sla sla-breached">Breached {formatDuration(-left)} ago</span>;
  }
  const warnAt = windowMs ? windowMs / 5 : 10 * 60_000;
  return (
    <span className={`sla ${left <= warnAt ? 'sla-warning' : 'sla-ok'}`}>
      <time dateTime={deadline}>{formatDuration(left)}</time> left
    </span>
  );
}
