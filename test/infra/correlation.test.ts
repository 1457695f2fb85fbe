import { Template } from 'aws-cdk-lib/assertions';
import { ALERT_QUEUE, SCHEDULES } from '../../functions/catalog';
import { Correlation, CORRELATE_MAX_CONCURRENCY } from '../../infra/constructs/correlation';
import { alarmsOn, functionId, nagFindings, sharedFixture } from './helpers';

function correlation() {
  const fixture = sharedFixture();
  const construct = new Correlation(fixture.stack, 'Correlation', {
    shared: fixture.shared,
    alertDeadLetterQueue: fixture.messaging.alertDeadLetterQueue,
  });
  return { ...fixture, construct, template: Template.fromStack(fixture.stack) };
}

describe('Correlation', () => {
  it('consumes the alert queue in batches, reporting item failures, at most 10 invocations at once', () => {
    const { template } = correlation();
    expect(CORRELATE_MAX_CONCURRENCY).toBe(10);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId(template, 'correlate') },
      BatchSize: ALERT_QUEUE.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: CORRELATE_MAX_CONCURRENCY },
    });
    // A maximum concurrency, not a reservation (see CORRELATE_MAX_CONCURRENCY for why).
    const fn = template.findResources('AWS::Lambda::Function')[functionId(template, 'correlate')]!;
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('schedules the settle sweep', () => {
    const { template } = correlation();
    for (const schedule of SCHEDULES.filter((s) => s.function === 'settle')) {
      template.hasResourceProperties('AWS::Events::Rule', { Description: schedule.description, ScheduleExpression: 'rate(1 minute)' });
    }
  });

  it("watches the alert queue's backlog and its dead-letter queue", () => {
    const { template, messaging, stack } = correlation();
    const id = (queue: typeof messaging.alertQueue) => stack.getLogicalId(queue.node.defaultChild as never);
    const backlog = alarmsOn(template, 'QueueName', { 'Fn::GetAtt': [id(messaging.alertQueue), 'QueueName'] });
    expect(backlog.map((a) => a.Properties.MetricName)).toEqual(['ApproximateAgeOfOldestMessage']);
    const deadLetters = alarmsOn(template, 'QueueName', { 'Fn::GetAtt': [id(messaging.alertDeadLetterQueue), 'QueueName'] });
    expect(deadLetters.map((a) => a.Properties.MetricName)).toEqual(['ApproximateNumberOfMessagesVisible']);
  });

  it('passes cdk-nag on its own', () => {
    expect(nagFindings(correlation().stack)).toEqual([]);
  });
});
