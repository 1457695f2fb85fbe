import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { acknowledgeNag } from '../nag';
import { createCatalogFunctions, type SharedResources } from './functions';
import { addEventRules } from './triggers';
import type { PublicHttpApi } from './http-api';

/** Where SMS and voice pages go from (infra/config.ts): an origination identity's ARN and a configuration set. */
export interface SmsVoiceConfig {
  originationIdentityArn?: string;
  configurationSetName?: string;
  monthlyCap?: number;
}

/** The SMS variables of a function's environment (lib/config/env.ts `smsVoice`). */
export function smsVoiceEnvironment(config: SmsVoiceConfig) {
  return {
    ...(config.originationIdentityArn ? { SMS_ORIGINATION_IDENTITY: config.originationIdentityArn } : {}),
    ...(config.configurationSetName ? { SMS_CONFIGURATION_SET: config.configurationSetName } : {}),
    ...(config.monthlyCap !== undefined ? { SMS_MONTHLY_CAP: String(config.monthlyCap) } : {}),
  };
}

/**
 * Lets `fn` text and call from the configured origination identity (and through the configured
 * configuration set) only: End User Messaging authorizes SendTextMessage and SendVoiceMessage on both.
 */
export function grantSmsVoice(fn: lambda.IFunction, config: SmsVoiceConfig): void {
  if (!config.originationIdentityArn) return;
  const { partition, region, account } = Stack.of(fn);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'SendPagesFromTheConfiguredIdentity',
      actions: ['sms-voice:SendTextMessage', 'sms-voice:SendVoiceMessage'],
      resources: [
        config.originationIdentityArn,
        ...(config.configurationSetName
          ? [`arn:${partition}:sms-voice:${region}:${account}:configuration-set/${config.configurationSetName}`]
          : []),
      ],
    }),
  );
}

export interface RespondersProps {
  shared: SharedResources;
  httpApi: PublicHttpApi;
  smsVoice: SmsVoiceConfig;
  /** The Slack app's credentials secret (name); unset, the Slack app is off. */
  slackAppSecretName?: string;
}

/**
 * The responders capability: the `respond` function serves what a person does from a notification (the
 * signed links' mobile page, the Slack app's buttons and install, the phone verification), takes the
 * two-way SMS replies End User Messaging publishes to the InboundSms topic (set it as the phone number's
 * two-way channel: the stack's output `InboundSmsTopicArn`), and records the delivery statuses End User
 * Messaging puts on the account's default bus on their delivery records.
 */
export class Responders extends Construct {
  readonly functions: { respond: NodejsFunction };
  readonly inboundSmsTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: RespondersProps) {
    super(scope, id);
    const { shared } = props;
    const { account } = Stack.of(this);
    const slackSecret = props.slackAppSecretName
      ? secretsmanager.Secret.fromSecretNameV2(this, 'SlackAppSecret', props.slackAppSecretName)
      : undefined;
    const { respond } = createCatalogFunctions(
      this,
      ['respond'] as const,
      {
        respond: {
          TABLE_NAME: shared.table.tableName,
          AW_STAGE: shared.stage,
          AUTH_KEYS_SECRET_ARN: shared.authKeys.secretArn,
          ...smsVoiceEnvironment(props.smsVoice),
          ...(slackSecret ? { SLACK_APP_SECRET_ARN: slackSecret.secretArn } : {}),
        },
      },
      shared,
    );
    this.functions = { respond };
    props.httpApi.addCatalogRoutes(this.functions);
    grantSmsVoice(respond, props.smsVoice);
    slackSecret?.grantRead(respond);

    // Two-way SMS: End User Messaging publishes each reply to this topic, which invokes the function.
    this.inboundSmsTopic = new sns.Topic(this, 'InboundSms', {
      displayName: `Alert Whisperer (${shared.stage}) SMS replies`,
      enforceSSL: true,
    });
    acknowledgeNag(
      this.inboundSmsTopic,
      'AwsSolutions-SNS2',
      'End User Messaging publishes SMS replies here; its messages (a reply such as ACK and the sender number) go straight to the function.',
    );
    this.inboundSmsTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EndUserMessagingOfThisAccountPublishes',
        principals: [new iam.ServicePrincipal('sms-voice.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.inboundSmsTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    this.inboundSmsTopic.addSubscription(new subscriptions.LambdaSubscription(respond));
    // End User Messaging's delivery statuses (default bus): a lost one only leaves a record without its receipt.
    addEventRules(this, this.functions, shared.eventBus);
  }
}
