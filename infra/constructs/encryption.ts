import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { Stage } from '../config';

export interface EncryptionProps {
  stage: Stage;
}

/**
 * The product's customer-managed KMS key (annual rotation on). It encrypts the table, the JWT signing
 * secret and the alarm topic. The key policy is CDK's default (the account administers the key through
 * IAM) plus CloudWatch, which must encrypt the alarm notifications it publishes to the topic. Nothing
 * else may use the key unless its IAM role is granted: each function gets only the key actions its
 * table or secret access implies (infra/constructs/functions.ts).
 *
 * The queues keep SQS-managed encryption instead: EventBridge, which delivers to the alarm-event
 * dead-letter queue, cannot use a customer-managed key without opening the key to it as well, and every
 * message would cost KMS requests for no gain in who can read it (the queue policy decides that).
 */
export class Encryption extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: EncryptionProps) {
    super(scope, id);
    const isProd = props.stage === 'prod';
    this.key = new kms.Key(this, 'Key', {
      description: `Alert Whisperer (${props.stage}): table, signing-key secret and alarm topic`,
      alias: `alias/alert-whisperer-${props.stage}`,
      enableKeyRotation: true,
      // Losing the key loses the data it encrypts: never delete it in prod; a dev key goes after 7 days.
      removalPolicy: isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(isProd ? 30 : 7),
    });
    // CloudWatch alarms publish to the encrypted alarm topic (SNS asks KMS on CloudWatch's behalf). This is
    // the statement AWS documents for alarms on encrypted topics; which alarms may publish at all is the
    // topic policy's business (this account only).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheEncryptedAlarmTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        // A key policy's resource is always the key itself.
        resources: ['*'],
      }),
    );
  }
}
