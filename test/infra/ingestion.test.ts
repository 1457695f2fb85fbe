import { HTTP_ROUTES } from '../../functions/catalog';
import { Template } from 'aws-cdk-lib/assertions';
import type { AppConfigInput } from '../../infra/config';
import { Ingestion } from '../../infra/constructs/ingestion';
import { alarmsOn, functionId, nagFindings, only, sharedFixture, statementsOf, asList } from './helpers';

function ingestion(input: AppConfigInput = {}) {
  const fixture = sharedFixture(input);
  const construct = new Ingestion(fixture.stack, 'Ingestion', {
    shared: fixture.shared,
    httpApi: fixture.httpApi,
    reservedConcurrency: fixture.config.ingestReservedConcurrency,
  });
  return { ...fixture, construct, template: Template.fromStack(fixture.stack) };
}

const prod = { stage: 'prod', dashboardOrigin: 'https://dashboard.example.com' } as const;

describe('Ingestion', () => {
  it('reserves 50 concurrent webhook executions in prod, none in dev, and what the config says otherwise', () => {
    const reserved = (input: AppConfigInput) => {
      const { template } = ingestion(input);
      const fn = template.findResources('AWS::Lambda::Function')[functionId(template, 'ingestWebhook')]!;
      return fn.Properties.ReservedConcurrentExecutions as number | undefined;
    };
    expect(reserved(prod)).toBe(50);
    expect(reserved({})).toBeUndefined();
    expect(reserved({ ...prod, ingestReservedConcurrency: '0' })).toBeUndefined();
    expect(reserved({ ...prod, ingestReservedConcurrency: '80' })).toBe(80);
    // The alarm-event function is not reserved: EventBridge retries it for a day.
    const { template } = ingestion(prod);
    const alarmFn = template.findResources('AWS::Lambda::Function')[functionId(template, 'ingestAlarmEvent')]!;
    expect(alarmFn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('adds the webhook route only', () => {
    const { template, httpApi } = ingestion();
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /v1/webhooks/{source}' });
    // Every other catalog route is the operator API's (api and adminApi).
    expect(httpApi.unroutedRoutes()).toEqual(
      HTTP_ROUTES.filter((route) => route.function !== 'ingestWebhook').map((route) => `${route.method} ${route.path} (${route.function})`),
    );
  });

  it('sends alarm events that cannot be ingested to a dead-letter queue, from Lambda and from EventBridge, and watches it', () => {
    const { template } = ingestion();
    const dlq = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) => id.startsWith('IngestionAlarmEventDeadLetterQueue'))!;
    const dlqArn = { 'Fn::GetAtt': [dlq, 'Arn'] };
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId(template, 'ingestAlarmEvent') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: dlqArn } },
    });
    const [, rule] = only(template, 'AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual({ source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [functionId(template, 'ingestAlarmEvent'), 'Arn'] },
        DeadLetterConfig: { Arn: dlqArn },
        RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
      }),
    ]);
    // The function may send its failures there; EventBridge may too, from this rule only.
    const sends = statementsOf(template, 'ingestAlarmEvent').filter((st) => asList(st.Action).includes('sqs:SendMessage'));
    expect(sends.map((st) => JSON.stringify(st.Resource))).toContain(JSON.stringify(dlqArn));
    expect(alarmsOn(template, 'QueueName', { 'Fn::GetAtt': [dlq, 'QueueName'] })).toHaveLength(1);
  });

  it('passes cdk-nag on its own', () => {
    expect(nagFindings(ingestion(prod).stack)).toEqual([]);
  });
});
