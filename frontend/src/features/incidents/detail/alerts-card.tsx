import { Badge } from '../../../components/badges';
import { Section, type IncidentDetail } from '../../../components/incident-parts';
import { EmptyState } from '../../../components/states';
import { formatDateTime, formatTime } from '../../../lib/format';

type AlertRow = IncidentDetail['alerts'][number];

type AlertEvent = AlertRow['events'][number];

const ROW_STATES: Record<AlertRow['state'], { badge: string; label: string }> = {
  firing: { badge: 'firing', label: 'Firing' },
  resolved: { badge: 'resolved', label: 'Resolved' },
  ended: { badge: 'merged', label: 'Ended with the incident' },
};

function eventLabel(event: AlertEvent): string {
  switch (event.kind) {
    case 'fired':
      return 'Fired';
    case 'repeated':
      return 'Repeated';
    case 'resolved':
      return 'Resolved';
    case 'reported-cleared':
      return `${event.source} reports it cleared`;
  }
}

/** "12 May, 5:05 AM" for another day, "5:05 AM" today. */
function shortTime(iso: string): string {
  return new Date(iso).toDateString() === new Date().toDateString() ? formatTime(iso) : formatDateTime(iso);
}

/**
 * One row per alert (per fingerprint): where it stands, when it was first and last heard, the tools that
 * reported it, how often it fired, and why it joined; its repeats and resolutions (and another tool's word
 * that it cleared) are events on the row.
 */
export function AlertsCard({ detail, correlationIds }: { detail: IncidentDetail; correlationIds: Map<string, string> }) {
  const rows = detail.alerts;
  const opener = detail.timeline.find((entry) => entry.type === 'incident-opened')?.alertId;
  const { alertCount, occurrences } = detail.incident;
  return (
    <Section title="Alerts and why they were grouped" count={alertCount} id="alerts-heading">
      {occurrences !== undefined && occurrences > alertCount ? (
        <p className="muted inc-small">
          {alertCount} distinct alert{alertCount === 1 ? '' : 's'}, {occurrences} firing notifications in all (repeats included).
        </p>
      ) : null}
      {rows.length === 0 ? (
        <EmptyState title="No alerts recorded" />
      ) : (
        <ol className="inc-alerts">
          {rows.map((row, index) => {
            const opened = row.events.some((event) => event.alertId === opener) || (!opener && index === 0);
            const state = ROW_STATES[row.state];
            const clearedBy = [...new Set(row.events.filter((event) => event.kind === 'reported-cleared').map((event) => event.source))];
            const correlationId = row.events.map((event) => correlationIds.get(event.alertId)).find(Boolean);
            return (
              <li key={row.key} className={`inc-alert inc-edge-${row.severity}`}>
                <div className="inc-alert-time">
                  <time dateTime={row.firstSeenAt} title={formatDateTime(row.firstSeenAt)}>
                    {formatTime(row.firstSeenAt)}
                  </time>
                  <span className="cell-sub">{new Date(row.firstSeenAt).toLocaleDateString()}</span>
                </div>
                <div className="inc-alert-body">
                  <div className="inc-alert-head">
                    <span className="cell-title">{row.signature}</span>
                    <Badge value={row.severity} />
                    <Badge value={state.badge} label={state.label} />
                    {row.sources.map((source) => (
                      <span key={source} className="inc-chip">
                        {source}
                      </span>
                    ))}
                    <span className="inc-chip">{row.category}</span>
                  </div>
                  <p className="inc-alert-message">
                    <span className="inc-asset">{row.assetId ?? row.assetRef}</span> · {row.message}
                  </p>
                  <p className="inc-small muted inc-alert-seen">
                    First seen {shortTime(row.firstSeenAt)} · last {shortTime(row.lastSeenAt)} · fired {row.occurrences}{' '}
                    {row.occurrences === 1 ? 'time' : 'times'}
                  </p>
                  {clearedBy.length ? (
                    <p className="inc-small inc-alert-cleared">
                      {clearedBy.join(', ')} report{clearedBy.length === 1 ? 's' : ''} it cleared
                      {row.state === 'firing'
                        ? `; ${row.sources.filter((source) => !clearedBy.includes(source)).join(', ')} still reports it firing`
                        : ''}
                    </p>
                  ) : null}
                  <p className={`inc-why ${opened ? 'inc-why-open' : ''}`}>
                    <strong>{opened ? 'Opened the incident' : 'Why it joined'}:</strong> {row.reason}
                  </p>
                  {row.events.length > 1 ? (
                    <details className="inc-alert-events">
                      <summary>{row.events.length} notifications</summary>
                      <ol>
                        {row.events.map((event) => (
                          <li key={event.alertId}>
                            <time dateTime={event.at} title={formatDateTime(event.at)}>
                              {shortTime(event.at)}
                            </time>
                            <span>
                              {eventLabel(event)}
                              {event.kind === 'reported-cleared' ? null : <span className="cell-sub">{event.source}</span>}
                            </span>
                          </li>
                        ))}
                      </ol>
                    </details>
                  ) : null}
                  {correlationId ? (
                    <p className="inc-small muted">
                      Correlation id <code>{correlationId}</code>
                    </p>
                  ) : null}
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </Section>
  );
}
