import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { EVENT_RULES, SCHEDULES, type FunctionName } from '../../functions/catalog';

/**
 * The catalog's EventBridge rules whose function is one of `functions`, created in `scope` (the
 * capability that owns the function), on the product bus or the account's default bus as the catalog
 * says. `targetOptions` adds per-function delivery settings (a dead-letter queue, retries).
 */
export function addEventRules(
  scope: Construct,
  functions: Partial<Record<FunctionName, lambda.IFunction>>,
  eventBus: events.IEventBus,
  targetOptions: Partial<Record<FunctionName, targets.LambdaFunctionProps>> = {},
): events.Rule[] {
  return EVENT_RULES.flatMap((rule) => {
    const fn = functions[rule.function];
    if (!fn) return [];
    return [
      new events.Rule(scope, rule.id, {
        // Without a bus, the rule is on the account's default bus.
        ...(rule.bus === 'product' ? { eventBus } : {}),
        description: rule.description,
        eventPattern: {
          source: rule.pattern.source,
          detailType: rule.pattern['detail-type'],
          ...(rule.pattern.detail ? { detail: rule.pattern.detail } : {}),
        },
        targets: [new targets.LambdaFunction(fn, targetOptions[rule.function])],
      }),
    ];
  });
}

/**
 * The catalog's schedules whose function is one of `functions`: EventBridge rules with `rate(N minutes)`
 * on the account's default bus (EventBridge allows schedules nowhere else).
 */
export function addSchedules(scope: Construct, functions: Partial<Record<FunctionName, lambda.IFunction>>): events.Rule[] {
  return SCHEDULES.flatMap((schedule) => {
    const fn = functions[schedule.function];
    if (!fn) return [];
    return [
      new events.Rule(scope, schedule.id, {
        description: schedule.description,
        schedule: events.Schedule.rate(Duration.minutes(schedule.everyMinutes)),
        targets: [new targets.LambdaFunction(fn)],
      }),
    ];
  });
}
