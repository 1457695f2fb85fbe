import * as z from 'zod';
import type { Node } from 'constructs';

/**
 * Deployment configuration, read from CDK context (`cdk synth -c stage=prod -c dashboardOrigin=...`,
 * or the "context" block of cdk.json) and validated once, so a typo fails the synth before any construct
 * is built, with every problem named in one error.
 */
export const StageSchema = z.enum(['dev', 'prod']);
export type Stage = z.infer<typeof StageSchema>;

/** Where the stack goes when neither the context nor the CLI profile names a region. */
export const DEFAULT_REGION = 'us-east-1';

/** Commercial, GovCloud and China region names: us-east-1, eu-central-2, us-gov-west-1, cn-north-1... */
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
/** A DNS name with at least two labels, no scheme, no path, no trailing dot. */
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** A CLOUDFRONT-scope WAFv2 web ACL: always in us-east-1 (`global/webacl/<name>/<id>`). */
export const CLOUDFRONT_WEB_ACL_ARN = /^arn:aws:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]{1,128}\/[0-9a-f-]{36}$/;
/**
 * Bedrock model ids and inference profile ids: `anthropic.claude-3-5-haiku-20241022-v1:0`,
 * `us.anthropic.claude-3-5-haiku-20241022-v1:0`, `amazon.nova-lite-v1:0`.
 */
/** An End User Messaging phone number, pool or sender id: `arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-…`. */
export const SMS_IDENTITY_ARN = /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number|pool|sender-id)\/[A-Za-z0-9_/-]{1,128}$/;
const BEDROCK_MODEL_ID = /^([a-z]{2,4}\.)?[a-z0-9-]+\.[a-z0-9.-]+(:\d+)?$/;

/** Context values are strings when given with `-c`, and JSON numbers in cdk.json: accept both. */
const count = z.preprocess(
  (value) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value),
  z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more'),
);

export const AppConfigSchema = z
  .object({
    stage: StageSchema.default('dev'),
    /**
     * The region to deploy to. The stack is always pinned to a region (a table encrypted with a
     * customer-managed key cannot be synthesized region-agnostic); loadConfig falls back to the CLI
     * profile's region (CDK_DEFAULT_REGION), then to us-east-1. Synth still needs no credentials.
     */
    region: z.string().regex(REGION, 'must be an AWS region name such as us-east-1').default(DEFAULT_REGION),
    /** Where CloudWatch alarms are emailed (an SNS email subscription; confirm the email AWS sends). */
    alarmEmail: z.email('must be an email address').optional(),
    /**
     * The dashboard's origin (scheme, host and port only), the one origin CORS allows on the HTTP API and
     * the base of links in notifications. Unset (dev only), the stack uses its dashboard's CloudFront URL.
     */
    dashboardOrigin: z
      .url('must be a URL such as https://dashboard.example.com')
      .refine(
        // An unparsable value already failed z.url(); say only one thing about it.
        (value) => !URL.canParse(value) || new URL(value).origin === value,
        'must be an origin: scheme, host and port only, no path or trailing slash',
      )
      .optional(),
    /**
     * A web ACL for the dashboard's CloudFront distribution. CloudFront web ACLs are created in us-east-1
     * whatever the stack's region (docs/deploy.md, Dashboard); unset, the distribution has none.
     */
    dashboardWebAclArn: z
      .string()
      .regex(CLOUDFRONT_WEB_ACL_ARN, 'must be a CLOUDFRONT-scope WAFv2 web ACL ARN (arn:aws:wafv2:us-east-1:<account>:global/webacl/...)')
      .optional(),
    /** The product's own DNS name (for the API's and dashboard's custom domains, once those exist). */
    domain: z.string().regex(HOSTNAME, 'must be a DNS name such as alerts.example.com (no scheme, no path)').optional(),
    /** The verified SES identity notifications are sent from (the SLA and notifications capability). */
    sesSender: z.email('must be an email address verified in SES').optional(),
    /** The Bedrock model or inference profile for AI advice (the automation capability); unset, no AI advice. */
    bedrockModelId: z
      .string()
      .regex(BEDROCK_MODEL_ID, 'must be a Bedrock model id such as anthropic.claude-3-5-haiku-20241022-v1:0')
      .optional(),
    /**
     * The AWS End User Messaging origination identity SMS and voice pages go from: the ARN of a phone
     * number, pool or sender id (least privilege: the functions may send from it alone). Unset: no SMS or voice.
     */
    smsOriginationIdentityArn: z
      .string()
      .regex(SMS_IDENTITY_ARN, 'must be the ARN of an End User Messaging phone number, pool or sender id (arn:aws:sms-voice:...)')
      .optional(),
    /** The End User Messaging configuration set whose event destinations record delivery (optional). */
    smsConfigurationSetName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a configuration set name')
      .optional(),
    /** The most SMS and voice messages one client company gets per calendar month (MSP admins are told at 80%). */
    smsMonthlyCap: count.optional(),
    /**
     * The Secrets Manager secret (name) holding the Slack app's `{clientId, clientSecret, signingSecret}`;
     * unset, the Slack app is off and tenants use incoming webhooks.
     */
    slackAppSecretName: z
      .string()
      .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a Secrets Manager secret name')
      .optional(),
    /**
     * Reserved concurrency for the webhook ingestion function (see infra/constructs/ingestion.ts).
     * Defaults to 50 in prod and none in dev; 0 turns the reservation off (for accounts whose
     * concurrency quota is still the new-account default).
     */
    ingestReservedConcurrency: count.optional(),
  })
  .superRefine((config, ctx) => {
    // Unset, CORS allows the stack's own dashboard (its CloudFront URL); set, it must be https in prod.
    if (config.stage === 'prod' && config.dashboardOrigin && !config.dashboardOrigin.startsWith('https://')) {
      ctx.addIssue({ code: 'custom', path: ['dashboardOrigin'], message: 'must use https when stage is prod' });
    }
  })
  .transform(({ ingestReservedConcurrency, ...config }) => {
    const reserved = ingestReservedConcurrency ?? (config.stage === 'prod' ? DEFAULT_INGEST_RESERVED_CONCURRENCY : 0);
    return {
      ...config,
      /** CORS for an HTTP API without the dashboard construct (the infra test fixture); the stack uses the dashboard's URL. */
      corsOrigin: config.dashboardOrigin ?? '*',
      /** Undefined when no reservation is wanted. */
      ingestReservedConcurrency: reserved > 0 ? reserved : undefined,
    };
  });

/** See infra/constructs/ingestion.ts for how 50 is derived from the HTTP API's throttle. */
export const DEFAULT_INGEST_RESERVED_CONCURRENCY = 50;

export type AppConfigInput = z.input<typeof AppConfigSchema>;
export type AppConfig = z.output<typeof AppConfigSchema>;

/** The context keys read from CDK context, in the order the deploy guide lists them. */
export const CONFIG_KEYS = [
  'stage',
  'region',
  'alarmEmail',
  'dashboardOrigin',
  'dashboardWebAclArn',
  'domain',
  'sesSender',
  'bedrockModelId',
  'ingestReservedConcurrency',
  'smsOriginationIdentityArn',
  'smsConfigurationSetName',
  'smsMonthlyCap',
  'slackAppSecretName',
] as const satisfies readonly (keyof AppConfigInput)[];

/** Parses a config object; throws one readable error listing every problem. */
export function parseConfig(input: unknown): AppConfig {
  const result = AppConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`).join('; ');
    throw new Error(`Invalid CDK context: ${problems}`);
  }
  return result.data;
}

/**
 * Reads the config from the app's context (`-c key=value` or cdk.json "context"); the region falls back
 * to the CLI profile's (CDK_DEFAULT_REGION, set by the CDK CLI when it runs the app).
 */
export function loadConfig(node: Node, env: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty strings from `-c key=` count as unset.
  const read = (key: string): unknown => {
    const value: unknown = node.tryGetContext(key);
    return value === '' ? undefined : value;
  };
  const input: Record<string, unknown> = Object.fromEntries(CONFIG_KEYS.map((key) => [key, read(key)]));
  input.region ??= env.CDK_DEFAULT_REGION || undefined;
  return parseConfig(input);
}
