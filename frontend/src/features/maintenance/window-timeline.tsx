import { plannedOccurrences } from '../../../../lib/domain/maintenance/recurrence';
import { occurrencesBetween } from '../../../../lib/domain/maintenance/window';
import type { MaintenanceWindow } from './hooks';
import { formatSpan } from './window-parts';

const DAY_MS = 86_400_000;
export const TIMELINE_DAYS = 14;

const dayName = new Intl.DateTimeFormat(undefined, { weekday: 'short' });

/** Local midnight of the day `at` falls in. */
function startOfDay(at: number): number {
  const date = new Date(at);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

/** Local midnight `days` days after `midnight` (a DST change makes some days 23 or 25 hours). */
function addDays(midnight: number, days: number): number {
  const date = new Date(midnight);
  date.setDate(date.getDate() + days);
  return date.getTime();
}

/**
 * A window's occurrences overlapping `[from, to)`, each cut short by an early end. The API shows a recurring
 * window's next five only: its rule is expanded here as the API expands it when it stores the window
 * (`plannedOccurrences`, from its creation, a day back to two months ahead), then read as the API reads it.
 */
function occurrencesOf(window: MaintenanceWindow, now: number, from: number, to: number) {
  const occurrences = window.recurrence ? plannedOccurrences(window.recurrence, Date.parse(window.createdAt), now) : undefined;
  return occurrencesBetween({ ...window, occurrences }, from, to);
}

/** The next 14 days (from today's midnight) as one bar per occurrence, a row per window: plain CSS, no chart library. */
export function WindowTimeline({
  windows,
  now,
  companyOf,
}: {
  windows: MaintenanceWindow[];
  now: number;
  /** The company's name beside each window, when several are shown. */
  companyOf?: (window: MaintenanceWindow) => string;
}) {
  const from = startOfDay(now);
  const to = addDays(from, TIMELINE_DAYS);
  const span = to - from;
  const at = (instant: number) => (Math.min(Math.max(instant, from), to) - from) / span;
  const percent = (fraction: number) => `${(fraction * 100).toFixed(3)}%`;
  const days = Array.from({ length: TIMELINE_DAYS }, (_, index) => addDays(from, index));
  const rows = windows
    .map((window) => ({ window, occurrences: occurrencesOf(window, now, from, to) }))
    .filter((row) => row.occurrences.length > 0);
  const nowAt = percent(at(now));

  if (rows.length === 0) return <p className="muted">No window is active or planned in the next {TIMELINE_DAYS} days.</p>;
  return (
    <div className="mw-timeline">
      <div className="mw-row mw-scale" aria-hidden="true">
        <span />
        <span className="mw-track mw-days">
          {days.map((day) => (
            <span key={day} className="mw-day" style={{ left: percent(at(day)), width: percent(DAY_MS / span) }}>
              <span className="mw-day-name">{dayName.format(day)} </span>
              {new Date(day).getDate()}
            </span>
          ))}
        </span>
      </div>
      <ul className="mw-rows" aria-label={`Maintenance in the next ${TIMELINE_DAYS} days`}>
        {rows.map(({ window, occurrences }) => (
          <li key={`${window.tenantId}/${window.id}`} className="mw-row" data-testid="timeline-row">
            <span className="mw-row-label">
              <span className="mw-row-name">{window.name}</span>
              {companyOf ? <span className="cell-sub">{companyOf(window)}</span> : null}
            </span>
            <span className="mw-track">
              {days.slice(1).map((day) => (
                <span key={day} className="mw-gridline" style={{ left: percent(at(day)) }} aria-hidden="true" />
              ))}
              <span className="mw-now" style={{ left: nowAt }} aria-hidden="true" />
              {occurrences.map((occurrence) => {
                const span = { startsAt: new Date(occurrence.start).toISOString(), endsAt: new Date(occurrence.end).toISOString() };
                const running = occurrence.start <= now && now < occurrence.end;
                return (
                  <span
                    key={occurrence.start}
                    className={`mw-bar mw-bar-${window.kind}${running ? ' mw-bar-now' : ''}`}
                    style={{ left: percent(at(occurrence.start)), width: percent(at(occurrence.end) - at(occurrence.start)) }}
                    title={formatSpan(span)}
                  >
                    <span className="visually-hidden">
                      {running ? 'Now, ' : ''}
                      {formatSpan(span)}
                    </span>
                  </span>
                );
              })}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
