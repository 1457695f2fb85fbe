// AW_FAULTS parsing and the injector's choices: which calls each fault may fail, and how often it does.
import { FAULT_NAMES, FaultInjector, identifyCall, mulberry32, parseFaults } from '../../local/aws/faults';

describe('parseFaults', () => {
  test('an empty or missing spec is no faults', () => {
    expect(parseFaults(undefined)).toEqual({ fractions: {} });
    expect(parseFaults('')).toEqual({ fractions: {} });
    expect(parseFaults('  ')).toEqual({ fractions: {} });
  });

  test('every fault name with a fraction, and an optional seed', () => {
    expect(parseFaults('eventbridge:0.3,sqs-send:0.1,scheduler:0.2,ses:0.5,ddb-throttle:0.05')).toEqual({
      fractions: { eventbridge: 0.3, 'sqs-send': 0.1, scheduler: 0.2, ses: 0.5, 'ddb-throttle': 0.05 },
    });
    expect(parseFaults(' ddb-error:1 , sfn:0 , seed:42 ')).toEqual({ fractions: { 'ddb-error': 1, sfn: 0 }, seed: 42 });
    expect(parseFaults('ses:.25,seed:-7')).toEqual({ fractions: { ses: 0.25 }, seed: -7 });
    expect(parseFaults('ses:1.0,sfn:0.')).toEqual({ fractions: { ses: 1, sfn: 0 } });
  });

  test.each([
    ['an unknown name', 'kinesis:0.1', /unknown fault "kinesis" in "kinesis:0.1"/],
    ['a missing fraction', 'ses', /a missing value in "ses"/],
    ['an empty fraction', 'ses:', /a missing value in "ses:"/],
    ['a fraction above 1', 'ses:1.5', /the fraction "1.5" is not a number in \[0, 1\]/],
    ['a negative fraction', 'ses:-0.1', /the fraction "-0.1"/],
    ['a fraction that is not a number', 'ses:half', /the fraction "half"/],
    ['an exponent', 'ses:1e-1', /the fraction "1e-1"/],
    ['an extra colon', 'ses:0.1:2', /more than one ":" in "ses:0.1:2"/],
    ['a duplicate name', 'ses:0.1,eventbridge:0.2,ses:0.3', /fault "ses" given twice in "ses:0.3"/],
    ['an empty entry', 'ses:0.1,,sfn:0.2', /an empty entry/],
    ['a seed that is not an integer', 'seed:1.5', /the seed "1.5" is not an integer/],
    ['two seeds', 'seed:1,seed:2', /seed given twice/],
  ])('refuses %s, naming the bad part and the valid names', (_why, spec, message) => {
    expect(() => parseFaults(spec)).toThrow(message);
    expect(() => parseFaults(spec)).toThrow(`valid names: ${FAULT_NAMES.join(', ')}`);
  });
});

describe('FaultInjector', () => {
  const put = { service: 'dynamodb', operation: 'PutItem' } as const;

  test('0 never fails a call, 1 always does', () => {
    const never = new FaultInjector(parseFaults('ddb-throttle:0,seed:1'));
    const always = new FaultInjector(parseFaults('ddb-throttle:1,seed:1'));
    for (let i = 0; i < 1000; i++) {
      expect(never.decide(put)).toBeUndefined();
      expect(always.decide(put)).toBe('ddb-throttle');
    }
    expect(never.counts()).toEqual({ 'ddb-throttle': { calls: 1000, injected: 0 } });
    expect(always.counts()).toEqual({ 'ddb-throttle': { calls: 1000, injected: 1000 } });
  });

  test('0.3 fails about 30% of 10,000 calls, the same ones for the same seed', () => {
    const run = (seed: number) => {
      const injector = new FaultInjector(parseFaults(`sqs-send:0.3,seed:${seed}`));
      return Array.from({ length: 10_000 }, () => injector.decide({ service: 'sqs', operation: 'SendMessage' }) === 'sqs-send');
    };
    const first = run(7);
    const failed = first.filter(Boolean).length;
    expect(failed).toBeGreaterThan(2_800);
    expect(failed).toBeLessThan(3_200);
    expect(run(7)).toEqual(first);
    expect(run(8)).not.toEqual(first);
  });

  test('only the calls a fault names are eligible; control-plane and stream calls never are', () => {
    const injector = new FaultInjector(parseFaults('eventbridge:1,sqs-send:1,scheduler:1,ses:1,ddb-throttle:1,sfn:1'));
    const calls: Array<[string, string, string | undefined]> = [
      ['dynamodb', 'TransactWriteItems', 'ddb-throttle'],
      ['dynamodb', 'BatchGetItem', 'ddb-throttle'],
      ['dynamodb', 'CreateTable', undefined],
      ['dynamodb', 'DescribeTable', undefined],
      ['dynamodb', 'UpdateTimeToLive', undefined],
      ['sqs', 'SendMessageBatch', 'sqs-send'],
      ['sqs', 'ReceiveMessage', undefined],
      ['sqs', 'DeleteMessage', undefined],
      ['events', 'PutEvents', 'eventbridge'],
      ['scheduler', 'DeleteSchedule', 'scheduler'],
      ['scheduler', 'GetSchedule', undefined],
      ['ses', 'SendEmail', 'ses'],
      ['sfn', 'SendTaskFailure', 'sfn'],
      ['sfn', 'DescribeExecution', undefined],
    ];
    for (const [service, operation, expected] of calls)
      expect([service, operation, injector.decide({ service: service as never, operation })]).toEqual([service, operation, expected]);
    expect(injector.counts()).toEqual({
      eventbridge: { calls: 1, injected: 1 },
      'sqs-send': { calls: 1, injected: 1 },
      scheduler: { calls: 1, injected: 1 },
      ses: { calls: 1, injected: 1 },
      'ddb-throttle': { calls: 2, injected: 2 },
      sfn: { calls: 1, injected: 1 },
    });
  });

  test('a DynamoDB call is offered to ddb-throttle first, then to ddb-error', () => {
    const injector = new FaultInjector(parseFaults('ddb-throttle:0.5,ddb-error:1,seed:3'));
    const outcomes = Array.from({ length: 1000 }, () => injector.decide(put));
    expect(new Set(outcomes)).toEqual(new Set(['ddb-throttle', 'ddb-error']));
    const { 'ddb-throttle': throttle, 'ddb-error': error } = injector.counts();
    expect(throttle!.calls).toBe(1000);
    expect(error!.calls).toBe(1000 - throttle!.injected);
    expect(error!.injected).toBe(error!.calls);
  });

  test('mulberry32 is uniform in [0, 1)', () => {
    const random = mulberry32(123);
    const values = Array.from({ length: 10_000 }, random);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((sum, value) => sum + value, 0) / values.length).toBeCloseTo(0.5, 1);
  });
});

describe('identifyCall', () => {
  test('JSON protocols by their target header, REST-JSON by method and path', () => {
    const target = (value: string) => identifyCall('POST', '/', { 'x-amz-target': value });
    expect(target('DynamoDB_20120810.PutItem')).toEqual({ service: 'dynamodb', operation: 'PutItem' });
    expect(target('DynamoDBStreams_20120810.GetRecords')).toEqual({ service: 'dynamodbstreams', operation: 'GetRecords' });
    expect(target('AmazonSQS.SendMessage')).toEqual({ service: 'sqs', operation: 'SendMessage' });
    expect(target('AWSEvents.PutEvents')).toEqual({ service: 'events', operation: 'PutEvents' });
    expect(target('AWSStepFunctions.StartExecution')).toEqual({ service: 'sfn', operation: 'StartExecution' });
    expect(target('AmazonSSM.GetParameter')).toBeUndefined();
    expect(identifyCall('POST', '/schedules/sla-1', {})).toEqual({ service: 'scheduler', operation: 'CreateSchedule' });
    expect(identifyCall('PUT', '/schedules/sla-1', {})).toEqual({ service: 'scheduler', operation: 'UpdateSchedule' });
    expect(identifyCall('DELETE', '/schedules/sla-1?groupName=g&clientToken=t', {})).toEqual({
      service: 'scheduler',
      operation: 'DeleteSchedule',
    });
    expect(identifyCall('GET', '/schedules?NamePrefix=x', {})).toEqual({ service: 'scheduler', operation: 'ListSchedules' });
    expect(identifyCall('POST', '/v2/email/outbound-emails', {})).toEqual({ service: 'ses', operation: 'SendEmail' });
    expect(identifyCall('GET', '/store', {})).toBeUndefined();
  });
});
