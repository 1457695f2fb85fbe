import { Badge } from '../../components/badges';
import { formatMinutes } from '../../components/settings-form';
import { formatDateTime } from '../../lib/format';
import type { MaintenanceWindow } from './hooks';

/** How a window, its timing, scope and effects read in the Maintenance page's table and timeline. */

type Occurrence = MaintenanceWindow['upcoming'][number];

const sameDay = (a: Date, b: Date) => a.toDateString() === b.toDateString();
const timeOfDay = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** "Mar 3, 2025, 10:00 PM – 11:30 PM", the day named once when it is the same. */
export function formatSpan({ startsAt, endsAt }: Occurrence): string {
  const start = new Date(startsAt);
  const end = new Date(endsAt);
  return `${formatDateTime(startsAt)} – ${sameDay(start, end) ? timeOfDay.format(end) : formatDateTime(endsAt)}`;
}

/** When it is: the one-off span, or the rule with each occurrence's length and zone, then the occurrence current or next. */
export function WindowWhen({ window }: { window: MaintenanceWindow }) {
  const { recurrence, current, phase } = window;
  return (
    <>
      {recurrence ? (
        <>
          <code className="mw-rule">{recurrence.rrule}</code>
          <span className="cell-sub">
            {formatMinutes(recurrence.durationMinutes)} each, {recurrence.timeZone}
          </span>
        </>
      ) : window.startsAt && window.endsAt ? (
        <span>{formatSpan({ startsAt: window.startsAt, endsAt: window.endsAt })}</span>
      ) : null}
      {window.endedAt ? <span className="cell-sub">Ended early {formatDateTime(window.endedAt)}</span> : null}
      {recurrence && current ? (
        <span className="cell-sub">
          {phase === 'active' ? 'Now, until' : 'Next:'} {phase === 'active' ? formatDateTime(current.endsAt) : formatSpan(current)}
        </span>
      ) : null}
    </>
  );
}

/** What it covers: the assets named (and their dependents), the alerts matched, or everything of the company. */
export function WindowScope({ window, assetName }: { window: MaintenanceWindow; assetName?: (id: string) => string }) {
  const { assetIds = [], includeDependents, matchers = [] } = window.scope;
  const name = assetName ?? ((id: string) => id);
  return (
    <>
      <span>
        {assetIds.length === 0
          ? 'Every asset'
          : assetIds.length <= 3
            ? assetIds.map(name).join(', ')
            : `${assetIds.slice(0, 2).map(name).join(', ')} and ${assetIds.length - 2} more`}
        {assetIds.length && includeDependents ? ', with what depends on them' : ''}
      </span>
      {matchers.length ? (
        <span className="cell-sub">
          {matchers.map((matcher, index) => (
            <code key={index} className="mw-matcher">
              {matcher.field} {matcher.op} {matcher.value}
            </code>
          ))}
        </span>
      ) : null}
    </>
  );
}

/** What the window does to the incidents it holds, in words. */
export function effectsText(effects: MaintenanceWindow['effects']): string[] {
  return [
    effects.notify ? 'People notified' : 'Nobody paged',
    effects.slaClocks === 'paused' ? 'SLA clocks paused' : 'SLA clocks running',
    effects.autoRemediation === 'allowed' ? 'Runbooks may run' : 'No runbook by itself',
  ];
}

/** Active (until when), upcoming (from when) or past. */
export function PhaseBadge({ window }: { window: MaintenanceWindow }) {
  if (window.phase === 'active')
    return <Badge value="running" label={window.current ? `Active until ${timeOrDate(window.current.endsAt)}` : 'Active'} />;
  if (window.phase === 'upcoming') return <Badge value="pending" label="Upcoming" />;
  return <Badge value="expired" label={window.endedAt ? 'Ended early' : 'Past'} />;
}

/** A time today as the time alone, another day's with its date. */
function timeOrDate(iso: string): string {
  const date = new Date(iso);
  return sameDay(date, new Date()) ? timeOfDay.format(date) : formatDateTime(iso);
}
