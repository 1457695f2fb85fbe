import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnOutput, DefaultStackSynthesizer, Duration, RemovalPolicy, Stack, Token, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct, Node } from 'constructs';
import * as z from 'zod';
import { REMEDIATION_ROLE_PREFIX, stepTargetSchema } from '../../lib/domain/remediation/step-contract';
import { acknowledgeNag, nagRegion } from '../nag';

/**
 * The client onboarding stack: what a client company deploys in ITS OWN AWS account so that Alert
 * Whisperer (running in the MSP's account) can
 *
 * - run runbooks on the client's instances: a role named `AlertWhispererRemediation*` that the MSP's
 *   runbook step assumes with the tenant's external id (infra/constructs/automation.ts), allowed only
 *   SSM SendCommand of the two shell documents on instances carrying the managed tag, and reading the
 *   results;
 * - receive the client's CloudWatch alarms: an HTTPS subscription of the tenant's webhook to the alarm
 *   topic (an existing one, or a KMS-encrypted `alert-whisperer-alarms` topic created here).
 *
 * Deploy with infra/onboarding/app.ts (docs/onboarding.md); `synthOnboardingTemplate` renders the same
 * stack as a CloudFormation template.
 */

/** The documents a runbook step may send (the step contract's list): AWS-owned, so untagged and account-less. */
export const RUNBOOK_DOCUMENTS = stepTargetSchema.shape.documentName.options;

/** The topic the stack creates when the client names none; fixed so that its ARN is known before deploying. */
export const ALARM_TOPIC_NAME = 'alert-whisperer-alarms';

/** The instance tag that opts an instance in, unless the client chooses another. */
export const DEFAULT_INSTANCE_TAG = { key: 'AlertWhisperer', value: 'managed' } as const;

/**
 * The condition key AWS documents for restricting Run Command to tagged instances ("Restricting Run
 * Command access based on tags", AWS Systems Manager User Guide): `ssm:resourceTag/<tag key>` on the
 * `instance` and `managed-instance` resources of ssm:SendCommand. (The same guide warns that global
 * `aws:` condition keys on SendCommand need `aws:ViaAWSService` handling; the service key needs none.)
 */
export const instanceTagConditionKey = (tagKey: string): string => `ssm:resourceTag/${tagKey}`;

const ACCOUNT_ID = /^\d{12}$/;
/** An IAM role ARN (optional path); the account is captured. */
const ROLE_ARN = /^arn:aws(?:-cn|-us-gov|-iso|-iso-[a-z])?:iam::(\d{12}):role\/(?:[\x21-\x7e]+\/)?[\w+=,.@-]{1,64}$/;
/** What STS accepts as an external id: 2 to 1224 of letters, digits and _+=,.@:/- (no spaces). */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/** The tenant id rule of lib/store/keys.ts (TENANT_ID_PATTERN). */
const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** IAM role names: letters, digits and _+=,.@- (at most 64). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** AWS tag keys and values: letters, digits, spaces and _.:/=+-@. */
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;
/** A standard SNS topic ARN (the form lib/api/routes/integrations.ts registers). */
const TOPIC_ARN = /^arn:aws(?:-cn|-us-gov|-iso|-iso-[a-z])?:sns:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
/** The webhook path the cloudwatch source answers on (docs/integrations.md), after the API URL's own path. */
const WEBHOOK_PATH = /\/v1\/webhooks\/cloudwatch$/;

/** A required string: "is required" when absent (an unset `-c` key); the format rules say the rest. */
const required = () => z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') });

export const ClientOnboardingSchema = z
  .object({
    /** The MSP's AWS account, where Alert Whisperer runs. */
    mspAccountId: required().regex(ACCOUNT_ID, 'must be a 12-digit AWS account id'),
    /**
     * The MSP's runbook step role, when the MSP gives it: the trust policy then names that role alone.
     * Unset, the trust names the MSP account (whose own policies let only the runbook step assume
     * `AlertWhispererRemediation*` roles); the external id is required either way.
     */
    mspRunbookStepRoleArn: z.string().regex(ROLE_ARN, 'must be an IAM role ARN such as arn:aws:iam::111122223333:role/name').optional(),
    /** The tenant's external id, as the MSP gives it (it is not a secret, but it must match exactly). */
    externalId: required().regex(EXTERNAL_ID, "must be 2 to 1224 characters of letters, digits and _+=,.@:/- (STS's rule)"),
    /** The client's tenant id at the MSP (in descriptions only; access is the external id's business). */
    tenantId: required().regex(TENANT_ID, 'must be a tenant id: letters, digits, _ . - (at most 64), starting with a letter or digit'),
    /** Runbooks run only on instances (EC2 or hybrid managed nodes) carrying this tag. */
    instanceTagKey: z
      .string()
      .regex(TAG_KEY, 'must be a tag key: 1 to 128 letters, digits, spaces and _.:/=+-@')
      .refine((key) => !key.toLowerCase().startsWith('aws:'), 'must not start with aws: (reserved by AWS)')
      .default(DEFAULT_INSTANCE_TAG.key),
    instanceTagValue: z
      .string()
      .regex(TAG_VALUE, 'must be a tag value: 1 to 256 letters, digits, spaces and _.:/=+-@')
      .default(DEFAULT_INSTANCE_TAG.value),
    /** The tenant's CloudWatch webhook: `<API URL>/v1/webhooks/cloudwatch?api_key=<key>` (docs/integrations.md). */
    webhookUrl: z
      .url({ protocol: /^https$/, error: (issue) => (issue.input === undefined ? 'is required' : 'must be an https:// URL') })
      // Refinements run even after a failed format check: say nothing more about an unparsable value.
      .refine(
        (url) => !URL.canParse(url) || WEBHOOK_PATH.test(new URL(url).pathname),
        "must be the tenant's CloudWatch webhook: <API URL>/v1/webhooks/cloudwatch?api_key=<key>",
      )
      .refine(
        (url) => !URL.canParse(url) || !!new URL(url).searchParams.get('api_key'),
        "must carry the tenant's API key as ?api_key=<key> (SNS cannot send headers)",
      ),
    /** An existing standard topic the client's alarms notify; unset, the stack creates ALARM_TOPIC_NAME. */
    alarmTopicArn: z
      .string()
      .regex(TOPIC_ARN, 'must be an SNS topic ARN such as arn:aws:sns:eu-west-1:111122223333:ops-alarms')
      .refine((arn) => !arn.endsWith('.fifo'), 'must be a standard topic: SNS FIFO topics cannot deliver to HTTPS endpoints')
      .optional(),
    /** The role's name; the MSP may assume only roles named with the prefix. */
    roleName: z
      .string()
      .regex(ROLE_NAME, 'must be an IAM role name: letters, digits and _+=,.@- (at most 64)')
      .refine((name) => name.startsWith(REMEDIATION_ROLE_PREFIX), `must start with ${REMEDIATION_ROLE_PREFIX}`)
      .default(REMEDIATION_ROLE_PREFIX),
  })
  .strict()
  .superRefine((config, ctx) => {
    const roleAccount = config.mspRunbookStepRoleArn?.match(ROLE_ARN)?.[1];
    if (roleAccount && roleAccount !== config.mspAccountId) {
      ctx.addIssue({ code: 'custom', path: ['mspRunbookStepRoleArn'], message: 'must be a role of the MSP account (mspAccountId)' });
    }
  });

export type ClientOnboardingInput = z.input<typeof ClientOnboardingSchema>;
export type ClientOnboardingConfig = z.output<typeof ClientOnboardingSchema>;

/** Every setting, in the order docs/onboarding.md lists them; each is also a CDK context key of the app. */
export const ONBOARDING_KEYS = [
  'mspAccountId',
  'externalId',
  'tenantId',
  'webhookUrl',
  'mspRunbookStepRoleArn',
  'instanceTagKey',
  'instanceTagValue',
  'alarmTopicArn',
  'roleName',
] as const satisfies readonly (keyof ClientOnboardingInput)[];

/** Parses the settings; throws one readable error listing every problem. */
export function parseOnboardingConfig(input: unknown): ClientOnboardingConfig {
  const result = ClientOnboardingSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(settings)'}: ${issue.message}`).join('; ');
    throw new Error(`Invalid onboarding settings: ${problems}`);
  }
  return result.data;
}

/** The settings from CDK context (`-c key=value`); empty values count as unset. */
export function onboardingInputFromContext(node: Node): Record<string, unknown> {
  const entries = ONBOARDING_KEYS.map((key) => [key, node.tryGetContext(key) as unknown] as const);
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined && value !== ''));
}

export type ClientOnboardingStackProps = StackProps & ClientOnboardingInput;

export class ClientOnboardingStack extends Stack {
  readonly config: ClientOnboardingConfig;
  readonly role: iam.Role;
  readonly topic: sns.ITopic;
  readonly subscription: sns.Subscription;

  constructor(scope: Construct, id: string, props: ClientOnboardingStackProps) {
    const settings = Object.fromEntries(ONBOARDING_KEYS.filter((key) => props[key] !== undefined).map((key) => [key, props[key]]));
    const config = parseOnboardingConfig(settings);
    super(scope, id, {
      description: `Alert Whisperer onboarding (tenant ${config.tenantId}): remediation role and alarm subscription`,
      ...props,
    });
    this.config = config;
    const { partition, region, account } = this;

    // --- The remediation role ------------------------------------------------------------------------
    const mspPrincipal = config.mspRunbookStepRoleArn
      ? new iam.ArnPrincipal(config.mspRunbookStepRoleArn)
      : new iam.AccountPrincipal(config.mspAccountId);
    const tagKey = instanceTagConditionKey(config.instanceTagKey);
    const instances = [
      `arn:${partition}:ec2:${region}:${account}:instance/*`,
      `arn:${partition}:ssm:${region}:${account}:managed-instance/*`,
    ];
    this.role = new iam.Role(this, 'RemediationRole', {
      roleName: config.roleName,
      description: `Alert Whisperer (tenant ${config.tenantId}) runs runbooks on instances tagged ${config.instanceTagKey}=${config.instanceTagValue}`,
      assumedBy: mspPrincipal,
      externalIds: [config.externalId],
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        RunbookCommands: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'SendCommandToTaggedInstances',
              actions: ['ssm:SendCommand'],
              resources: instances,
              conditions: { StringEquals: { [tagKey]: config.instanceTagValue } },
            }),
            new iam.PolicyStatement({
              sid: 'SendCommandWithShellDocuments',
              actions: ['ssm:SendCommand'],
              // AWS-owned documents have no account in their ARN.
              resources: RUNBOOK_DOCUMENTS.map((document) => `arn:${partition}:ssm:${region}::document/${document}`),
            }),
            new iam.PolicyStatement({
              sid: 'ReadCommandResults',
              actions: ['ssm:GetCommandInvocation', 'ssm:ListCommandInvocations'],
              resources: ['*'],
            }),
          ],
        }),
      },
    });
    // cdk-nag spells unresolved pseudo parameters <AWS::Name> inside a finding id.
    const nagPartition = Token.isUnresolved(partition) ? '<AWS::Partition>' : partition;
    const nagAccount = Token.isUnresolved(account) ? '<AWS::AccountId>' : account;
    for (const resource of [`ec2:${nagRegion(this)}:${nagAccount}:instance/*`, `ssm:${nagRegion(this)}:${nagAccount}:managed-instance/*`]) {
      acknowledgeNag(
        this.role,
        `AwsSolutions-IAM5[Resource::arn:${nagPartition}:${resource}]`,
        `Instances are chosen per runbook execution; SendCommand is allowed only on those tagged ${config.instanceTagKey}=${config.instanceTagValue} (${tagKey}).`,
      );
    }
    acknowledgeNag(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'ssm:GetCommandInvocation and ssm:ListCommandInvocations do not support resource-level permissions (Resource "*" only); they read command results.',
    );

    // --- The alarm topic and the webhook subscription ----------------------------------------------------
    const topicRegion = config.alarmTopicArn?.match(TOPIC_ARN)?.[1];
    if (config.alarmTopicArn) {
      // The client's own topic keeps its policy: it already lets the client's alarms publish.
      this.topic = sns.Topic.fromTopicArn(this, 'AlarmTopic', config.alarmTopicArn);
    } else {
      // SNS's AWS-managed key (alias/aws/sns) cannot be opened to CloudWatch: a customer-managed key, as
      // AWS documents for alarms that notify encrypted topics.
      const key = new kms.Key(this, 'AlarmTopicKey', {
        description: 'Alert Whisperer: encrypts the alarm topic alert-whisperer-alarms',
        alias: `alias/${ALARM_TOPIC_NAME}`,
        enableKeyRotation: true,
        // Notifications are not kept once delivered: nothing outlives the topic, so neither need the key.
        removalPolicy: RemovalPolicy.DESTROY,
        pendingWindow: Duration.days(7),
      });
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudWatchAlarmsPublishToTheEncryptedAlarmTopic',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          // A key policy's resource is always the key itself.
          resources: ['*'],
        }),
      );
      const topic = new sns.Topic(this, 'AlarmTopic', {
        topicName: ALARM_TOPIC_NAME,
        displayName: 'Alert Whisperer alarms',
        masterKey: key,
        enforceSSL: true,
      });
      // A topic policy replaces SNS's default one: say that this account's CloudWatch alarms may publish.
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudWatchAlarmsOfThisAccountPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
            StringEquals: { 'aws:SourceAccount': account },
          },
        }),
      );
      this.topic = topic;
    }
    // Raw delivery stays off: Alert Whisperer verifies the SNS envelope's signature and confirms the
    // subscription itself, for topics registered for the tenant only (register the topic first).
    this.subscription = new sns.Subscription(this, 'WebhookSubscription', {
      topic: this.topic,
      protocol: sns.SubscriptionProtocol.HTTPS,
      endpoint: config.webhookUrl,
      rawMessageDelivery: false,
      // A subscription is created in its topic's region.
      ...(topicRegion && (Token.isUnresolved(region) || topicRegion !== region) ? { region: topicRegion } : {}),
    });

    new CfnOutput(this, 'RoleArn', {
      value: this.role.roleArn,
      description: 'Give the MSP: the role Alert Whisperer assumes to run runbooks in this account',
    });
    new CfnOutput(this, 'ExternalId', {
      value: config.externalId,
      description: "The tenant's external id the role requires (the MSP's own value, echoed for checking)",
    });
    new CfnOutput(this, 'TopicArn', {
      value: this.topic.topicArn,
      description: "Add this topic to the alarms' ALARM and OK actions; the MSP registers it for the tenant",
    });
  }
}

/**
 * The onboarding stack as a CloudFormation template object, for the API to offer as a download: no
 * CDK bootstrap parameter or rule and no CDK metadata, so that it deploys with plain CloudFormation
 * (CAPABILITY_NAMED_IAM) in any region. Throws like parseOnboardingConfig on invalid settings.
 */
export function synthOnboardingTemplate(props: ClientOnboardingInput): Record<string, unknown> {
  // Parse first: the stack picks its settings out of StackProps, so it would ignore a misspelt one.
  const config = parseOnboardingConfig(props);
  // The cloud assembly is only a means: write it to a temporary directory and remove it (an API calls this).
  const outdir = mkdtempSync(join(tmpdir(), 'aw-onboarding-'));
  try {
    const app = new App({ outdir, analyticsReporting: false });
    const stack = new ClientOnboardingStack(app, 'AlertWhispererOnboarding', {
      ...config,
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
    });
    return app.synth().getStackArtifact(stack.artifactId).template as Record<string, unknown>;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
