/**
 * Key grammar and access patterns of the single table: every key builder lives here.
 *
 * Every partition key starts with its owner: `T#<tenantId>` for a client company's items, `MSP#` for
 * the MSP's own (users, sessions, API-key lookups, the tenant directory). Builders for tenant items
 * take the tenant as their first argument, so no code path can build a key without choosing one.
 * docs/data-model.md lists the same access patterns as a table.
 *
 * | entity            | pk                              | sk                 | gsi1pk / gsi1sk                         | gsi2pk / gsi2sk                        | ttl  |
 * |-------------------|---------------------------------|--------------------|-----------------------------------------|----------------------------------------|------|
 * | tenant            | T#t                             | TENANT             | MSP#TENANTS / name#t                    |                                        |      |
 * | asset             | T#t                             | ASSET#assetId      |                                         |                                        |      |
 * | api key (meta)    | T#t                             | APIKEY#keyId       |                                         |                                        |      |
 * | api key (lookup)  | MSP#APIKEY#sha256               | APIKEY             |                                         |                                        |      |
 * | hmac secret       | T#t                             | INTEGRATION#hmac   |                                         |                                        |      |
 * | rate limit        | T#t                             | INTEGRATION#ratelimit |                                      |                                        |      |
 * | user              | MSP#USER#userId                 | USER               | MSP#USERS / email                       |                                        |      |
 * | user email        | MSP#EMAIL#email                 | EMAIL              |                                         |                                        |      |
 * | user phone        | MSP#USER#userId                 | PHONE              |                                         |                                        |      |
 * | phone owner       | MSP#PHONE#e164                  | PHONE              |                                         |                                        |      |
 * | action link       | MSP#LINK#linkId                 | LINK               |                                         |                                        | yes  |
 * | SMS link of a user| MSP#USER#userId#SMSLINKS        | createdAt#linkId   |                                         |                                        | yes  |
 * | phone usage       | T#t                             | PHONEUSAGE#yyyy-mm |                                         |                                        |      |
 * | callback request  | T#t#CALLBACK#incidentId         | userId             |                                         |                                        | 1 d  |
 * | slack install     | T#t                             | SLACKAPP#install   |                                         |                                        |      |
 * | slack channel     | MSP#SLACKAPP#team#channel       | SLACKAPP           |                                         |                                        |      |
 * | slack message     | T#t#SLACKMSG#incidentId         | channel#ts         |                                         |                                        | 90 d |
 * | session (refresh) | MSP#SESSION#familyId            | SESSION            | MSP#USER#userId#SESSIONS / createdAt    |                                        | yes  |
 * | login failures    | MSP#LOGINFAIL#email             | LOGINFAIL          |                                         |                                        | 24 h |
 * | delivery (1/alert)| T#t#DELIVERY#deliveryId         | DELIVERY           |                                         |                                        | 24 h |
 * | alert             | T#t#ALERTS                      | alertId (ULID)     |                                         |                                        | 90 d |
 * | unresolved ref    | T#t                             | UNRESOLVED#digest  |                                         |                                        |      |
 * | rate bucket       | T#t#RATE                        | name (INGEST)      |                                         |                                        |      |
 * | sns topic         | T#t                             | INTEGRATION#sns#arn|                                         |                                        |      |
 * | aws account       | T#t                             | INTEGRATION#aws#id |                                         |                                        |      |
 * | aws account (lkp) | MSP#AWSACCOUNT#accountId        | AWSACCOUNT         |                                         |                                        |      |
 * | incident          | T#t#INC#incidentId              | INC                | T#t#INCIDENTS / incidentId (ULID)       | T#t#INCIDENTS#status / incidentId      |      |
 * | incident alert    | T#t#INC#incidentId              | ALERT#alertId      |                                         |                                        |      |
 * | timeline entry    | T#t#INC#incidentId              | TL#entryId (ULID)  |                                         |                                        |      |
 * | audit entry       | T#t#AUDIT  or  MSP#AUDIT        | at#entryId         |                                         |                                        |      |
 * | correlation scope | T#t#CORR#scope                  | STATE              |                                         |                                        |      |
 * | tenant runbook    | T#t                             | RUNBOOK#runbookId  |                                         |                                        |      |
 * | correlation policy| T#t                             | CORRELATION#policy |                                         |                                        |      |
 * | settle marker     | MSP#SETTLE                      | resolvesAt#t#scope |                                         |                                        | 7 d  |
 * | execution         | T#t#EXEC                        | executionId (ULID) |                                         |                                        |      |
 * | approval request  | T#t#APPROVAL                    | executionId (ULID) |                                         |                                        |      |
 * | pending approval  | MSP#APPROVALS                   | expiresAt#t#id     |                                         |                                        |      |
 * | remediation policy| T#t                             | REMEDIATION#policy |                                         |                                        |      |
 * | remediation access| T#t                             | REMEDIATION#access |                                         |                                        |      |
 * | sla policy        | T#t                             | SLA#policy         |                                         |                                        |      |
 * | escalation policy | T#t                             | ESCALATION#policy  |                                         |                                        |      |
 * | report delivery   | T#t                             | REPORT#delivery    |                                         |                                        |      |
 * | report period sent| T#t                             | REPORT#sent#period |                                         |                                        |      |
 * | report send       | T#t#REPORTSEND                  | sendId (ULID)      |                                         |                                        | 400d |
 * | notify delivery   | T#t#NOTIFY                      | deliveryId (ULID)  |                                         |                                        | 90 d |
 * | notify channels   | T#t                             | NOTIFY#channels    |                                         |                                        |      |
 * | oncall schedule   | T#t                             | ONCALL#scheduleId  |                                         |                                        |      |
 * | technician profile| MSP#USER#userId                 | PROFILE            |                                         |                                        |      |
 * | notify preferences| MSP#USER#userId                 | NOTIFYPREFS        |                                         |                                        |      |
 * | ws connection     | MSP#WSCONN#connectionId         | CONN               |                                         |                                        | yes  |
 * | ws subscription   | T#t#WSCONN  or  MSP#WSCONN#ALL  | connectionId       |                                         |                                        | yes  |
 * | ws incident sub.  | T#t#WSINC#incidentId            | connectionId       |                                         |                                        | yes  |
 * | outbox (events)   | T#t#OUTBOX#outboxId (ULID)      | OUTBOX             |                                         |                                        | 3 d  |
 * | event receipt     | T#t#EVENT#eventId               | CONSUMER#name      |                                         |                                        | 3 d  |
 * | branding          | MSP#BRANDING                    | BRANDING           |                                         |                                        |      |
 */
import { createHash } from 'node:crypto';
import { TENANT_ID_PATTERN } from '../domain/tenant';

function tenantPrefix(tenantId: string): string {
  if (!TENANT_ID_PATTERN.test(tenantId)) throw new Error(`Invalid tenant id: ${JSON.stringify(tenantId)}`);
  return `T#${tenantId}`;
}

/** A stable short digest for putting free-form text (dedup keys, API keys) into a key. */
export function keyDigest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

export const SLACK_ID = /^[A-Z0-9_]{1,40}$/i;

export const keys = {
  tenant: (t: string) => ({ pk: tenantPrefix(t), sk: 'TENANT' }),
  tenantDirectory: () => ({ gsi1pk: 'MSP#TENANTS' }),
  tenantDirectoryEntry: (t: string, name: string) => ({ gsi1pk: 'MSP#TENANTS', gsi1sk: `${name.toLowerCase()}#${t}` }),

  asset: (t: string, assetId: string) => ({ pk: tenantPrefix(t), sk: `ASSET#${assetId}` }),
  assetsOf: (t: string) => ({ pk: tenantPrefix(t), skPrefix: 'ASSET#' }),

  apiKeyMeta: (t: string, keyId: string) => ({ pk: tenantPrefix(t), sk: `APIKEY#${keyId}` }),
  apiKeysOf: (t: string) => ({ pk: tenantPrefix(t), skPrefix: 'APIKEY#' }),
  apiKeyLookup: (keyHash: string) => ({ pk: `MSP#APIKEY#${keyHash}`, sk: 'APIKEY' }),
  hmacSecret: (t: string) => ({ pk: tenantPrefix(t), sk: 'INTEGRATION#hmac' }),
  rateLimitSettings: (t: string) => ({ pk: tenantPrefix(t), sk: 'INTEGRATION#ratelimit' }),

  user: (userId: string) => ({ pk: `MSP#USER#${userId}`, sk: 'USER' }),
  userDirectory: () => ({ gsi1pk: 'MSP#USERS' }),
  userDirectoryEntry: (email: string) => ({ gsi1pk: 'MSP#USERS', gsi1sk: email }),
  userEmail: (email: string) => ({ pk: `MSP#EMAIL#${email.toLowerCase()}`, sk: 'EMAIL' }),
  /** A tenant's SMS and voice messages sent in a calendar month (`2026-12`), against its monthly cap. */
  phoneUsage: (tenantId: string, month: string) => ({ pk: tenantPrefix(tenantId), sk: `PHONEUSAGE#${month}` }),
  /** A client's last callback request on an incident (one a quarter of an hour per person and incident). */
  callbackRequest: (tenantId: string, incidentId: string, userId: string) => ({
    pk: `${tenantPrefix(tenantId)}#CALLBACK#${incidentId}`,
    sk: userId,
  }),
  /** A one-tap action link, found by the id its token names (MSP-owned: the token names no company). */
  actionLink: (linkId: string) => ({ pk: `MSP#LINK#${linkId}`, sk: 'LINK' }),
  /** The SMS links sent to a user, newest last: an SMS reply acts on the newest. */
  smsLinksOf: (userId: string) => ({ pk: `MSP#USER#${userId}#SMSLINKS` }),
  smsLinkOf: (userId: string, createdAt: string, linkId: string) => ({ pk: `MSP#USER#${userId}#SMSLINKS`, sk: `${createdAt}#${linkId}` }),
  /** A company's Slack app installation (its bot token: a secret). */
  slackInstallation: (tenantId: string) => ({ pk: tenantPrefix(tenantId), sk: 'SLACKAPP#install' }),
  /** Which company a Slack workspace's channel belongs to (interactions name the team and channel, not the company). */
  slackChannel: (teamId: string, channelId: string) => {
    if (!SLACK_ID.test(teamId) || !SLACK_ID.test(channelId)) throw new Error('Invalid Slack team or channel id');
    return { pk: `MSP#SLACKAPP#${teamId}#${channelId}`, sk: 'SLACKAPP' };
  },
  /** The Slack messages posted about an incident (so they can be updated). */
  slackMessagesOf: (tenantId: string, incidentId: string) => ({ pk: `${tenantPrefix(tenantId)}#SLACKMSG#${incidentId}` }),
  slackMessage: (tenantId: string, incidentId: string, channel: string, ts: string) => ({
    pk: `${tenantPrefix(tenantId)}#SLACKMSG#${incidentId}`,
    sk: `${channel}#${ts}`,
  }),
  /** A user's phone number for SMS and voice: the verified one and a pending verification (in the user's partition). */
  userPhone: (userId: string) => ({ pk: `MSP#USER#${userId}`, sk: 'PHONE' }),
  /** Which user verified a number: makes verified numbers unique, and finds the sender of an SMS reply. */
  phoneOwner: (e164: string) => ({ pk: `MSP#PHONE#${e164}`, sk: 'PHONE' }),
  session: (familyId: string) => ({ pk: `MSP#SESSION#${familyId}`, sk: 'SESSION' }),
  loginFailures: (email: string) => ({ pk: `MSP#LOGINFAIL#${email.toLowerCase()}`, sk: 'LOGINFAIL' }),
  sessionsOfUser: (userId: string) => ({ gsi1pk: `MSP#USER#${userId}#SESSIONS` }),
  /** A session's entry in its user's list, by creation time. */
  sessionOfUserEntry: (userId: string, createdAt: string) => ({ gsi1pk: `MSP#USER#${userId}#SESSIONS`, gsi1sk: createdAt }),

  delivery: (t: string, deliveryId: string) => ({ pk: `${tenantPrefix(t)}#DELIVERY#${keyDigest(deliveryId)}`, sk: 'DELIVERY' }),

  alert: (t: string, alertId: string) => ({ pk: `${tenantPrefix(t)}#ALERTS`, sk: alertId }),
  alertsOf: (t: string) => ({ pk: `${tenantPrefix(t)}#ALERTS` }),
  unresolvedAssetRef: (t: string, refDigest: string) => ({ pk: tenantPrefix(t), sk: `UNRESOLVED#${refDigest}` }),
  unresolvedAssetRefsOf: (t: string) => ({ pk: tenantPrefix(t), skPrefix: 'UNRESOLVED#' }),
  rateBucket: (t: string, name: string) => ({ pk: `${tenantPrefix(t)}#RATE`, sk: name }),
  integrationSettingsOf: (t: string) => ({ pk: tenantPrefix(t), skPrefix: 'INTEGRATION#' }),
  snsTopic: (t: string, topicArn: string) => ({ pk: tenantPrefix(t), sk: `INTEGRATION#sns#${topicArn}` }),
  awsAccount: (t: string, accountId: string) => ({ pk: tenantPrefix(t), sk: `INTEGRATION#aws#${accountId}` }),
  awsAccountLookup: (accountId: string) => ({ pk: `MSP#AWSACCOUNT#${accountId}`, sk: 'AWSACCOUNT' }),

  incident: (t: string, incidentId: string) => ({ pk: `${tenantPrefix(t)}#INC#${incidentId}`, sk: 'INC' }),
  incidentPartition: (t: string, incidentId: string) => ({ pk: `${tenantPrefix(t)}#INC#${incidentId}` }),
  incidentAlert: (t: string, incidentId: string, alertId: string) => ({
    pk: `${tenantPrefix(t)}#INC#${incidentId}`,
    sk: `ALERT#${alertId}`,
  }),
  timelineEntry: (t: string, incidentId: string, entryId: string) => ({
    pk: `${tenantPrefix(t)}#INC#${incidentId}`,
    sk: `TL#${entryId}`,
  }),
  incidentsOf: (t: string) => ({ gsi1pk: `${tenantPrefix(t)}#INCIDENTS` }),
  incidentsByStatus: (t: string, status: string) => ({ gsi2pk: `${tenantPrefix(t)}#INCIDENTS#${status}` }),
  /** Both index entries of an incident: the tenant's incidents (gsi1) and those of its status (gsi2), newest first by id. */
  incidentIndexEntries: (t: string, incident: { id: string; status: string }) => ({
    gsi1pk: `${tenantPrefix(t)}#INCIDENTS`,
    gsi1sk: incident.id,
    gsi2pk: `${tenantPrefix(t)}#INCIDENTS#${incident.status}`,
    gsi2sk: incident.id,
  }),

  auditOf: (t: string) => ({ pk: `${tenantPrefix(t)}#AUDIT` }),
  mspAudit: () => ({ pk: 'MSP#AUDIT' }),
  correlationScope: (t: string, scope: string) => ({ pk: `${tenantPrefix(t)}#CORR#${scope}`, sk: 'STATE' }),
  runbook: (t: string, runbookId: string) => ({ pk: tenantPrefix(t), sk: `RUNBOOK#${runbookId}` }),
  runbooksOf: (t: string) => ({ pk: tenantPrefix(t), skPrefix: 'RUNBOOK#' }),
  correlationPolicy: (t: string) => ({ pk: tenantPrefix(t), sk: 'CORRELATION#policy' }),
  /** A scope with an incident whose grace period ends at `resolvesAt` (ISO): the settle sweep reads these in time order. */
  settleMarker: (resolvesAt: string, t: string, scope: string) => ({ pk: 'MSP#SETTLE', sk: `${resolvesAt}#${tenantPrefix(t)}#${scope}` }),
  settleMarkers: () => ({ pk: 'MSP#SETTLE' }),

  execution: (t: string, executionId: string) => ({ pk: `${tenantPrefix(t)}#EXEC`, sk: executionId }),
  executionsOf: (t: string) => ({ pk: `${tenantPrefix(t)}#EXEC` }),
  /** An approval request's id is its execution's. */
  approval: (t: string, executionId: string) => ({ pk: `${tenantPrefix(t)}#APPROVAL`, sk: executionId }),
  approvalsOf: (t: string) => ({ pk: `${tenantPrefix(t)}#APPROVAL` }),
  /** A request still pending, by expiry (ISO): the approvals list and the expiry sweep read these. */
  pendingApproval: (expiresAt: string, t: string, executionId: string) => ({
    pk: 'MSP#APPROVALS',
    sk: `${expiresAt}#${tenantPrefix(t)}#${executionId}`,
  }),
  pendingApprovals: () => ({ pk: 'MSP#APPROVALS' }),
  remediationPolicy: (t: string) => ({ pk: tenantPrefix(t), sk: 'REMEDIATION#policy' }),
  remediationAccess: (t: string) => ({ pk: tenantPrefix(t), sk: 'REMEDIATION#access' }),

  /** The tenant's SLA policy (lib/domain/sla/policy.ts), stored as given with a version. */
  slaPolicy: (t: string) => ({ pk: tenantPrefix(t), sk: 'SLA#policy' }),
  /** The tenant's escalation chain (lib/domain/escalation/policy.ts), stored as given with a version. */
  escalationPolicy: (t: string) => ({ pk: tenantPrefix(t), sk: 'ESCALATION#policy' }),

  /** The tenant's report delivery settings (lib/domain/report/delivery.ts), stored as given with a version. */
  reportDelivery: (t: string) => ({ pk: tenantPrefix(t), sk: 'REPORT#delivery' }),
  /** That a period's report was sent (or is being sent) to the tenant's contacts: a period goes out once. */
  reportPeriodSent: (t: string, period: string) => ({ pk: tenantPrefix(t), sk: `REPORT#sent#${period}` }),
  /** One send of the tenant's report (scheduled or on demand), newest first. */
  reportSend: (t: string, sendId: string) => ({ pk: `${tenantPrefix(t)}#REPORTSEND`, sk: sendId }),
  reportSendsOf: (t: string) => ({ pk: `${tenantPrefix(t)}#REPORTSEND` }),

  /** One record per recipient × channel of a notification (lib/notify/deliver.ts). */
  notificationDelivery: (t: string, deliveryId: string) => ({ pk: `${tenantPrefix(t)}#NOTIFY`, sk: deliveryId }),
  notificationDeliveriesOf: (t: string) => ({ pk: `${tenantPrefix(t)}#NOTIFY` }),
  /** The tenant's Slack, Teams and webhook targets and email sender (secrets: URLs and the signing secret). */
  notificationChannels: (t: string) => ({ pk: tenantPrefix(t), sk: 'NOTIFY#channels' }),

  /** One of the tenant's maintenance windows or silences (lib/domain/maintenance/window.ts), with a version. */
  maintenanceWindow: (t: string, windowId: string) => ({ pk: tenantPrefix(t), sk: `MAINT#${windowId}` }),
  maintenanceWindowsOf: (t: string) => ({ pk: tenantPrefix(t), skPrefix: 'MAINT#' }),

  /** One of the tenant's on-call schedules (lib/domain/oncall/schedule.ts), with a version. */
  oncallSchedule: (t: string, scheduleId: string) => ({ pk: tenantPrefix(t), sk: `ONCALL#${scheduleId}` }),
  oncallSchedulesOf: (t: string) => ({ pk: tenantPrefix(t), skPrefix: 'ONCALL#' }),
  /** A technician's routing profile (workload cap, active), beside the user item; skills stay on the user. */
  technicianProfile: (userId: string) => ({ pk: `MSP#USER#${userId}`, sk: 'PROFILE' }),
  /** A user's notification preferences (lib/domain/notify/preferences.ts), beside the user item. */
  notificationPreferences: (userId: string) => ({ pk: `MSP#USER#${userId}`, sk: 'NOTIFYPREFS' }),

  /** The MSP's name and logo on client reports (lib/domain/report/branding.ts). */
  branding: () => ({ pk: 'MSP#BRANDING', sk: 'BRANDING' }),

  wsConnection: (connectionId: string) => ({ pk: `MSP#WSCONN#${connectionId}`, sk: 'CONN' }),
  wsTenantSubscription: (t: string, connectionId: string) => ({ pk: `${tenantPrefix(t)}#WSCONN`, sk: connectionId }),
  wsTenantSubscribers: (t: string) => ({ pk: `${tenantPrefix(t)}#WSCONN` }),
  wsAllTenantsSubscription: (connectionId: string) => ({ pk: 'MSP#WSCONN#ALL', sk: connectionId }),
  wsAllTenantsSubscribers: () => ({ pk: 'MSP#WSCONN#ALL' }),
  /**
   * A connection following one incident (`$default` subscribe), under the incident's tenant: the fan-out
   * queries an incident's followers. The connection item lists the same pairs (`incidentSubscriptions`).
   */
  wsIncidentSubscription: (t: string, incidentId: string, connectionId: string) => ({
    pk: `${tenantPrefix(t)}#WSINC#${incidentId}`,
    sk: connectionId,
  }),
  wsIncidentSubscribers: (t: string, incidentId: string) => ({ pk: `${tenantPrefix(t)}#WSINC#${incidentId}` }),

  /**
   * The events one transaction committed (lib/store/outbox.ts): written with the state change, read only
   * from the table's stream. One partition per item, so a storm's events spread over the table.
   */
  outbox: (t: string, outboxId: string) => ({ pk: `${tenantPrefix(t)}#OUTBOX#${outboxId}`, sk: 'OUTBOX' }),
  /** That consumer has handled that event (lib/store/event-receipts.ts): a redelivery is skipped. */
  eventReceipt: (t: string, eventId: string, consumer: string) => ({
    pk: `${tenantPrefix(t)}#EVENT#${eventId}`,
    sk: `CONSUMER#${consumer}`,
  }),
} as const;

/**
 * The SET clauses and values of an update that moves an item in an index (a new status, a new name):
 * the attributes come from the key builders above, never written by hand.
 */
export function indexUpdate(entry: Record<string, string>): { set: string[]; values: Record<string, string> } {
  const set: string[] = [];
  const values: Record<string, string> = {};
  for (const [attribute, value] of Object.entries(entry)) {
    set.push(`${attribute} = :index_${attribute}`);
    values[`:index_${attribute}`] = value;
  }
  return { set, values };
}

/** Seconds since the epoch, as DynamoDB TTL wants it. */
export function ttlAfter(now: Date, seconds: number): number {
  return Math.floor(now.getTime() / 1000) + seconds;
}
