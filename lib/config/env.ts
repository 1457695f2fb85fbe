import * as z from 'zod';

/**
 * Each function's environment, validated once at cold start. The CDK construct types the
 * `environment` it passes from the same schemas, so a missing variable fails at synth.
 * Secrets never travel here: only the ARN (in AWS) or the file path (locally) of where they live.
 */
const base = z.object({
  TABLE_NAME: z.string().min(1),
  AW_STAGE: z.string().min(1).default('dev'),
});

/** Where the JWT signing keys live: a Secrets Manager secret in AWS, a file under .local/ locally. */
const authKeys = z.object({
  AUTH_KEYS_SECRET_ARN: z.string().min(1).optional(),
  AUTH_KEYS_FILE: z.string().min(1).optional(),
});

/**
 * SMS and voice (AWS End User Messaging): the phone number, pool or sender id messages go from (voice needs
 * one), the configuration set whose events record delivery, and the most SMS and voice messages a tenant
 * gets per calendar month (the MSP admins are told at 80%).
 */
const smsVoice = z.object({
  SMS_ORIGINATION_IDENTITY: z.string().min(1).optional(),
  SMS_CONFIGURATION_SET: z.string().min(1).optional(),
  SMS_MONTHLY_CAP: z.coerce.number().int().min(0).default(1000),
});

/**
 * The RunbookExecution state machine, for the functions that start executions. No function but the
 * stream relay names the event bus: the others write their events to the table's outbox with the change.
 */
const withStateMachine = base.extend({ STATE_MACHINE_ARN: z.string().min(1) });

export const ENV_SCHEMAS = {
  api: withStateMachine.extend(authKeys.shape),
  /** The admin routes (tenants, users, assets, integrations, policies): the table and the signing keys only. */
  adminApi: base.extend(authKeys.shape),
  /** Ingestion only writes to the table: the stream relay hands new alerts to the correlation queue. */
  ingest: base.extend({
    /** SNS signature checks on `cloudwatch` webhooks: 'off' only by explicit choice (local mode, replay). */
    AW_SNS_VERIFY: z.enum(['on', 'off']).default('on'),
  }),
  correlate: base,
  /** The settle sweep commits through the same correlation path, with the same events in the outbox. */
  settle: base,
  realtime: base.extend({
    /** The WebSocket API's management endpoint (https://{api}.execute-api.{region}.amazonaws.com/{stage}). */
    WS_MANAGEMENT_ENDPOINT: z.string().url(),
  }),
  /** Decides per new incident and starts executions; Bedrock advice only when a model is configured. */
  remediation: withStateMachine.extend({ BEDROCK_MODEL_ID: z.string().min(1).optional() }),
  /** The runbook step and the approval sweep: they answer task tokens, which needs no state machine ARN. */
  automation: base,
  /**
   * SLA clocks and escalation: the Scheduler group and the role Scheduler assumes to invoke this
   * function (its own ARN, the timers' target, comes from the invocation context), where emails come
   * from, and the dashboard the notifications link to.
   */
  sla: base.extend({
    ...authKeys.shape,
    ...smsVoice.shape,
    /** Where the signed action links in notifications point: the HTTP API's URL (`https://<id>.execute-api.<region>.amazonaws.com`). */
    ACTION_LINK_BASE_URL: z.url(),
    SLA_SCHEDULE_GROUP: z.string().min(1),
    SLA_SCHEDULER_ROLE_ARN: z.string().min(1),
    SLA_TIMER_DLQ_ARN: z.string().min(1).optional(),
    SES_SENDER: z.email().optional(),
    DASHBOARD_URL: z.url(),
  }),
  /** `$connect` alone checks access tokens, so only it gets the signing keys. */
  realtimeConnect: base.extend(authKeys.shape),
  /**
   * The stream relay: the only function that puts events on the bus and alerts on the queue. In the
   * table it only counts the unresolved asset names of the new alerts it hands on.
   */
  relay: z.object({
    TABLE_NAME: z.string().min(1),
    AW_STAGE: z.string().min(1).default('dev'),
    EVENT_BUS_NAME: z.string().min(1),
    ALERT_QUEUE_URL: z.string().url(),
  }),
  /** The repair sweep reads open incidents and writes events for what they miss. */
  repair: base,
  /**
   * Responders acting from a notification: the signing keys (links are signed with them, the phone routes
   * check access tokens), the SMS identity for verification codes, the Slack app's credentials when it is set up.
   */
  respond: base.extend({
    ...authKeys.shape,
    ...smsVoice.shape,
    SLACK_APP_SECRET_ARN: z.string().min(1).optional(),
    SLACK_APP_FILE: z.string().min(1).optional(),
    /** The Slack Web API (a loopback stand-in in tests). */
    SLACK_API_URL: z.url().optional(),
  }),
  /** Client reports and the MSP's branding: the table and the signing keys (the routes check access tokens). */
  reports: base.extend({
    ...authKeys.shape,
    /**
     * E-mailing the reports: the Scheduler group of the companies' delivery schedules and the role Scheduler
     * assumes to invoke this function (its own ARN, the schedules' target, comes from the invocation context),
     * where failed invocations go, and where the e-mail comes from (unset: sends are recorded as failed).
     */
    REPORT_SCHEDULE_GROUP: z.string().min(1),
    REPORT_SCHEDULER_ROLE_ARN: z.string().min(1),
    REPORT_SCHEDULE_DLQ_ARN: z.string().min(1).optional(),
    SES_SENDER: z.email().optional(),
  }),
} as const;

export type EnvName = keyof typeof ENV_SCHEMAS;
export type Env<N extends EnvName> = z.output<(typeof ENV_SCHEMAS)[N]>;
/** What a deployer must provide for function environment N (all values are strings). */
export type EnvInput<N extends EnvName> = { [K in keyof z.input<(typeof ENV_SCHEMAS)[N]>]: string };

export function readEnv<N extends EnvName>(name: N, source: NodeJS.ProcessEnv = process.env): Env<N> {
  const result = ENV_SCHEMAS[name].safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid environment for '${name}' functions: ${problems}`);
  }
  return result.data as Env<N>;
}
