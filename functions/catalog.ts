/**
 * The catalog of Lambda functions and what triggers them. The CDK stack builds functions, routes,
 * the queue's event source mapping, the EventBridge rules and the schedules from it; the local stack
 * serves the very same handler modules from it, with the same triggers. Plain data: no CDK and no SDK
 * imports, so both sides can load it.
 */
import type { EnvName } from '../lib/config/env';
import { EVENT_SOURCE } from '../lib/domain/events';

export { EVENT_SOURCE };

export type FunctionName =
  | 'api'
  | 'adminApi'
  | 'ingestWebhook'
  | 'ingestAlarmEvent'
  | 'correlate'
  | 'settle'
  | 'remediate'
  | 'runbookStep'
  | 'approvalSweep'
  | 'sla'
  | 'wsConnect'
  | 'wsDisconnect'
  | 'wsDefault'
  | 'realtimePush'
  | 'streamRelay'
  | 'repairSweep'
  | 'respond'
  | 'reports';

export interface FunctionSpec {
  /** Handler module, relative to the repository root; it exports `handler`. */
  entry: string;
  description: string;
  env: EnvName;
  memoryMiB: number;
  timeoutSeconds: number;
}

export const FUNCTIONS: Record<FunctionName, FunctionSpec> = {
  api: {
    entry: 'functions/api/handler.ts',
    description: 'Operator API: health, sign-in, incidents, alerts, correlation policy, approvals, executions, notifications, OpenAPI',
    env: 'api',
    memoryMiB: 1024,
    timeoutSeconds: 10,
  },
  adminApi: {
    entry: 'functions/admin-api/handler.ts',
    description: 'Admin API: tenants, users, assets, integrations, audit, runbooks, on-call, SLA/escalation policies, maintenance windows',
    env: 'adminApi',
    memoryMiB: 1024,
    timeoutSeconds: 10,
  },
  ingestWebhook: {
    entry: 'functions/ingest-webhook/handler.ts',
    description: 'Webhook ingestion: authenticate, normalize, store and enqueue alerts',
    env: 'ingest',
    memoryMiB: 512,
    timeoutSeconds: 10,
  },
  ingestAlarmEvent: {
    entry: 'functions/ingest-alarm-event/handler.ts',
    description: 'CloudWatch alarm state changes from EventBridge: find the tenant by AWS account and ingest',
    env: 'ingest',
    memoryMiB: 512,
    timeoutSeconds: 10,
  },
  correlate: {
    entry: 'functions/correlate/handler.ts',
    description: 'Correlation: turn queued alerts into incidents',
    env: 'correlate',
    memoryMiB: 512,
    timeoutSeconds: 30,
  },
  settle: {
    entry: 'functions/settle/handler.ts',
    description: 'Settle sweep: resolve the incidents whose grace period ended without another alert',
    env: 'settle',
    memoryMiB: 512,
    timeoutSeconds: 60,
  },
  remediate: {
    entry: 'functions/remediate/handler.ts',
    description: 'Remediation decision per new incident: run a runbook, ask for approval, or route to a technician',
    env: 'remediation',
    memoryMiB: 512,
    // Bedrock advice may take its 8 s budget on top of the reads.
    timeoutSeconds: 30,
  },
  runbookStep: {
    entry: 'functions/runbook-step/handler.ts',
    description: "Runbook execution step: SSM in the client's account, approval tokens, outcomes",
    env: 'automation',
    memoryMiB: 512,
    timeoutSeconds: 30,
  },
  approvalSweep: {
    entry: 'functions/approval-sweep/handler.ts',
    description: 'Approval sweep: expire unanswered approval requests and escalate their incidents',
    env: 'automation',
    memoryMiB: 256,
    timeoutSeconds: 60,
  },
  sla: {
    entry: 'functions/sla/handler.ts',
    description: 'SLA clocks and notifications: timers follow incidents; warn, breach, escalate when one fires; notify on events',
    env: 'sla',
    memoryMiB: 512,
    // Notification retries (email, Slack, Teams, webhook) are bounded well inside this.
    timeoutSeconds: 60,
  },
  wsConnect: {
    entry: 'functions/ws-connect/handler.ts',
    description: 'WebSocket $connect: check the access token and store the connection',
    env: 'realtimeConnect',
    memoryMiB: 256,
    timeoutSeconds: 5,
  },
  wsDisconnect: {
    entry: 'functions/ws-disconnect/handler.ts',
    description: 'WebSocket $disconnect: forget the connection',
    env: 'realtime',
    memoryMiB: 256,
    timeoutSeconds: 5,
  },
  wsDefault: {
    entry: 'functions/ws-default/handler.ts',
    description: 'WebSocket $default: ping',
    env: 'realtime',
    memoryMiB: 256,
    timeoutSeconds: 5,
  },
  realtimePush: {
    entry: 'functions/realtime-push/handler.ts',
    description: 'Push domain events to the WebSocket connections allowed to see their tenant',
    env: 'realtime',
    memoryMiB: 256,
    timeoutSeconds: 10,
  },
  streamRelay: {
    entry: 'functions/stream-relay/handler.ts',
    description: "The table stream's relay (a Pipe's target): committed events to the bus, newly stored alerts to correlation",
    env: 'relay',
    memoryMiB: 256,
    timeoutSeconds: 30,
  },
  repairSweep: {
    entry: 'functions/repair-sweep/handler.ts',
    description: 'Repair sweep: open incidents left without SLA clocks or a remediation decision get them',
    env: 'repair',
    memoryMiB: 256,
    timeoutSeconds: 60,
  },
  respond: {
    entry: 'functions/respond/handler.ts',
    description:
      "Responders acting from a notification: the signed links' mobile page, Slack buttons, SMS replies; phone verification and the Slack app's install",
    env: 'respond',
    memoryMiB: 512,
    timeoutSeconds: 10,
  },
  reports: {
    entry: 'functions/reports/handler.ts',
    description:
      "KPIs, and client reports (JSON, HTML, PDF) of a company's month, quarter or days with the MSP's branding, sent on schedule",
    env: 'reports',
    // Building a PDF is CPU work: more memory is more CPU.
    memoryMiB: 1024,
    timeoutSeconds: 10,
  },
};

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ANY';

/**
 * HTTP API routes (API Gateway v2 route keys). The most specific route wins, as in API Gateway: an exact
 * path beats one with variables, which beats a greedy `{proxy+}`; among greedy ones the longer prefix.
 * The operator API is split in two functions (lib/api/all-routes.ts): `api` takes every /v1 path no other
 * route claims; `adminApi` the set-up paths listed here. test/unit/api-split.test.ts checks that every
 * documented route reaches the function that serves it.
 */
export const HTTP_ROUTES: ReadonlyArray<{ method: HttpMethod; path: string; function: FunctionName }> = [
  { method: 'GET', path: '/health', function: 'api' },
  { method: 'POST', path: '/v1/webhooks/{source}', function: 'ingestWebhook' },
  { method: 'ANY', path: '/v1/{proxy+}', function: 'api' },
  ...(
    [
      '/v1/tenants',
      '/v1/tenants/{id}',
      '/v1/tenants/{id}/sla/{proxy+}',
      '/v1/tenants/{id}/escalation/{proxy+}',
      '/v1/users',
      '/v1/users/{proxy+}',
      '/v1/assets',
      '/v1/assets/{proxy+}',
      '/v1/integrations',
      '/v1/integrations/{proxy+}',
      '/v1/audit',
      '/v1/runbooks',
      '/v1/runbooks/{proxy+}',
      '/v1/oncall/{proxy+}',
      '/v1/technicians',
      '/v1/technicians/{proxy+}',
      '/v1/maintenance-windows',
      '/v1/maintenance-windows/{proxy+}',
    ] as const
  ).map((path) => ({ method: 'ANY' as const, path, function: 'adminApi' as const })),
  // The unresolved alerts' assets are alerts (api), under the assets' prefix.
  { method: 'GET', path: '/v1/assets/unresolved', function: 'api' },
  // A silence is a maintenance window (adminApi, which carries the recurrence rules), under the incidents' prefix.
  { method: 'POST', path: '/v1/incidents/{id}/silence', function: 'adminApi' },
  // Responding from a notification (lib/api/respond-routes.ts): the links and Slack are public (the token or
  // Slack's signature is the credential); the phone and the Slack app's set-up need the SMS and Slack clients.
  ...(
    [
      '/a/{token}',
      '/slack/{proxy+}',
      '/v1/me/phone',
      '/v1/me/phone/{proxy+}',
      '/v1/integrations/slack-app',
      '/v1/integrations/slack-app/{proxy+}',
    ] as const
  ).map((path) => ({ method: 'ANY' as const, path, function: 'respond' as const })),
  // The KPIs, and the client reports computed by the same code with the branding on them (lib/api/report-routes.ts):
  // the PDF writer has a bundle of its own.
  ...(['/v1/kpis', '/v1/reports', '/v1/reports/{proxy+}', '/v1/branding'] as const).map((path) => ({
    method: 'ANY' as const,
    path,
    function: 'reports' as const,
  })),
];

/** WebSocket API routes; the route selection expression is `$request.body.action`. */
export const WEBSOCKET_ROUTES: ReadonlyArray<{ routeKey: string; function: FunctionName }> = [
  { routeKey: '$connect', function: 'wsConnect' },
  { routeKey: '$disconnect', function: 'wsDisconnect' },
  { routeKey: '$default', function: 'wsDefault' },
];

/** The durable hand-off between ingestion and correlation. */
export const ALERT_QUEUE = {
  consumer: 'correlate' as FunctionName,
  batchSize: 10,
  maxBatchingWindowSeconds: 1,
  /** Visibility timeout must exceed the consumer's timeout (AWS recommends 6x). */
  visibilityTimeoutSeconds: 180,
  /** After this many failed receives a message moves to the dead-letter queue. */
  maxReceiveCount: 5,
  /**
   * The most correlate invocations the event source runs at once (its maximum concurrency; the local
   * stack runs as many batches at once), instead of reserved concurrency: with reserved concurrency, the
   * event source keeps polling, Lambda throttles the excess and the throttled messages count receives
   * towards the dead-letter queue; a maximum concurrency simply polls less, and uses no reservation from
   * the account's pool.
   *
   * Why 10: one invocation correlates a batch of up to 10 alerts in one scope-ordered pass, its scopes
   * concurrently (~0.15 scope reads and transactions per alert); at ~100-300 ms a batch, 10 invocations
   * clear 330-1,000 alerts/s, above what ingestion admits (HTTP_THROTTLE: 100 webhook requests/s, a few
   * alerts each). More would add DynamoDB transaction conflicts on the same scope rather than
   * throughput, and would let a backlog take concurrency from ingestion and the operator API. The alert
   * queue's age alarm says when 10 is not enough.
   */
  maxConcurrency: 10,
} as const;

/**
 * The table's stream and what reads it (an EventBridge Pipe in AWS, DynamoDB Local's stream locally):
 * only new outbox items (committed events) and new alert items pass the filter, an EventBridge-style
 * pattern on the stream record; the relay function hands them on (lib/relay/stream-relay.ts). A batch
 * that keeps failing is split in halves to isolate a bad record, then goes to the dead-letter queue.
 */
export const STREAM_RELAY = {
  consumer: 'streamRelay' as FunctionName,
  filter: { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['outbox', 'alert'] } } } },
  batchSize: 50,
  maximumBatchingWindowSeconds: 0,
  /** Retries of a failing batch before it is dead-lettered (with bisection in between). */
  maximumRetryAttempts: 10,
  /** Records older than this are dead-lettered instead of retried (the stream keeps 24 h). */
  maximumRecordAgeSeconds: 6 * 3600,
} as const;

/**
 * EventBridge rules: a pattern and the function it invokes, on the product's own bus or on the
 * account's default bus (where AWS services such as CloudWatch put their events).
 */
export const EVENT_RULES: ReadonlyArray<{
  id: string;
  description: string;
  bus: 'product' | 'default';
  pattern: { source: string[]; 'detail-type'?: string[]; detail?: Record<string, unknown> };
  function: FunctionName;
}> = [
  {
    id: 'PushDomainEventsToDashboards',
    description: 'Every domain event goes to the WebSocket fan-out',
    bus: 'product',
    pattern: { source: [EVENT_SOURCE] },
    function: 'realtimePush',
  },
  {
    id: 'DecideRemediationForNewIncidents',
    description: 'Every new incident gets a remediation decision',
    bus: 'product',
    pattern: { source: [EVENT_SOURCE], 'detail-type': ['IncidentOpened'] },
    function: 'remediate',
  },
  {
    id: 'ReviseRemediationWhenIncidentsChange',
    description:
      'An incident whose root moved, or that absorbed another, is decided again (a running execution is kept); one merged into another has its pending approval withdrawn',
    bus: 'product',
    pattern: { source: [EVENT_SOURCE], 'detail-type': ['IncidentUpdated'], detail: { decision: ['root-changed', 'absorbed', 'merged'] } },
    function: 'remediate',
  },
  {
    id: 'DecideRemediationAfterMaintenance',
    description:
      'An incident released by the end of its maintenance window (or by an alert from outside it) is decided and routed as a new one would be',
    bus: 'product',
    pattern: { source: [EVENT_SOURCE], 'detail-type': ['IncidentUpdated'], detail: { decision: ['maintenance-ended'] } },
    function: 'remediate',
  },
  {
    id: 'WithdrawApprovalsOfResolvedIncidents',
    description: 'A resolved incident has nothing left to approve: its pending approval request is withdrawn and its runbook never runs',
    bus: 'product',
    pattern: { source: [EVENT_SOURCE], 'detail-type': ['IncidentResolved'] },
    function: 'remediate',
  },
  {
    id: 'RepairRemediationOfIncidents',
    description:
      'An open incident the repair sweep found without a decision, or without its decided execution, gets them; one whose technician left gets another',
    bus: 'product',
    pattern: {
      source: [EVENT_SOURCE],
      'detail-type': ['IncidentRepairRequested'],
      detail: { missing: ['decision', 'execution', 'assignee'] },
    },
    function: 'remediate',
  },
  {
    id: 'TrackSlaClocksAndNotify',
    description:
      'Incidents opening, changing and resolving move their SLA timers; assignments, approval requests, runbook results, resolutions, maintenance windows starting or ending and clients asking for a callback notify people',
    bus: 'product',
    pattern: {
      source: [EVENT_SOURCE],
      'detail-type': [
        'IncidentOpened',
        'IncidentUpdated',
        'IncidentResolved',
        'SlaPauseRequested',
        'SlaResumeRequested',
        'EscalationRequested',
        'IncidentAssigned',
        'ApprovalRequested',
        'ExecutionFinished',
        'SlaWarning',
        'IncidentEscalated',
        'IncidentRepairRequested',
        'MaintenanceStarted',
        'MaintenanceEnded',
        'MaintenanceScheduled',
        'CallbackRequested',
      ],
    },
    function: 'sla',
  },
  {
    id: 'RecordSmsAndVoiceDeliveryStatuses',
    description: "End User Messaging's delivery statuses of SMS and voice pages land on their delivery records",
    bus: 'default',
    pattern: {
      source: ['aws.sms-voice'],
      'detail-type': ['Text Message Delivery Status Updated', 'Voice Message Delivery Status Updated'],
    },
    function: 'respond',
  },
  {
    id: 'IngestCloudWatchAlarmStateChanges',
    description: 'CloudWatch alarm state changes (this account, or client accounts forwarding to its default bus) go to ingestion',
    bus: 'default',
    pattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
    function: 'ingestAlarmEvent',
  },
];

/**
 * Scheduled invocations: the function runs every `everyMinutes` minutes, from an EventBridge rule with
 * the schedule expression `rate(N minute[s])` in AWS, and from a timer in the local stack.
 */
export const SCHEDULES: ReadonlyArray<{
  id: string;
  description: string;
  everyMinutes: number;
  function: FunctionName;
}> = [
  {
    id: 'SettleDueIncidents',
    description: 'Every minute, resolve the incidents whose grace period ended, even if no alert comes to their scope again',
    everyMinutes: 1,
    function: 'settle',
  },
  {
    id: 'RepairIncidents',
    description: 'Every 5 minutes, give open incidents left without SLA clocks or a remediation decision what they are missing',
    everyMinutes: 5,
    function: 'repairSweep',
  },
  {
    id: 'ExpireApprovalRequests',
    description: 'Every minute, expire the approval requests nobody answered in time and escalate their incidents',
    everyMinutes: 1,
    function: 'approvalSweep',
  },
];
