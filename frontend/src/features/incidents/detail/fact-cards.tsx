import { type ReactNode } from 'react';
import { Link } from 'react-router';
import { useSession } from '../../../auth/session';
import { useTenants } from '../../../auth/tenants';
import { Badge } from '../../../components/badges';
import { CopyButton } from '../../../components/copy-button';
import { SlaCountdown } from '../../../components/countdown';
import { Section, slaClocks, type Incident, type IncidentDetail } from '../../../components/incident-parts';
import { formatTime, humanize } from '../../../lib/format';
import { Time, resolverName } from './hero-parts';

const PRIORITY_PARTS: { key: keyof NonNullable<Incident['priority']>['parts']; label: string; hint: string }[] = [
  { key: 'severity', label: 'Severity', hint: 'how bad its worst alert is' },
  { key: 'criticalAsset', label: 'Critical asset', hint: 'a critical asset is involved' },
  { key: 'blastRadius', label: 'Blast radius', hint: 'assets that depend on the root' },
  { key: 'multiTool', label: 'Several tools', hint: 'more than one monitoring tool reports it' },
  { key: 'repeat', label: 'Repeats', hint: 'its alerts keep firing (resolutions do not count)' },
  { key: 'ageDecay', label: 'Age', hint: 'older incidents move up or down' },
];

export function FactsCard({ detail, correlationId }: { detail: IncidentDetail; correlationId: string | undefined }) {
  const { nameOf } = useTenants();
  const { can } = useSession();
  const { incident } = detail;
  const root = incident.rootAssetId ?? incident.assetId;
  const clocks = slaClocks(incident);
  const items: [string, ReactNode][] = [
    [
      'Company',
      can('asset.read', incident.tenantId) ? (
        <Link to={`/companies/${incident.tenantId}`}>{nameOf(incident.tenantId)}</Link>
      ) : (
        nameOf(incident.tenantId)
      ),
    ],
    [
      'Root asset',
      <>
        <span className="inc-asset">{root ?? incident.assetRef}</span>
        {!root ? <span className="cell-sub">not in the inventory</span> : null}
      </>,
    ],
    ['Opened', <Time key="o" iso={incident.openedAt} />],
    [
      'Acknowledged',
      incident.acknowledgedAt ? (
        <>
          <Time iso={incident.acknowledgedAt} />
          {incident.acknowledgedBy ? <span className="cell-sub">by {incident.acknowledgedBy}</span> : null}
        </>
      ) : (
        <span className="muted">Not yet</span>
      ),
    ],
    [
      'First response',
      incident.respondedAt ? (
        <>
          <Time iso={incident.respondedAt} />
          {incident.respondedBy ? <span className="cell-sub">by {incident.respondedBy}</span> : null}
        </>
      ) : (
        <span className="muted">{incident.resolvedAt ? 'None: resolved without a person' : 'Not yet'}</span>
      ),
    ],
    [
      'Resolved',
      incident.resolvedAt ? (
        <>
          <Time iso={incident.resolvedAt} />
          <span className="cell-sub">
            {incident.resolutionCode ? `${humanize(incident.resolutionCode)} ` : ''}
            {incident.resolvedBy ? `by ${resolverName(incident.resolvedBy)}` : 'on its own: its alerts cleared'}
          </span>
        </>
      ) : (
        <span className="muted">Not yet</span>
      ),
    ],
    ['Assignee', incident.assignee ? incident.assignee.name : <span className="muted">Unassigned</span>],
    [
      'Response deadline',
      clocks ? (
        <>
          <Time iso={clocks.response.deadline} />
          <span className="cell-sub">
            <SlaCountdown deadline={clocks.response.deadline} state={clocks.response.state} windowMs={clocks.response.windowMs} />
          </span>
        </>
      ) : (
        <span className="muted">No SLA</span>
      ),
    ],
    [
      'Resolution deadline',
      clocks ? (
        <>
          <Time iso={clocks.resolution.deadline} />
          <span className="cell-sub">
            <SlaCountdown deadline={clocks.resolution.deadline} state={clocks.resolution.state} windowMs={clocks.resolution.windowMs} />
          </span>
        </>
      ) : (
        <span className="muted">No SLA</span>
      ),
    ],
    ['Sources', incident.sources.join(', ') || '—'],
    [
      'Correlation id',
      correlationId ? (
        <span className="inc-copy">
          <code>{correlationId}</code>
          <CopyButton text={correlationId} label="Copy" />
        </span>
      ) : (
        <span className="muted">—</span>
      ),
    ],
    [
      'Incident id',
      <span key="id" className="inc-copy">
        <code>{incident.id}</code>
        <CopyButton text={incident.id} label="Copy" />
      </span>,
    ],
  ];
  if (incident.mergedInto)
    items.splice(7, 0, ['Merged into', <Link to={`/incidents/${incident.tenantId}/${incident.mergedInto}`}>{incident.mergedInto}</Link>]);
  return (
    <Section title="Facts" id="facts-heading">
      <dl className="inc-facts">
        {items.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </Section>
  );
}

export function PriorityCard({ incident }: { incident: Incident }) {
  const priority = incident.priority;
  return (
    <Section title="Why this priority" id="priority-heading">
      {!priority ? (
        <p className="muted inc-small">No priority computed yet.</p>
      ) : (
        <>
          <ul className="inc-parts">
            {PRIORITY_PARTS.map(({ key, label, hint }) => {
              const value = priority.parts[key] ?? 0;
              return (
                <li key={key} className={value === 0 ? 'is-zero' : value < 0 ? 'is-negative' : ''}>
                  <span className="inc-part-label">
                    {label}
                    <span className="cell-sub">{hint}</span>
                  </span>
                  <span className="inc-part-bar" aria-hidden="true">
                    <span style={{ width: `${Math.min(100, (Math.abs(value) / 50) * 100)}%` }} />
                  </span>
                  <span className="inc-part-value">
                    {value > 0 ? '+' : value < 0 ? '−' : ''}
                    {Math.abs(value)}
                  </span>
                </li>
              );
            })}
          </ul>
          <p className="inc-parts-total">
            <span>Score</span>
            <strong>{priority.score}</strong>
            <span className="muted">of 100</span>
          </p>
        </>
      )}
    </Section>
  );
}

export function EscalationCard({ incident }: { incident: Incident }) {
  const escalation = incident.escalation;
  if (!escalation) return null;
  return (
    <Section title="Escalation" id="escalation-heading">
      <p className="row inc-small">
        <Badge
          value={escalation.status === 'exhausted' ? 'failed' : escalation.status === 'active' ? 'running' : 'resolved'}
          label={humanize(escalation.status)}
        />
        <span>Level {escalation.level}</span>
        {escalation.timer ? (
          <span className="muted">
            next step <Time iso={escalation.timer.at} relative />
          </span>
        ) : null}
      </p>
      {escalation.history.length ? (
        <ol className="inc-mini-timeline">
          {escalation.history.map((step) => (
            <li key={`${step.at}-${step.event}`}>
              <time dateTime={step.at}>{formatTime(step.at)}</time>
              <span>
                {humanize(step.event)} (level {step.level})<span className="cell-sub">{step.reason}</span>
              </span>
            </li>
          ))}
        </ol>
      ) : null}
    </Section>
  );
}
