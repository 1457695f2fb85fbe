import type { Schemas } from '../api/client';
import type { paths } from '../api/schema';
import { formatDateTime, formatDuration, formatRelative } from '../lib/format';
import { Badge } from './badges';

export type OncallSchedule = Schemas['OncallSchedule'];
export type Technician = Schemas['Technician'];
export type OnCallEntry = paths['/v1/oncall/now']['get']['responses'][200]['content']['application/json']['onCall'][number];
type Layer = OncallSchedule['layers'][number];

const DAY_NAMES: Record<string, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long', timeZone: 'UTC' });

function initials(name: string): string {
  const parts = name
    .trim()
    .split(/[\s.@_-]+/)
    .filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
}

export function Avatar({ name }: { name: string }) {
  return (
    <span className="oncall-avatar" aria-hidden="true">
      {initials(name)}
    </span>
  );
}

/** The note of an override ("override <start> to <end> (<note>)" from the API): just the note. */
function overrideNote(reason: string): string | undefined {
  return /\(([^()]*)\)\s*$/.exec(reason)?.[1];
}

/** Who is on call now in each schedule, and until when. */
export function OnCallNowCard({ entry, now }: { entry: OnCallEntry; now: number }) {
  const name = entry.name ?? 'A removed user';
  return (
    <article className="oncall-now" data-testid="oncall-now" aria-label={`${name} on call for ${entry.schedule.name}`}>
      <Avatar name={name} />
      <div className="oncall-now-body">
        <p className="oncall-now-name">{name}</p>
        {entry.email ? <p className="cell-sub">{entry.email}</p> : null}
        <p className="oncall-now-where">
          <strong>{entry.schedule.name}</strong>
          {' · '}
          {entry.source === 'override' ? <Badge value="medium" label="Override" /> : <span>{entry.layer}</span>}
        </p>
        {entry.source === 'override' && overrideNote(entry.reason) ? <p className="cell-sub">{overrideNote(entry.reason)}</p> : null}
        <p className="oncall-now-until">
          Until <time dateTime={entry.until}>{formatDateTime(entry.until)}</time>
          <span className="muted"> ({formatDuration(new Date(entry.until).getTime() - now)} left)</span>
        </p>
        <p className="cell-sub">Since {formatRelative(entry.since, now)}</p>
      </div>
    </article>
  );
}

function rotationText(layer: Layer): string {
  if (layer.rotation === 'daily') return `Daily hand-off at ${layer.handoffTime}`;
  const day = weekday.format(new Date(`${layer.startDate}T00:00:00Z`));
  return `Weekly hand-off ${day}s at ${layer.handoffTime}`;
}

function coverageText(coverage: NonNullable<Layer['coverage']>[number]): string {
  return `${coverage.days.map((day) => DAY_NAMES[day] ?? day).join(', ')} ${coverage.from}–${coverage.to}`;
}

/** One schedule: its layers in priority order with the members in rotation order, and its overrides. */
export function ScheduleCard({
  schedule,
  names,
  onCall,
  now,
}: {
  schedule: OncallSchedule;
  names: Map<string, string>;
  onCall: OnCallEntry[];
  now: number;
}) {
  const current = onCall.find((entry) => entry.schedule.id === schedule.id);
  const upcoming = schedule.overrides.filter((override) => new Date(override.end).getTime() > now);
  const past = schedule.overrides.length - upcoming.length;
  const headingId = `schedule-${schedule.id}`;
  return (
    <section className="card oncall-schedule" data-testid="oncall-schedule" aria-labelledby={headingId}>
      <div className="card-header oncall-schedule-head">
        <div>
          <h3 id={headingId}>{schedule.name}</h3>
          <p className="cell-sub">
            Version {schedule.version} · changed {formatRelative(schedule.updatedAt, now)} by {schedule.updatedBy}
          </p>
        </div>
        {current ? (
          <span className="oncall-pill">
            <span className="oncall-dot" aria-hidden="true" />
            {current.name ?? current.userId} on call
          </span>
        ) : (
          <Badge value="neutral" label="Nobody on call now" />
        )}
      </div>

      <ol className="oncall-layers">
        {schedule.layers.map((layer, index) => {
          const layerActive = current?.source === 'layer' && current.layer === layer.name;
          return (
            <li key={`${layer.name}-${index}`} className="oncall-layer">
              <div className="oncall-layer-head">
                <span className="oncall-layer-rank" title="Priority: the first layer covering an instant decides">
                  {index + 1}
                </span>
                <div>
                  <p className="cell-title">{layer.name}</p>
                  <p className="cell-sub">
                    {rotationText(layer)} · {layer.timeZone}
                  </p>
                  <p className="cell-sub">
                    From {layer.startDate}
                    {layer.endDate ? ` to ${layer.endDate}` : ''}
                    {layer.coverage?.length ? ` · only ${layer.coverage.map(coverageText).join('; ')}` : ' · around the clock'}
                  </p>
                </div>
              </div>
              <ol className="oncall-members" aria-label={`Rotation of ${layer.name}`}>
                {layer.members.map((member, position) => {
                  const active = layerActive && current?.userId === member;
                  const name = names.get(member) ?? member;
                  return (
                    <li key={`${member}-${position}`} className={active ? 'oncall-member oncall-member-active' : 'oncall-member'}>
                      <span className="oncall-member-position">{position + 1}</span>
                      <span>{name}</span>
                      {active ? <span className="visually-hidden"> (on call now)</span> : null}
                    </li>
                  );
                })}
              </ol>
            </li>
          );
        })}
      </ol>

      <div className="oncall-overrides">
        <h4>Overrides</h4>
        {upcoming.length ? (
          <ul>
            {upcoming.map((override) => {
              const live = new Date(override.start).getTime() <= now;
              return (
                <li key={`${override.userId}-${override.start}`}>
                  <span className="cell-title">{names.get(override.userId) ?? override.userId}</span>
                  {live ? <Badge value="medium" label="Now" /> : null}
                  <span className="cell-sub">
                    {formatDateTime(override.start)} → {formatDateTime(override.end)}
                    {override.reason ? ` · ${override.reason}` : ''}
                  </span>
                </li>
              );
            })}
          </ul>
        ) : (
          <p className="muted">None coming up.</p>
        )}
        {past ? (
          <p className="cell-sub">
            {past} past override{past === 1 ? '' : 's'}
          </p>
        ) : null}
      </div>
    </section>
  );
}
