import type { ClientReport } from './hooks';
import { Badge } from '../../components/badges';
import { Card, DataTable } from '../../components/layout-parts';
import { formatMinutes } from '../../components/settings-form';
import { formatNumber, formatPercent } from '../../lib/format';

type FigureChange = ClientReport['changes'][number];
type KpiRow = ClientReport['totals'];

const minutes = (value: number | null) => (value === null ? '—' : formatMinutes(Math.round(value)) || '0 min');
const percent = (value: number | null) => formatPercent(value);
const episodes = (count: number) => `${formatNumber(count)} episode${count === 1 ? '' : 's'}`;

/** A local date and time of the report's zone: "Nov 3, 2026, 14:05". */
function inZone(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}

function figureValue(change: FigureChange, value: number | null): string {
  if (change.figure.endsWith('Pct')) return percent(value);
  if (change.figure.endsWith('Minutes')) return minutes(value);
  return formatNumber(value);
}

function changeText(change: FigureChange): string {
  if (change.change === null) return 'nothing to compare';
  if (change.change === 0) return 'no change';
  const sign = change.change > 0 ? '+' : '−';
  const size = Math.abs(change.change);
  const amount = change.figure.endsWith('Pct') ? `${size} pts` : change.figure.endsWith('Minutes') ? minutes(size) : formatNumber(size);
  return `${sign}${amount}`;
}

const DIRECTION_TONE: Record<NonNullable<FigureChange['direction']>, string> = {
  better: 'succeeded',
  worse: 'failed',
  same: 'skipped',
};

/** The headline figures, each with its change on the period before. */
function Headline({ report }: { report: ClientReport }) {
  return (
    <ul className="report-figures" aria-label="Headline figures">
      {report.changes.map((change) => (
        <li key={change.figure} className="report-figure" data-testid={`figure-${change.figure}`}>
          <span className="report-figure-label">{change.label.replace(/ \((%|min)\)$/, '')}</span>
          <strong className="report-figure-value">{figureValue(change, change.current)}</strong>
          <span className="report-figure-change">
            {change.direction ? <Badge value={DIRECTION_TONE[change.direction]} label={change.direction} /> : null}{' '}
            <span className="muted small">
              {changeText(change)} vs {report.previous.period.label}
            </span>
          </span>
        </li>
      ))}
    </ul>
  );
}

function SeverityTable({ rows }: { rows: ClientReport['bySeverity'] }) {
  return (
    <DataTable caption="Incidents and SLA by severity">
      <thead>
        <tr>
          <th scope="col">Severity</th>
          <th scope="col">Incidents</th>
          <th scope="col">Alert episodes</th>
          <th scope="col">MTTA</th>
          <th scope="col">MTTR</th>
          <th scope="col">Response SLA</th>
          <th scope="col">Resolution SLA</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.severity}>
            <th scope="row">
              <Badge value={row.severity} />
            </th>
            <td>{formatNumber(row.incidents)}</td>
            <td>{formatNumber(row.firingEpisodes)}</td>
            <td>{minutes(row.mttaMinutes)}</td>
            <td>{minutes(row.mttrMinutes)}</td>
            <td>{percent(row.slaResponse.pct)}</td>
            <td>{percent(row.slaResolution.pct)}</td>
          </tr>
        ))}
      </tbody>
    </DataTable>
  );
}

function Comparison({ report }: { report: ClientReport }) {
  return (
    <DataTable caption={`${report.period.label} compared with ${report.previous.period.label}`}>
      <thead>
        <tr>
          <th scope="col">Figure</th>
          <th scope="col">{report.period.label}</th>
          <th scope="col">{report.previous.period.label}</th>
          <th scope="col">Change</th>
        </tr>
      </thead>
      <tbody>
        {report.changes.map((change) => (
          <tr key={change.figure}>
            <th scope="row">{change.label.replace(/ \((%|min)\)$/, '')}</th>
            <td>{figureValue(change, change.current)}</td>
            <td>{figureValue(change, change.previous)}</td>
            <td>
              {changeText(change)}
              {change.direction && change.direction !== 'same' ? <span className="muted small"> ({change.direction})</span> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </DataTable>
  );
}

function totalsLine(totals: KpiRow): string {
  const parts = [
    `${formatNumber(totals.alerts)} alert notifications`,
    `${formatNumber(totals.resolved)} resolved`,
    `${formatNumber(totals.resolvedByPerson)} by a person`,
    `${formatNumber(totals.clearedOnItsOwn)} cleared on their own`,
  ];
  if (totals.inMaintenance) parts.push(`${formatNumber(totals.inMaintenance)} in maintenance (left out of SLA)`);
  return parts.join(' · ');
}

/** The report as a readable page: what the PDF holds, from the same JSON. */
export function ReportPreview({ report }: { report: ClientReport }) {
  const zone = report.period.timeZone;
  return (
    <article className="report stack" aria-label={`Service report of ${report.tenant.name}, ${report.period.label}`}>
      <header className="report-head">
        <p className="muted small">{report.msp.name}</p>
        <h2>
          {report.tenant.name}: {report.period.label}
        </h2>
        <p className="muted small">
          {report.period.firstDay} to {report.period.lastDay} ({zone.replaceAll('_', ' ')}) · made {inZone(report.generatedAt, zone)}
        </p>
      </header>

      <Headline report={report} />
      <p className="muted small" data-testid="report-totals">
        {totalsLine(report.totals)}
      </p>

      <Card title="By severity">
        <SeverityTable rows={report.bySeverity} />
      </Card>

      <Card title={`SLA breaches (${report.breaches.length})`}>
        {report.breaches.length === 0 ? (
          <p className="muted">Every response and resolution deadline of the period was met.</p>
        ) : (
          <ul className="report-breaches">
            {report.breaches.map((breach) => (
              <li key={`${breach.incidentId}-${breach.clock}`} data-testid="report-breach">
                <div className="report-breach-head">
                  <Badge value={breach.severity} />
                  <strong>{breach.title}</strong>
                </div>
                <p className="small">
                  {breach.clock === 'response' ? 'Response' : 'Resolution'} due {inZone(breach.deadline, zone)}: {breach.reason}
                  {breach.stillOpen ? ' (still open)' : ''}
                </p>
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card title="Self-healing">
        <p>
          {formatNumber(report.selfHealing.selfHealed)} of {formatNumber(report.selfHealing.resolved)} resolved incidents were fixed by a
          runbook without anyone stepping in ({percent(report.selfHealing.pct)}).
        </p>
        {report.selfHealing.runbooks.length ? (
          <DataTable caption="Runbooks that resolved incidents">
            <thead>
              <tr>
                <th scope="col">Runbook</th>
                <th scope="col">Incidents resolved</th>
              </tr>
            </thead>
            <tbody>
              {report.selfHealing.runbooks.map((runbook) => (
                <tr key={runbook.runbookId}>
                  <th scope="row">{runbook.name}</th>
                  <td>{formatNumber(runbook.incidents)}</td>
                </tr>
              ))}
            </tbody>
          </DataTable>
        ) : null}
      </Card>

      <div className="report-pair">
        <Card title="Noisiest assets">
          {report.noisyAssets.length === 0 ? (
            <p className="muted">No alerts in the period.</p>
          ) : (
            <ol className="report-top">
              {report.noisyAssets.map((asset) => (
                <li key={asset.asset}>
                  <span className="report-top-name">{asset.asset}</span>
                  <span className="muted small">{episodes(asset.firingEpisodes)}</span>
                </li>
              ))}
            </ol>
          )}
        </Card>
        <Card title="Noisiest signatures">
          {report.noisySignatures.length === 0 ? (
            <p className="muted">No alerts in the period.</p>
          ) : (
            <ol className="report-top">
              {report.noisySignatures.map((signature) => (
                <li key={signature.signature}>
                  <span className="report-top-name">{signature.signature}</span>
                  <span className="muted small">{episodes(signature.firingEpisodes)}</span>
                </li>
              ))}
            </ol>
          )}
        </Card>
      </div>

      <Card title={`Maintenance windows (${report.maintenanceWindows.length})`}>
        {report.maintenanceWindows.length === 0 ? (
          <p className="muted">No maintenance in the period.</p>
        ) : (
          <ul className="report-windows">
            {report.maintenanceWindows.map((window) => (
              <li key={window.id}>
                <strong>{window.name}</strong>
                {window.reason ? <span className="muted"> — {window.reason}</span> : null}
                <p className="small muted">
                  {inZone(window.firstStartsAt, zone)} to {inZone(window.lastEndsAt, zone)}
                  {window.occurrences > 1 ? ` · ${window.occurrences} times` : ''} · held {formatNumber(window.heldIncidents)} incident
                  {window.heldIncidents === 1 ? '' : 's'}
                </p>
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card title={`Compared with ${report.previous.period.label}`}>
        <Comparison report={report} />
      </Card>
    </article>
  );
}
