import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { REMEDIATION_ROLE_PREFIX } from '../../lib/domain/remediation/step-contract';
import {
  ALARM_TOPIC_NAME,
  ClientOnboardingStack,
  ONBOARDING_KEYS,
  RUNBOOK_DOCUMENTS,
  onboardingInputFromContext,
  parseOnboardingConfig,
  synthOnboardingTemplate,
  type ClientOnboardingInput,
} from '../../infra/onboarding/client-stack';
import { asList, nagFindings, only } from './helpers';

const MSP_ACCOUNT = '111122223333';
const WEBHOOK = 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/webhooks/cloudwatch?api_key=awk_test_key';
const BASE: ClientOnboardingInput = { mspAccountId: MSP_ACCOUNT, externalId: 'aw-Xy_12-ab', tenantId: 'acme', webhookUrl: WEBHOOK };

function onboarding(input: Partial<ClientOnboardingInput> = {}, region?: string) {
  const stack = new ClientOnboardingStack(new App(), 'Onboarding', { ...BASE, ...input, ...(region ? { env: { region } } : {}) });
  return { stack, template: Template.fromStack(stack) };
}

/** `arn:<partition>:<rest>` as CDK joins it with the partition pseudo parameter and the given tokens. */
const joined = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
const PARTITION = { Ref: 'AWS::Partition' };
const REGION = { Ref: 'AWS::Region' };
const ACCOUNT = { Ref: 'AWS::AccountId' };

describe('remediation role', () => {
  const { template } = onboarding();
  const [, role] = only(template, 'AWS::IAM::Role');
  const statements = role.Properties.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement) as Record<string, any>[];
  const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid)!;

  it('is named with the prefix the MSP may assume and lasts at most an hour per session', () => {
    expect(role.Properties.RoleName).toBe(REMEDIATION_ROLE_PREFIX);
    expect(role.Properties.MaxSessionDuration).toBe(3600);
  });

  it('trusts the MSP account only with the tenant external id', () => {
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: joined('arn:', PARTITION, `:iam::${MSP_ACCOUNT}:root`) },
        Condition: { StringEquals: { 'sts:ExternalId': BASE.externalId } },
      },
    ]);
  });

  it('trusts exactly the runbook step role when the MSP names it', () => {
    const stepRole = `arn:aws:iam::${MSP_ACCOUNT}:role/AlertWhisperer-prod-RunbookStepRole-ABC123`;
    const [, named] = only(onboarding({ mspRunbookStepRoleArn: stepRole }).template, 'AWS::IAM::Role');
    expect(named.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: stepRole },
        Condition: { StringEquals: { 'sts:ExternalId': BASE.externalId } },
      },
    ]);
  });

  it('has one inline policy of three statements and nothing else attached', () => {
    expect(role.Properties.Policies).toHaveLength(1);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    expect(statements.map((statement) => statement.Sid)).toEqual([
      'SendCommandToTaggedInstances',
      'SendCommandWithShellDocuments',
      'ReadCommandResults',
    ]);
    expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
    expect(new Set(statements.flatMap((statement) => asList(statement.Action)))).toEqual(
      new Set(['ssm:SendCommand', 'ssm:GetCommandInvocation', 'ssm:ListCommandInvocations']),
    );
  });

  it("sends commands only to this account's EC2 and hybrid instances that carry the managed tag", () => {
    expect(bySid('SendCommandToTaggedInstances')).toEqual({
      Sid: 'SendCommandToTaggedInstances',
      Effect: 'Allow',
      Action: 'ssm:SendCommand',
      Resource: [
        joined('arn:', PARTITION, ':ec2:', REGION, ':', ACCOUNT, ':instance/*'),
        joined('arn:', PARTITION, ':ssm:', REGION, ':', ACCOUNT, ':managed-instance/*'),
      ],
      Condition: { StringEquals: { 'ssm:resourceTag/AlertWhisperer': 'managed' } },
    });
  });

  it('sends only the two shell documents, with no condition (documents are not tagged)', () => {
    expect(RUNBOOK_DOCUMENTS).toEqual(['AWS-RunShellScript', 'AWS-RunPowerShellScript']);
    expect(bySid('SendCommandWithShellDocuments')).toEqual({
      Sid: 'SendCommandWithShellDocuments',
      Effect: 'Allow',
      Action: 'ssm:SendCommand',
      Resource: RUNBOOK_DOCUMENTS.map((document) => joined('arn:', PARTITION, ':ssm:', REGION, `::document/${document}`)),
    });
  });

  it('reads command results on Resource "*" only for the actions without resource-level permissions', () => {
    expect(bySid('ReadCommandResults')).toEqual({
      Sid: 'ReadCommandResults',
      Effect: 'Allow',
      Action: ['ssm:GetCommandInvocation', 'ssm:ListCommandInvocations'],
      Resource: '*',
    });
  });

  it('uses the tag and role name the client chooses', () => {
    const [, custom] = only(
      onboarding({ instanceTagKey: 'msp:remediation', instanceTagValue: 'alert whisperer', roleName: 'AlertWhispererRemediationAcme' })
        .template,
      'AWS::IAM::Role',
    );
    expect(custom.Properties.RoleName).toBe('AlertWhispererRemediationAcme');
    const instances = custom.Properties.Policies[0].PolicyDocument.Statement[0];
    expect(instances.Condition).toEqual({ StringEquals: { 'ssm:resourceTag/msp:remediation': 'alert whisperer' } });
  });
});

describe('alarm topic and webhook subscription', () => {
  const { template } = onboarding();

  it('subscribes the webhook over HTTPS with SNS envelopes (raw delivery off) to the created topic', () => {
    const [topicId] = only(template, 'AWS::SNS::Topic');
    const [, subscription] = only(template, 'AWS::SNS::Subscription');
    expect(subscription.Properties).toEqual({
      Protocol: 'https',
      Endpoint: WEBHOOK,
      RawMessageDelivery: false,
      TopicArn: { Ref: topicId },
    });
  });

  it('creates a KMS-encrypted, TLS-only topic with a known name, on a rotated key CloudWatch may use', () => {
    const [keyId, key] = only(template, 'AWS::KMS::Key');
    const [, topic] = only(template, 'AWS::SNS::Topic');
    expect(topic.Properties.TopicName).toBe(ALARM_TOPIC_NAME);
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
  });

  it("lets only this account's CloudWatch alarms publish, over TLS", () => {
    const [topicId] = only(template, 'AWS::SNS::Topic');
    const [, policy] = only(template, 'AWS::SNS::TopicPolicy');
    const statements = policy.Properties.PolicyDocument.Statement as Record<string, any>[];
    expect(statements).toContainEqual({
      Sid: 'CloudWatchAlarmsOfThisAccountPublish',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: { Ref: topicId },
      Condition: {
        ArnLike: { 'aws:SourceArn': joined('arn:', PARTITION, ':cloudwatch:', REGION, ':', ACCOUNT, ':alarm:*') },
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
      },
    });
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(statements.filter((statement) => statement.Effect === 'Allow')).toHaveLength(1);
  });

  it("subscribes the client's existing topic instead, in the topic's region, creating no topic or key", () => {
    const alarmTopicArn = 'arn:aws:sns:eu-west-1:444455556666:ops-alarms';
    const existing = onboarding({ alarmTopicArn }, 'us-east-1').template;
    existing.resourceCountIs('AWS::SNS::Topic', 0);
    existing.resourceCountIs('AWS::KMS::Key', 0);
    const [, subscription] = only(existing, 'AWS::SNS::Subscription');
    expect(subscription.Properties).toEqual({
      Protocol: 'https',
      Endpoint: WEBHOOK,
      RawMessageDelivery: false,
      TopicArn: alarmTopicArn,
      Region: 'eu-west-1',
    });
    expect(existing.toJSON().Outputs.TopicArn.Value).toBe(alarmTopicArn);
    // Same region as the stack: no Region property.
    const [, local] = only(onboarding({ alarmTopicArn }, 'eu-west-1').template, 'AWS::SNS::Subscription');
    expect(local.Properties.Region).toBeUndefined();
  });
});

describe('outputs', () => {
  it('gives the role ARN, the external id and the topic ARN', () => {
    const { template } = onboarding();
    const [roleId] = only(template, 'AWS::IAM::Role');
    const [topicId] = only(template, 'AWS::SNS::Topic');
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.RoleArn!.Value).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(outputs.ExternalId!.Value).toBe(BASE.externalId);
    expect(outputs.TopicArn!.Value).toEqual({ Ref: topicId });
  });
});

describe('cdk-nag', () => {
  it.each([
    ['the defaults, region-agnostic', {}, undefined],
    ['a pinned region', {}, 'eu-central-1'],
    [
      'a named MSP role and an existing topic',
      { mspRunbookStepRoleArn: `arn:aws:iam::${MSP_ACCOUNT}:role/Step`, alarmTopicArn: 'arn:aws:sns:us-east-1:444455556666:t' },
      undefined,
    ],
  ] as const)('has no unacknowledged AwsSolutions finding with %s', (_name, input, region) => {
    expect(nagFindings(onboarding(input, region).stack)).toEqual([]);
  });
});

describe('settings', () => {
  it('applies the defaults', () => {
    expect(parseOnboardingConfig(BASE)).toEqual({
      ...BASE,
      instanceTagKey: 'AlertWhisperer',
      instanceTagValue: 'managed',
      roleName: REMEDIATION_ROLE_PREFIX,
    });
  });

  it.each([
    [{ webhookUrl: WEBHOOK.replace('https:', 'http:') }, /webhookUrl: must be an https:\/\/ URL/],
    [{ webhookUrl: 'not a url' }, /webhookUrl: must be an https:\/\/ URL/],
    [
      { webhookUrl: 'https://api.example.com/v1/webhooks/acme/cloudwatch?api_key=k' },
      /webhookUrl: must be the tenant's CloudWatch webhook/,
    ],
    [{ webhookUrl: 'https://api.example.com/v1/webhooks/cloudwatch' }, /webhookUrl: must carry the tenant's API key as \?api_key=<key>/],
    [{ mspAccountId: '12345' }, /mspAccountId: must be a 12-digit AWS account id/],
    [{ mspAccountId: '1111-2222-3333' }, /mspAccountId: must be a 12-digit AWS account id/],
    [{ roleName: 'RemediationRole' }, /roleName: must start with AlertWhispererRemediation/],
    [{ roleName: `${REMEDIATION_ROLE_PREFIX}/x` }, /roleName: must be an IAM role name/],
    [{ externalId: 'a' }, /externalId: must be 2 to 1224 characters/],
    [{ externalId: 'has space' }, /externalId: must be 2 to 1224 characters/],
    [{ tenantId: '-acme' }, /tenantId: must be a tenant id/],
    [{ instanceTagKey: 'aws:reserved' }, /instanceTagKey: must not start with aws:/],
    [{ instanceTagValue: '' }, /instanceTagValue: must be a tag value/],
    [{ alarmTopicArn: 'ops-alarms' }, /alarmTopicArn: must be an SNS topic ARN/],
    [{ alarmTopicArn: 'arn:aws:sns:us-east-1:444455556666:alarms.fifo' }, /alarmTopicArn: must be a standard topic/],
    [{ mspRunbookStepRoleArn: 'arn:aws:iam::999988887777:role/Step' }, /mspRunbookStepRoleArn: must be a role of the MSP account/],
    [{ mspRunbookStepRoleArn: `arn:aws:iam::${MSP_ACCOUNT}:user/Step` }, /mspRunbookStepRoleArn: must be an IAM role ARN/],
  ] as const)('refuses %j', (change, message) => {
    expect(() => parseOnboardingConfig({ ...BASE, ...change })).toThrow(message);
    // The stack validates the same way before building anything.
    expect(() => onboarding(change)).toThrow(message);
  });

  it('refuses an external id longer than STS allows (1224)', () => {
    expect(() => parseOnboardingConfig({ ...BASE, externalId: 'x'.repeat(1225) })).toThrow(/externalId: must be 2 to 1224 characters/);
  });

  it('accepts every external id STS accepts, such as the ones the MSP generates', () => {
    for (const externalId of ['aw-3q2-7Pz_kD8yLmN0aBcDeFgHiJkLmNoPq', 'a+b=c,d.e@f:g/h-i_j', 'x'.repeat(1224)]) {
      expect(parseOnboardingConfig({ ...BASE, externalId }).externalId).toBe(externalId);
    }
  });

  it('names every missing required setting in one error, reading them from CDK context', () => {
    const app = new App({ context: { tenantId: 'acme', webhookUrl: WEBHOOK, mspAccountId: '' } });
    expect(onboardingInputFromContext(app.node)).toEqual({ tenantId: 'acme', webhookUrl: WEBHOOK });
    expect(() => parseOnboardingConfig(onboardingInputFromContext(app.node))).toThrow(
      'Invalid onboarding settings: mspAccountId: is required; externalId: is required',
    );
    const full = new App({ context: Object.fromEntries(Object.entries(BASE)) });
    expect(parseOnboardingConfig(onboardingInputFromContext(full.node))).toMatchObject(BASE);
    expect(ONBOARDING_KEYS).toEqual(expect.arrayContaining(Object.keys(BASE)));
  });

  it('refuses unknown settings (a misspelt option must not be ignored)', () => {
    expect(() => parseOnboardingConfig({ ...BASE, instanceTag: 'x' })).toThrow(/Unrecognized key/);
    expect(() => synthOnboardingTemplate({ ...BASE, instanceTag: 'x' } as ClientOnboardingInput)).toThrow(/Unrecognized key/);
  });
});

describe('synthOnboardingTemplate', () => {
  it('returns a plain CloudFormation template with the role, deployable without CDK bootstrap', () => {
    const template = synthOnboardingTemplate(BASE) as Record<string, any>;
    const roles = Object.values(template.Resources as Record<string, any>).filter((resource) => resource.Type === 'AWS::IAM::Role');
    expect(roles).toHaveLength(1);
    expect(roles[0].Properties.RoleName).toBe(REMEDIATION_ROLE_PREFIX);
    expect(roles[0].Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'sts:ExternalId': BASE.externalId },
    });
    expect(Object.keys(template.Outputs)).toEqual(expect.arrayContaining(['RoleArn', 'ExternalId', 'TopicArn']));
    expect(template.Parameters).toBeUndefined();
    expect(template.Rules).toBeUndefined();
    expect(JSON.stringify(template)).not.toContain('AWS::CDK::Metadata');
  });

  it('leaves no cloud assembly behind', () => {
    const assemblies = () => readdirSync(tmpdir()).filter((name) => name.startsWith('aw-onboarding-')).length;
    const before = assemblies();
    synthOnboardingTemplate(BASE);
    expect(assemblies()).toBe(before);
  });

  it('throws on invalid settings', () => {
    expect(() => synthOnboardingTemplate({ ...BASE, webhookUrl: 'http://insecure.example.com/v1/webhooks/cloudwatch?api_key=k' })).toThrow(
      /webhookUrl: must be an https:\/\/ URL/,
    );
  });
});
