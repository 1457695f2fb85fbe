import * as z from 'zod';
import { maintenanceHoldSchema } from '../domain/maintenance/hold';
import { correlationPolicySchema } from '../domain/correlation/policy';
import { canonicalAlertSchema, SEVERITIES } from '../domain/alert';
import { ASSET_ID_PATTERN, assetSchema } from '../domain/asset';
import { escalationPolicySchema } from '../domain/escalation/policy';
import { notificationPreferencesSchema, PHONE_CHANNELS, USER_CHANNELS } from '../domain/notify/preferences';
import { NOTIFICATION_KINDS } from '../domain/notify/templates';
import { scheduleSchema } from '../domain/oncall/schedule';
import { remediationPolicySchema } from '../domain/remediation/decision';
import { PLATFORMS, RISKS, runbookSchema } from '../domain/remediation/runbook';
import { slaPolicySchema } from '../domain/sla/policy';
import { DELIVERY_STATUSES, NOTIFICATION_CHANNELS } from '../domain/notify/delivery';
import { SCHEDULE_ID_PATTERN } from '../store/oncall';
import { escalationStateSchema } from '../domain/escalation/policy';
import { SLA_COVERAGES, SLA_TIMER_KINDS, slaClockSchema } from '../domain/sla/policy';
import { APPROVAL_STATES, EXECUTION_STATES } from '../domain/remediation/execution';
import { INCIDENT_STATUSES, TIMELINE_TYPES } from '../domain/incident';
import { NOTE_VISIBILITIES } from '../domain/incident-actions';
import { ROLES } from '../domain/user';
import { TENANT_ID_PATTERN } from '../domain/tenant';

/**
 * The operator API's response bodies, each defined once: the routes document their answers with these
 * (lib/api/openapi.ts turns them into the OpenAPI document) and the API walk test checks every answer
 * against them. Schemas with an `id` become `components.schemas` entries. Request schemas stay beside
 * the handlers that parse them.
 */

/** Registers the schema as a named OpenAPI component. */
function component<S extends z.ZodType>(id: string, schema: S, description?: string): S {
  return schema.meta({ id, ...(description ? { description } : {}) });
}

/** An instant as the API writes it: ISO 8601, UTC. */
const instant = z.iso.datetime();
const count = z.number().int().min(0);

// Shared request parts (path parameters and the `?tenant=` query).

/**
 * A tenant id (TENANT_ID_PATTERN of lib/store/keys.ts, at most 64 characters): the one schema of every
 * tenant a request names, in the query (`?tenant=`) or the path (`/v1/tenants/{id}/...`). A malformed
 * one is a 400 here, before any key is built from it (the key builder throws on it).
 */
export const tenantIdParam = z.string().max(64).regex(TENANT_ID_PATTERN, 'not a tenant id');
/** The optional `?tenant=` parameter: a well-formed tenant id or nothing. */
export const tenantParam = tenantIdParam.optional();
/** `?tenant=`: the tenant a request is about (optional where the caller's only tenant or every visible one is meant). */
export const tenantQuery = z.object({ tenant: tenantParam });
export const tenantPathParams = z.object({ id: tenantIdParam.describe('Tenant id') });
export const assetPathParams = z.object({ id: z.string().max(128).regex(ASSET_ID_PATTERN).describe('Asset id') });
/** The longest user id a request may name. */
export const USER_ID_MAX = 128;
export const userPathParams = z.object({ id: z.string().min(1).max(USER_ID_MAX).describe('User id') });
export const incidentPathParams = z.object({ id: z.string().min(1).max(128).describe('Incident id (a ULID)') });
export const schedulePathParams = z.object({ id: z.string().max(64).regex(SCHEDULE_ID_PATTERN).describe('Schedule id') });
export const technicianPathParams = z.object({ userId: z.string().min(1).max(128).describe("The technician's user id") });

// Errors.

export const errorResponse = component(
  'Error',
  z.object({
    error: z.object({
      code: z.string().describe('Machine-readable: bad_request, invalid_request, unauthorized, forbidden, not_found, conflict...'),
      message: z.string(),
      details: z.unknown().optional().describe('The failing fields of invalid input ({path, message} items), or other context'),
    }),
  }),
  'Every error answer has this shape.',
);

// System and sign-in.

export const healthResponse = z.object({
  status: z.literal('ok'),
  stage: z.string(),
  time: instant,
  checks: z.object({ table: z.object({ ok: z.boolean(), latencyMs: count }) }),
});

export const userResponse = component(
  'User',
  z.object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    /** Empty for MSP admins, who see every tenant. */
    tenantIds: z.array(z.string()),
    skills: z.array(z.string()),
  }),
  'A user as the caller may see them (never the password hash); company users see only their own tenants in tenantIds.',
);

export const tokenPairResponse = component(
  'TokenPair',
  z.object({
    accessToken: z.string().describe('A JWT valid for 15 minutes: send it as `Authorization: Bearer <token>`'),
    refreshToken: z.string().describe('Exchange it once at POST /v1/auth/refresh'),
    user: userResponse,
  }),
);

export const logoutAllResponse = z.object({ revoked: count.describe('Sessions ended') });

/** The OpenAPI document itself (checked only for its outline). */
export const openApiResponse = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

// Incidents and alerts.

const priority = z.object({
  score: z.number().min(0).max(100),
  parts: z.object({
    severity: z.number(),
    criticalAsset: z.number(),
    repeat: z.number(),
    multiTool: z.number(),
    blastRadius: z.number(),
    ageDecay: z.number(),
  }),
});

const approverRole = z.enum(['company_admin', 'msp_admin']);
const paramValues = z.record(z.string(), z.union([z.string(), z.number()]));

const incidentDecision = z
  .object({
    action: z.enum(['auto_execute', 'approval_required', 'route_to_technician']),
    runbookId: z.string().optional(),
    risk: z.enum(RISKS).optional(),
    params: paramValues.optional(),
    reasons: z.array(z.string()),
    confidence: z.number().min(0).max(1),
    dryRun: z.boolean(),
    adviceUsed: z.boolean(),
    advice: z
      .union([
        z.object({ summary: z.string(), likelyRootCause: z.string(), suggestedRunbookId: z.string().nullable(), confidence: z.number() }),
        z.object({ unavailable: z.string().describe('Why no AI advice was given') }),
      ])
      .optional(),
    policyApplied: z.record(z.string(), z.unknown()).describe('The policy values the decision applied'),
    approval: z.object({ requiredRole: approverRole, expiresAt: instant }).optional(),
    decidedAt: instant,
    executionId: z.string().optional().describe('The execution this decision starts (chosen with the decision)'),
    rootAssetId: z.string().nullable().optional().describe('The root asset the decision was taken for (a moved root is decided again)'),
    revision: count.optional().describe('1 for the first decision, more when it was taken again'),
  })
  .describe('The remediation decision: run a runbook, ask for an approval, or route to a technician, and why');

const incidentRemediation = z
  .object({
    executionId: z.string(),
    runbookId: z.string(),
    state: z.enum(EXECUTION_STATES),
    outcome: z.string().optional(),
    output: z.string().optional(),
    startedAt: instant.optional(),
    finishedAt: instant.optional(),
    durationMs: count.optional(),
  })
  .describe("The latest runbook execution's summary");

const pendingTimer = z.object({ name: z.string(), at: instant, dueAt: instant, deadline: instant });
const perClock = <T extends z.ZodType>(value: T) => z.object({ response: value.optional(), resolution: value.optional() });

const incidentSla = z
  .object({
    version: count,
    responseMinutes: count,
    resolutionMinutes: count,
    coverage: z
      .enum(SLA_COVERAGES)
      .optional()
      .describe("`business-hours`: the minutes count only the service calendar's business hours (absent: 24x7)"),
    responseDueAt: instant.nullable().describe('Null while the clock is paused past the deadline'),
    resolutionDueAt: instant.nullable(),
    clock: slaClockSchema.describe('Pauses while the incident waits on the client'),
    handled: z.array(z.enum(SLA_TIMER_KINDS)),
    timers: z.object(Object.fromEntries(SLA_TIMER_KINDS.map((kind) => [kind, pendingTimer.optional()]))),
    warnedAt: perClock(instant),
    breachedAt: perClock(instant),
    startedAt: instant,
    updatedAt: instant,
  })
  .describe('Response and resolution deadlines, warnings and breaches');

export const incidentResponse = component(
  'Incident',
  z.object({
    id: z.string(),
    tenantId: z.string(),
    status: z.enum(INCIDENT_STATUSES),
    title: z.string(),
    severity: z.enum(SEVERITIES),
    priority: priority.optional(),
    rootAssetId: z.string().nullable(),
    assetRef: z.string(),
    assetId: z.string().nullable(),
    signatures: z.array(z.string()),
    sources: z.array(z.string()),
    correlationId: z
      .string()
      .optional()
      .describe('The id of the webhook request that opened the incident: search the logs and traces of every step by it'),
    alertCount: count.describe('Distinct alerts (fingerprints): each is one row of the detail'),
    occurrences: count.optional().describe('Firing notifications of those alerts, repeats included, resolutions not'),
    reopenCount: count,
    openedAt: instant,
    lastEventAt: instant,
    resolvesAt: instant.optional(),
    resolvedAt: instant.optional(),
    mergedInto: z.string().optional(),
    absorbed: z.array(z.string()).optional().describe('Incidents merged into this one: their alerts are listed with its own'),
    scope: z.string().optional(),
    acknowledgedAt: instant.optional().describe('The first acknowledgement'),
    acknowledgedBy: z.string().optional(),
    respondedAt: instant
      .optional()
      .describe(
        'The first action a person took on it (acknowledge, assign, note, resolve, reopen, an approval decision): the response SLA KPI',
      ),
    respondedBy: z.string().optional(),
    assignee: z.object({ userId: z.string(), name: z.string() }).nullable().optional(),
    /** Null once a resolved incident is reopened. */
    resolutionCode: z.string().nullable().optional(),
    resolvedBy: z.string().nullable().optional(),
    decision: incidentDecision.optional(),
    remediation: incidentRemediation.optional(),
    sla: incidentSla.optional(),
    escalation: escalationStateSchema.optional().describe('Where the escalation chain stands'),
    repair: z
      .object({ attempts: count, requestedAt: instant })
      .optional()
      .describe('Set when the repair sweep had to ask for SLA clocks, a decision or an execution its events should have given it'),
    maintenance: maintenanceHoldSchema
      .optional()
      .describe(
        'The maintenance window or silence holding it (in force while `liftedAt` is absent): no paging, and clocks and runbooks as its effects say',
      ),
    createdAt: instant,
    updatedAt: instant,
  }),
);

export const incidentListResponse = z.object({
  incidents: z.array(incidentResponse),
  nextCursor: z.string().optional().describe('Pass as `cursor` for the next page; absent on the last page'),
});

export const incidentDetailResponse = component(
  'IncidentDetail',
  z.object({
    incident: incidentResponse,
    alerts: z
      .array(
        z.object({
          key: z.string().describe('The fingerprint its notifications share'),
          signature: z.string(),
          category: z.string(),
          severity: z.enum(SEVERITIES).describe('The worst it fired with'),
          state: z
            .enum(['firing', 'resolved', 'ended'])
            .describe(
              'resolved: its tool said so; ended: the incident was resolved while it still fired. Another tool saying it cleared does not change it',
            ),
          assetRef: z.string(),
          assetId: z.string().nullable(),
          sources: z.array(z.string()).describe('Tools that reported it, including those that only said it cleared'),
          firstSeenAt: instant,
          lastSeenAt: instant,
          occurrences: count.describe('Firing notifications, repeats included'),
          reason: z.string().describe('Why the alert joined the incident'),
          message: z.string().describe('Its latest firing message'),
          events: z.array(
            z.object({
              alertId: z.string(),
              at: instant,
              kind: z.enum(['fired', 'repeated', 'resolved', 'reported-cleared']),
              source: z.string(),
              reason: z.string(),
            }),
          ),
        }),
      )
      .describe('One row per alert (per fingerprint), in the order they first appeared'),
    timeline: z
      .array(
        z.object({
          id: z.string(),
          at: instant,
          type: z.enum(TIMELINE_TYPES),
          alertId: z.string().optional(),
          alert: z
            .object({ signature: z.string(), assetRef: z.string(), source: z.string() })
            .optional()
            .describe('The alert the entry is about'),
          actor: z.string().optional(),
          incidentId: z.string().optional(),
          reason: z.string(),
          visibility: z
            .enum(NOTE_VISIBILITIES)
            .optional()
            .describe("A note's readers: absent or `internal`, the MSP's people only; `client`, the client's viewers too"),
        }),
      )
      .describe('Time order; entries of one instant in the order they happened'),
  }),
  'One incident with its alerts (one row each, why each joined) and its activity.',
);

export const alertResponse = component(
  'Alert',
  canonicalAlertSchema.extend({ incidentId: z.string().optional(), correlation: z.string().optional() }),
  'A canonical alert, with the incident correlation linked it to and why.',
);

export const alertListResponse = z.object({ alerts: z.array(alertResponse), nextCursor: z.string().nullable() });

export const unresolvedAssetsResponse = z.object({
  unresolved: z.array(
    z.object({ assetRef: z.string(), alertCount: count, firstSeenAt: instant, lastSeenAt: instant, lastSource: z.string() }),
  ),
});

// Integrations.

const apiKeyView = component(
  'ApiKey',
  z.object({
    keyId: z.string(),
    prefix: z.string().describe('The first characters of the key, to tell keys apart'),
    createdAt: instant,
    createdBy: z
      .object({ userId: z.string(), email: z.string() })
      .nullable()
      .describe('The user who created (or rotated into) this key; null for keys made outside the API'),
    expiresAt: instant.nullable(),
    revokedAt: instant.nullable(),
    status: z.enum(['active', 'expiring', 'expired', 'revoked']),
  }),
  'A webhook API key, never its secret.',
);

export const hmacResponse = component(
  'HmacSettings',
  z.object({ configured: z.boolean(), required: z.boolean(), previousSecretExpiresAt: instant.nullable() }),
  'Whether webhook deliveries are signed (never the secrets).',
);

export const rateLimitResponse = component('RateLimit', z.object({ perMinute: z.number().int(), burst: z.number().int() }));

export const integrationsResponse = z.object({
  tenantId: z.string(),
  apiBaseUrl: z.string(),
  apiKeys: z.array(apiKeyView),
  hmac: hmacResponse,
  rateLimit: rateLimitResponse,
  snsTopicArns: z.array(z.string()),
  awsAccountIds: z.array(z.string()),
  signing: z.object({ headers: z.array(z.string()), signature: z.string() }),
  setup: z.array(
    z.object({
      source: z.string(),
      tool: z.string(),
      webhookUrl: z.string().nullable(),
      headers: z.record(z.string(), z.string()).optional(),
      alternativeUrl: z.string().optional(),
      config: z.string().optional(),
      payloadTemplate: z.string().optional(),
      parameters: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
      script: z.string().optional(),
      registeredTopicArns: z.array(z.string()).optional(),
      registeredAwsAccountIds: z.array(z.string()).optional(),
      steps: z.array(z.string()),
    }),
  ),
  cacheNote: z.string(),
});

const createdKey = {
  apiKey: z.string().describe('The key itself: shown this once, never again'),
  keyId: z.string(),
  prefix: z.string(),
  createdAt: instant,
};
export const apiKeyCreatedResponse = z.object(createdKey);
export const apiKeyRotatedResponse = z.object({
  ...createdKey,
  previous: z.object({ keyId: z.string(), expiresAt: instant.nullable().describe('The old key works until then') }),
});
export const hmacRotatedResponse = hmacResponse.extend({ secret: z.string().describe('The new signing secret: shown this once') });
export const snsTopicResponse = z.object({ topicArn: z.string() });
export const awsAccountResponse = z.object({ accountId: z.string() });

// Users, audit, tenants, assets.

export const userListResponse = z.object({ users: z.array(userResponse) });

export const auditEntryResponse = component(
  'AuditEntry',
  z.object({
    id: z.string(),
    at: instant,
    tenantId: z.string().optional().describe('Absent for MSP-level changes (tenants, users)'),
    actor: z.discriminatedUnion('type', [
      z.object({ type: z.literal('user'), id: z.string(), email: z.string(), role: z.string() }),
      z.object({ type: z.literal('system'), name: z.string() }),
    ]),
    action: z.string().describe('resource.verb: asset.create, incident.acknowledge, apikey.rotate...'),
    resource: z.object({ type: z.string(), id: z.string() }),
    summary: z.object({ before: z.unknown().optional(), after: z.unknown().optional() }).optional(),
    requestId: z.string().optional(),
    sourceIp: z.string().optional(),
    userAgent: z.string().optional(),
  }),
);

export const auditListResponse = z.object({
  tenantId: z.string().nullable().describe("The tenant whose log this is, or null for the MSP's own log"),
  entries: z.array(auditEntryResponse),
  nextCursor: z.string().nullable(),
});

export const tenantResponse = component(
  'Tenant',
  z.object({
    id: z.string(),
    name: z.string(),
    createdAt: instant,
    updatedAt: instant,
    settings: z.object({ criticalAutoRemediation: z.boolean() }),
  }),
  'A client company of the MSP.',
);

export const tenantListResponse = z.object({ tenants: z.array(tenantResponse) });

export const assetResponse = component(
  'Asset',
  assetSchema.extend({
    status: z
      .enum(['ok', 'incident'])
      .optional()
      .describe(
        "A client viewer's view only (id, name, type, critical; aliases, dependencies and tags empty): `incident` while an open incident is rooted on it",
      ),
    openIncidents: count.optional().describe("A client viewer's view only: open or acknowledged incidents rooted on it"),
  }),
  "An asset of a tenant's inventory. A client viewer sees its id, name, type, critical flag and status only.",
);

export const assetListResponse = z.object({ tenantId: z.string(), assets: z.array(assetResponse) });

// Runbooks.

export const runbookResponse = component(
  'Runbook',
  runbookSchema.extend({ source: z.enum(['library', 'tenant']).describe('The built-in library, or written by the tenant') }),
  'A runbook: match rules, parameters, risk, pre-checks, commands, verification, rollback.',
);

export const runbookListResponse = z.object({ tenantId: z.string(), runbooks: z.array(runbookResponse) });

// Correlation policy.

const policyResponse = component(
  'CorrelationPolicy',
  correlationPolicySchema.extend({}),
  'A correlation policy with every field filled in.',
);

export const policyViewResponse = z.object({
  tenantId: z.string(),
  policy: policyResponse,
  defaults: policyResponse,
  updatedAt: instant.optional(),
  updatedBy: z.string().optional(),
});

const simulationOutcome = z.object({
  incidents: count,
  noiseReduction: z.number().min(0).max(1),
  opened: count,
  merged: count,
  reopened: count,
  unmatchedResolutions: count,
  openAtEnd: count,
});

export const simulationResponse = z.object({
  tenantId: z.string(),
  period: z.object({ from: instant, to: instant }),
  alerts: count,
  current: simulationOutcome,
  candidate: simulationOutcome,
  changes: z.object({ before: z.record(z.string(), z.unknown()), after: z.record(z.string(), z.unknown()) }),
});

// Remediation: approvals, executions, the remediation policy and access.

export const approvalResponse = component(
  'Approval',
  z.object({
    id: z.string().describe("The request's id, which is also its execution's"),
    tenantId: z.string(),
    incidentId: z.string(),
    runbookId: z.string(),
    runbookName: z.string(),
    risk: z.enum(RISKS),
    requiredRole: approverRole.describe('Who may decide: a company admin of the tenant (or an MSP admin), or an MSP admin only'),
    requestedBy: z.string().describe("'system' for a remediation decision, else the user id of who asked"),
    reasons: z.array(z.string()),
    state: z.enum(APPROVAL_STATES),
    createdAt: instant,
    expiresAt: instant,
    decidedBy: z.string().optional().describe("The user id of who decided, or 'system' for an expiry"),
    decidedAt: instant.optional(),
    comment: z.string().optional(),
  }),
  'A request to approve a runbook execution.',
);

const approvalView = approvalResponse.extend({
  canDecide: z.boolean().describe('Whether the caller may approve or reject it now'),
  refusal: z
    .enum(['not_pending', 'expired', 'own_request', 'role'])
    .optional()
    .describe('Why the caller may not decide it (absent when canDecide)'),
});

export const approvalViewResponse = component('ApprovalView', approvalView, 'An approval request, with whether the caller may decide it.');

export const approvalListResponse = z.object({ approvals: z.array(approvalViewResponse) });

export const executionResponse = component(
  'Execution',
  z.object({
    id: z.string(),
    tenantId: z.string(),
    incidentId: z.string(),
    runbookId: z.string(),
    runbookName: z.string(),
    risk: z.enum(RISKS),
    platform: z.enum(PLATFORMS),
    params: paramValues.describe('The values the runbook runs with, defaults applied'),
    targets: z.array(z.object({ assetId: z.string(), instanceId: z.string(), accountId: z.string(), region: z.string() })),
    dryRun: z.boolean().describe('Pre-checks only: nothing changes'),
    requestedBy: z.string().describe("'system' for a remediation decision, else the user id of who asked"),
    trigger: z.enum(['auto', 'approval', 'manual']),
    state: z.enum(EXECUTION_STATES),
    createdAt: instant,
    startedAt: instant.optional(),
    finishedAt: instant.optional(),
    durationMs: count.optional(),
    outcome: z.string().optional().describe("The state machine's outcome: succeeded, commands-failed, approval-rejected..."),
    failedSection: z.string().optional(),
    output: z.string().optional().describe("The last section's output (truncated)"),
    error: z.string().optional(),
    stateMachineExecution: z.string().optional().describe('The state machine execution (ARN)'),
    correlationId: z
      .string()
      .optional()
      .describe("The request that led to it: the alert's (its webhook's X-Correlation-Id or request id), or the operator's API call"),
  }),
  'A runbook execution: what runs where, and how it went.',
);

export const executionListResponse = z.object({
  tenantId: z.string(),
  executions: z.array(executionResponse),
  nextCursor: z.string().optional().describe('Pass as `cursor` for the next page; absent on the last page'),
});

const remediationPolicyResponse = component(
  'RemediationPolicy',
  remediationPolicySchema.extend({}),
  'A remediation policy with every field filled in.',
);

export const remediationPolicyViewResponse = z.object({
  tenantId: z.string(),
  policy: remediationPolicyResponse,
  defaults: remediationPolicyResponse,
  version: count.describe('Send it back with a change: a change based on an older version is refused (409). 0: never changed'),
  updatedAt: instant.optional(),
  updatedBy: z.string().optional(),
});

export const remediationAccessResponse = z.object({
  tenantId: z.string(),
  externalId: z.string().describe("The external id the client's remediation role requires (created on first read, never changed)"),
  roleNamePrefix: z.string().describe("The client's role name starts with this"),
  mspAccountHint: z.string().describe('Which AWS account the client trusts'),
  deploy: z.string().describe("The command the client runs in its account (docs/onboarding.md), this tenant's values filled in"),
});

// On-call schedules and technicians.

const versionField = (what: string) =>
  count.describe(`Send it back with a change: a change based on an older version is refused (409). ${what}`);

export const scheduleResponse = component(
  'OncallSchedule',
  scheduleSchema.extend({
    tenantId: z.string(),
    version: versionField('1 when created'),
    createdAt: instant,
    updatedAt: instant,
    updatedBy: z.string().describe('The email of who changed it last'),
  }),
  'An on-call schedule: rotation layers in priority order (each handing off at a local time in its own time zone), and overrides on top.',
);

export const scheduleListResponse = z.object({ tenantId: z.string(), schedules: z.array(scheduleResponse) });

export const onCallNowResponse = z.object({
  tenantId: z.string(),
  at: instant.describe('The instant asked about (default now)'),
  onCall: z.array(
    z.object({
      userId: z.string(),
      name: z.string().nullable().describe('Null when the user no longer exists'),
      email: z.string().nullable(),
      schedule: z.object({ id: z.string(), name: z.string() }),
      source: z.enum(['override', 'layer']),
      layer: z.string().describe("The layer's name, or 'override'"),
      since: instant.describe('The start of the current shift (or override)'),
      until: instant.describe('The next hand-off (or the end of the override)'),
      reason: z.string(),
    }),
  ),
});

const profileFields = {
  maxOpenIncidents: z.number().int().min(1).max(1000).describe('Open incidents (open or acknowledged, assigned to them) at most'),
  active: z.boolean().describe('Off (holiday, left): never picked by the routing'),
};

export const technicianResponse = component(
  'Technician',
  z.object({
    userId: z.string(),
    name: z.string(),
    email: z.string(),
    skills: z.array(z.string()),
    tenantIds: z.array(z.string()).describe('The companies they work for, among those the caller may see'),
    ...profileFields,
    openIncidents: count.describe('Open or acknowledged incidents of this tenant assigned to them'),
    onCall: z.boolean().describe('On call now in one of the tenant schedules'),
    onCallSchedules: z.array(z.string()).describe('The ids of the schedules they are on call in now'),
  }),
  'A technician as the routing sees them: skills (on the user), workload cap and active (the profile), load, on call.',
);

export const technicianListResponse = z.object({ tenantId: z.string(), at: instant, technicians: z.array(technicianResponse) });

export const technicianProfileResponse = z.object({
  userId: z.string(),
  name: z.string(),
  email: z.string(),
  skills: z.array(z.string()),
  tenantIds: z.array(z.string()),
  ...profileFields,
  updatedAt: instant.optional().describe('Absent while the defaults apply (5 open incidents, active)'),
  updatedBy: z.string().optional(),
});

// SLA policy and escalation chain.

const slaPolicyResponse = component('SlaPolicy', slaPolicySchema.extend({}), 'An SLA policy with every field filled in.');

export const slaPolicyViewResponse = z.object({
  tenantId: z.string(),
  policy: slaPolicyResponse,
  defaults: slaPolicyResponse,
  version: versionField('0: never changed'),
  updatedAt: instant.optional(),
  updatedBy: z.string().optional(),
});

const escalationPolicyResponse = component(
  'EscalationPolicy',
  escalationPolicySchema.extend({}),
  'An escalation chain: levels notified in turn, each waiting `delayMinutes` for an acknowledgement.',
);

export const escalationPolicyViewResponse = z.object({
  tenantId: z.string(),
  policy: escalationPolicyResponse,
  defaults: escalationPolicyResponse,
  version: versionField('0: never changed'),
  updatedAt: instant.optional(),
  updatedBy: z.string().optional(),
});

// Notifications.

const maskedUrl = z.string().describe('Masked: the origin and the last 4 characters only');

export const channelSettingsResponse = component(
  'NotificationChannels',
  z.object({
    tenantId: z.string(),
    slack: z.object({ webhookUrl: maskedUrl }).optional(),
    teams: z.object({ webhookUrl: maskedUrl }).optional(),
    webhook: z.object({ url: maskedUrl, secretSet: z.literal(true).describe('The signing secret is set (never shown)') }).optional(),
    emailSender: z.string().optional(),
    updatedAt: instant.optional(),
    updatedBy: z.string().optional(),
  }),
  "A tenant's notification channels as the API shows them: webhook URLs masked, the signing secret never.",
);

export const notificationDeliveryResponse = component(
  'NotificationDelivery',
  z.object({
    id: z.string().describe('A ULID'),
    tenantId: z.string(),
    notificationId: z.string().describe("The notification (one send) it belongs to: the webhook's X-Delivery-Id"),
    incidentId: z.string(),
    kind: z.enum(NOTIFICATION_KINDS),
    recipient: z.string().describe("A user id, or 'tenant' for the generic webhook"),
    channel: z.enum(NOTIFICATION_CHANNELS),
    status: z.enum(DELIVERY_STATUSES),
    attempts: count,
    reason: z.string().optional().describe('Why it was skipped or not retried'),
    deferUntil: instant.optional().describe('Quiet hours: when the held-back channel may be used again'),
    lastError: z.string().optional(),
    lastStatus: z.number().int().optional(),
    providerId: z.string().optional(),
    to: z.string().optional().describe('The email address (email), the masked phone number (SMS and voice)'),
    createdAt: instant,
    firstAttemptAt: instant.optional(),
    lastAttemptAt: instant.optional(),
    completedAt: instant,
    correlationId: z.string().optional().describe("The request that led to the notification (the alert's), when known"),
    receipt: z
      .object({ event: z.string(), final: z.boolean(), at: instant, description: z.string().optional() })
      .optional()
      .describe(
        "SMS and voice: the carrier's latest delivery status (TEXT_DELIVERED, TEXT_UNREACHABLE, VOICE_COMPLETED, VOICE_NO_ANSWER...)",
      ),
  }),
  'One recipient × channel of a notification, and how its delivery went.',
);

export const notificationListResponse = z.object({
  tenantId: z.string(),
  deliveries: z.array(notificationDeliveryResponse),
  nextCursor: z.string().optional().describe('Pass as `cursor` for the next page; absent on the last page'),
});

export const notificationPreferencesResponse = notificationPreferencesSchema.extend({
  defaults: z
    .record(z.enum(NOTIFICATION_KINDS), z.array(z.enum(USER_CHANNELS)))
    .describe('The channels of each kind the preferences leave out'),
  pagingDefaults: z
    .partialRecord(z.enum(SEVERITIES), z.array(z.enum(PHONE_CHANNELS)))
    .describe('The phone channels of each severity `paging` leaves out (a severity absent here rings no phone)'),
  updatedAt: instant.optional().describe('Absent while the defaults apply'),
});

// KPIs.

const percentage = z.number().min(0).max(100);
const minutes = z.number().min(0);
const slaCompliance = z.object({
  met: count,
  missed: count,
  pct: percentage.nullable().describe('met / (met + missed); deadlines still ahead are not counted yet'),
});

export const kpiRow = component(
  'KpiRow',
  z.object({
    alerts: count.describe('Alert notifications that occurred (event time): firing and resolutions, repeats included'),
    firingEpisodes: count.describe('Firing alert episodes: firing notifications that started an episode of their alert (not repeats)'),
    unmatchedResolutions: count.describe(
      'Resolution notifications correlation decided that joined no incident (no firing alert or condition for them to end); among `alerts`',
    ),
    incidents: count.describe('Incidents opened (merged ones left out)'),
    noiseReductionPct: percentage.nullable().describe('1 - incidents / firingEpisodes, as a percentage; null without episodes'),
    acknowledged: count,
    mttaMinutes: minutes.nullable().describe('Mean time from opening to the first acknowledgement'),
    resolved: count,
    mttrMinutes: minutes.nullable().describe('Mean time from opening to resolution'),
    selfHealed: count.describe('Resolved by a successful runbook execution'),
    clearedOnItsOwn: count.describe('Resolved when all its alerts cleared, with no runbook fix and no person'),
    resolvedByPerson: count.describe('Resolved by a person; selfHealed + clearedOnItsOwn + resolvedByPerson = resolved'),
    selfHealedPct: percentage.nullable().describe('selfHealed / resolved, as a percentage'),
    slaResponse: slaCompliance
      .extend({
        resolvedBeforeDue: count.describe(
          'Resolved (by a runbook or on its own) before the response was due with no person acting by then: neither met nor missed',
        ),
      })
      .describe('Met only by a person acting (acknowledge, assign, note, resolve, an approval decision) by the response deadline'),
    slaResolution: slaCompliance.describe('Met when resolved, by anyone, by the resolution deadline'),
    inMaintenance: count.describe('Incidents held by a maintenance window or a silence: among `incidents`, left out of both SLA figures'),
  }),
  "KPIs of a period or a day (docs/kpis.md): an incident's acknowledgement, resolution and SLA outcome count with its opening day.",
);

export const kpiReportResponse = z.object({
  tenantId: z.string(),
  period: z.object({ from: instant, to: instant }),
  timeZone: z.string(),
  totals: kpiRow,
  days: z.array(kpiRow.extend({ date: z.iso.date().describe('The local day (YYYY-MM-DD) of the time zone') })),
});

// Webhooks (served by the ingestion function, not the API function).

export const webhookResponse = z.union([
  z.object({
    accepted: z.array(z.object({ alertId: z.string(), deliveryId: z.string(), duplicate: z.boolean() })),
  }),
  z.object({
    sns: z.object({
      kind: z.enum(['subscription-confirmed', 'subscription-refused', 'unsubscribe-noted']),
      topicArn: z.string(),
      reason: z.enum(['topic-not-registered', 'subscribe-url-not-allowed']).optional(),
    }),
  }),
]);
