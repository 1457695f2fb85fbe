import { Match, Template } from 'aws-cdk-lib/assertions';
import { Responders } from '../../infra/constructs/responders';
import { parseConfig } from '../../infra/config';
import { functionId, nagFindings, sharedFixture } from './helpers';

const IDENTITY = 'arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-0123456789abcdef';

function responders(smsVoice: { originationIdentityArn?: string; configurationSetName?: string; monthlyCap?: number } = {}) {
  const fixture = sharedFixture();
  new Responders(fixture.stack, 'Responders', {
    shared: fixture.shared,
    httpApi: fixture.httpApi,
    smsVoice,
    slackAppSecretName: 'aw/slack-app',
  });
  return { ...fixture, template: Template.fromStack(fixture.stack) };
}

function statementsOfFunction(template: Template, name: 'respond'): Record<string, any>[] {
  const fn = template.findResources('AWS::Lambda::Function')[functionId(template, name)] as Record<string, any>;
  const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(role))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, any>[]);
}

describe('Responders', () => {
  it('sends SMS and voice from the configured identity and configuration set only', () => {
    const { template } = responders({ originationIdentityArn: IDENTITY, configurationSetName: 'aw-pages', monthlyCap: 200 });
    const send = statementsOfFunction(template, 'respond').filter((st) => JSON.stringify(st.Action).includes('sms-voice'));
    expect(send).toHaveLength(1);
    expect(send[0]!.Action).toEqual(['sms-voice:SendTextMessage', 'sms-voice:SendVoiceMessage']);
    expect(JSON.stringify(send[0]!.Resource)).toContain(IDENTITY);
    expect(JSON.stringify(send[0]!.Resource)).toContain(':configuration-set/aw-pages');
    expect(JSON.stringify(send[0]!.Resource)).not.toContain('*');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ SMS_ORIGINATION_IDENTITY: IDENTITY, SMS_CONFIGURATION_SET: 'aw-pages', SMS_MONTHLY_CAP: '200' }),
      },
    });
  });

  it('grants no End User Messaging action when no identity is configured', () => {
    const { template } = responders();
    expect(JSON.stringify(statementsOfFunction(template, 'respond'))).not.toContain('sms-voice');
  });

  it('takes SMS replies from an SNS topic only End User Messaging of this account publishes to, over TLS', () => {
    const { template } = responders();
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda' });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'sms-voice.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('reads the Slack app secret it is given, and passes no secret in its environment', () => {
    const { template } = responders();
    const reads = statementsOfFunction(template, 'respond').filter((st) =>
      JSON.stringify(st.Action).includes('secretsmanager:GetSecretValue'),
    );
    expect(JSON.stringify(reads)).toContain('secret:aw/slack-app');
    const fn = template.findResources('AWS::Lambda::Function')[functionId(template, 'respond')] as Record<string, any>;
    expect(Object.keys(fn.Properties.Environment.Variables)).not.toEqual(
      expect.arrayContaining(['SLACK_CLIENT_SECRET', 'SLACK_SIGNING_SECRET']),
    );
  });

  it("records End User Messaging's delivery statuses from the default bus", () => {
    const { template } = responders();
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as Array<Record<string, any>>;
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.EventBusName).toBeUndefined();
    expect(rules[0]!.Properties.EventPattern).toEqual({
      source: ['aws.sms-voice'],
      'detail-type': ['Text Message Delivery Status Updated', 'Voice Message Delivery Status Updated'],
    });
  });

  it('passes cdk-nag with named acknowledgements only', () => {
    const { stack } = responders({ originationIdentityArn: IDENTITY });
    expect(nagFindings(stack)).toEqual([]);
  });

  it('refuses an origination identity that is not an End User Messaging ARN', () => {
    expect(() => parseConfig({ smsOriginationIdentityArn: '+15555550100' })).toThrow(/smsOriginationIdentityArn/);
    expect(parseConfig({ smsOriginationIdentityArn: IDENTITY }).smsOriginationIdentityArn).toBe(IDENTITY);
  });
});
