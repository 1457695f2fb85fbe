import { clientActivity, clientAlertRow, clientAssets, clientIncident, clientWindow } from '../../lib/domain/client-view';
import type { Incident, TimelineEntry } from '../../lib/domain/incident';
import type { AlertRow } from '../../lib/domain/incident-view';

/** What a client's viewer is shown (lib/domain/client-view.ts), field by field. */

const T = '2026-12-07T10:00:00.000Z';
const incident: Incident = {
  id: '01KWINCIDENT0000000000000A',
  tenantId: 'acme',
  correlationId: 'corr-1',
  status: 'acknowledged',
  title: 'Disk full on db-prod-01',
  severity: 'high',
  priority: { score: 70, parts: { severity: 38, criticalAsset: 15, repeat: 2, multiTool: 5, blastRadius: 10, ageDecay: 0 } },
  rootAssetId: 'db-prod-01',
  assetRef: 'db-prod-01',
  assetId: 'db-prod-01',
  signatures: ['DiskFull'],
  sources: ['datadog'],
  alertCount: 1,
  reopenCount: 0,
  openedAt: T,
  lastEventAt: T,
  scope: 'scope-1',
  acknowledgedAt: T,
  acknowledgedBy: 'niko@msp.example',
  respondedAt: T,
  respondedBy: 'niko@msp.example',
  assignee: { userId: 'usr_niko', name: 'Niko Network' },
  resolvedBy: null,
  decision: {
    action: 'route_to_technician',
    reasons: ['no runbook'],
    confidence: 0.4,
    dryRun: false,
    adviceUsed: false,
    policyApplied: {},
    decidedAt: T,
  },
  remediation: { executionId: 'ex-1', runbookId: 'disk', state: 'succeeded', output: 'rm -rf /tmp/secret' },
  sla: {
    version: 1,
    responseMinutes: 15,
    resolutionMinutes: 240,
    responseDueAt: T,
    resolutionDueAt: T,
    clock: { pauses: [{ from: T, to: T, reason: 'waiting on Bob from Globex' }] },
    handled: [],
    timers: { 'response-breach': { name: 'timer-1', at: T, dueAt: T, deadline: T } },
    warnedAt: {},
    breachedAt: {},
    startedAt: T,
    updatedAt: T,
  },
  createdAt: T,
  updatedAt: T,
};

test('an incident keeps what the client asks about and loses the MSP internals and staff addresses', () => {
  const view = clientIncident(incident);
  expect(Object.keys(view).sort()).toEqual([
    'acknowledgedAt',
    'alertCount',
    'assetId',
    'assetRef',
    'assignee',
    'createdAt',
    'id',
    'lastEventAt',
    'openedAt',
    'reopenCount',
    'respondedAt',
    'rootAssetId',
    'severity',
    'signatures',
    'sla',
    'sources',
    'status',
    'tenantId',
    'title',
    'updatedAt',
  ]);
  expect(view.assignee).toEqual({ userId: 'usr_niko', name: 'Niko Network' });
  expect(view.sla!.timers).toEqual({});
  expect(view.sla!.clock.pauses).toEqual([{ from: T, to: T }]);
  expect(JSON.stringify(view)).not.toMatch(/msp\.example|secret|Globex|corr-1|scope-1/);
});

const entry = (type: TimelineEntry['type'], extra: Partial<TimelineEntry> = {}): TimelineEntry => ({
  id: `${type}-${extra.visibility ?? ''}`,
  at: T,
  type,
  reason: `${type} by niko@msp.example`,
  actor: 'niko@msp.example',
  ...extra,
});

test('the activity: client-visible notes as written, the course of the incident in fixed words, nothing else', () => {
  const shown = clientActivity(
    [
      entry('incident-opened'),
      entry('note', { reason: 'internal: the root password is on the wiki' }),
      entry('note', { reason: 'internal too', visibility: 'internal' }),
      entry('note', { reason: 'We are on it', visibility: 'client' }),
      entry('note', { reason: 'Our tills are down', visibility: 'client', actor: 'jo@acme.example' }),
      entry('remediation-decided'),
      entry('execution-finished'),
      entry('approval-requested'),
      entry('incident-routed'),
      entry('incident-escalated'),
      entry('root-changed'),
      entry('incident-merged', { incidentId: 'other' }),
      entry('incident-acknowledged'),
      entry('incident-resolved'),
    ],
    { email: 'jo@acme.example' },
  );
  expect(shown.map(({ type, reason, actor, visibility }) => ({ type, reason, actor, visibility }))).toEqual([
    { type: 'incident-opened', reason: 'Incident opened', actor: undefined, visibility: undefined },
    { type: 'note', reason: 'We are on it', actor: undefined, visibility: 'client' },
    { type: 'note', reason: 'Our tills are down', actor: 'jo@acme.example', visibility: 'client' },
    { type: 'incident-acknowledged', reason: 'Acknowledged by the service desk', actor: undefined, visibility: undefined },
    { type: 'incident-resolved', reason: 'Resolved', actor: undefined, visibility: undefined },
  ]);
});

test("an alert row keeps its name, severity, state and times, without the tool's message or correlation's reason", () => {
  const row: AlertRow = {
    key: 'fp',
    signature: 'DiskFull',
    category: 'disk',
    severity: 'high',
    state: 'firing',
    assetRef: 'db-prod-01',
    assetId: 'db-prod-01',
    sources: ['datadog'],
    firstSeenAt: T,
    lastSeenAt: T,
    occurrences: 2,
    reason: 'depends on lb-prod-01 (topology)',
    message: 'token=abc123',
    events: [{ alertId: 'a1', at: T, kind: 'fired', source: 'datadog', reason: 'same asset' }],
  };
  expect(clientAlertRow(row)).toEqual({ ...row, reason: '', message: '', events: [{ ...row.events[0], reason: '' }] });
});

test('assets: name, type and status from the open incidents rooted on them; aliases, dependencies and tags empty', () => {
  const asset = { id: 'db', name: 'db', type: 'database', aliases: ['10.0.0.5'], dependsOn: ['lb'], critical: true, tags: { key: 'v' } };
  const other = { ...asset, id: 'web', name: 'web', critical: false };
  expect(
    clientAssets(
      [asset, other],
      [
        { rootAssetId: 'db', assetId: 'db' },
        { rootAssetId: null, assetId: 'db' },
      ],
    ),
  ).toEqual([
    { id: 'db', name: 'db', type: 'database', aliases: [], dependsOn: [], critical: true, tags: {}, status: 'incident', openIncidents: 2 },
    { id: 'web', name: 'web', type: 'database', aliases: [], dependsOn: [], critical: false, tags: {}, status: 'ok', openIncidents: 0 },
  ]);
});

test('a maintenance window without who made or ended it', () => {
  expect(clientWindow({ id: 'mw', createdBy: 'niko@msp.example', endedBy: 'ann@msp.example', name: 'Patch night' })).toEqual({
    id: 'mw',
    createdBy: '',
    name: 'Patch night',
  });
});
