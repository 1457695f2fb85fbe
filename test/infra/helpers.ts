import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FUNCTIONS, type FunctionName } from '../../functions/catalog';
import { parseConfig, type AppConfig, type AppConfigInput } from '../../infra/config';
import { DataStore } from '../../infra/constructs/data';
import { Encryption } from '../../infra/constructs/encryption';
import type { SharedResources } from '../../infra/constructs/functions';
import { PublicHttpApi } from '../../infra/constructs/http-api';
import { Messaging } from '../../infra/constructs/messaging';
import { Monitoring } from '../../infra/constructs/monitoring';
import { AuthKeys } from '../../infra/constructs/secrets';

/** A template resource as the assertions library returns it (Type, Properties, DeletionPolicy...). */
export type Resource = ReturnType<Template['findResources']>[string];

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** An app that skips esbuild bundling: the stack test proves the bundles build once, the others need not. */
export function appWithoutBundling(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

/** The only resource of `type` (fails the test when there are none or several). */
export function only(template: Template, type: string): [string, Resource] {
  const found = Object.entries(template.findResources(type)) as [string, Resource][];
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Logical id of the catalog function `name` (descriptions are unique in the catalog). */
export function functionId(template: Template, name: FunctionName): string {
  const found = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Description: FUNCTIONS[name].description } }));
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Every IAM statement attached to the role of catalog function `name`. */
export function statementsOf(template: Template, name: FunctionName): Record<string, any>[] {
  const fn = template.findResources('AWS::Lambda::Function')[functionId(template, name)] as Resource;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, any>[]);
}

/** cdk-nag AwsSolutions findings not acknowledged in `stack`, one line each. */
export function nagFindings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

export interface SharedFixture {
  stack: Stack;
  config: AppConfig;
  shared: SharedResources;
  encryption: Encryption;
  data: DataStore;
  messaging: Messaging;
  monitoring: Monitoring;
  httpApi: PublicHttpApi;
}

/**
 * A stack with only the shared pieces (key, table, queue and bus, signing key, alarms, HTTP API), built
 * the way AlertWhispererStack builds them, for testing one capability construct on its own.
 */
export function sharedFixture(input: AppConfigInput = {}): SharedFixture {
  const config = parseConfig(input);
  const { stage } = config;
  const stack = new Stack(appWithoutBundling(), 'Fixture', { env: { region: config.region } });
  const encryption = new Encryption(stack, 'Encryption', { stage });
  const data = new DataStore(stack, 'Data', { stage, key: encryption.key });
  const messaging = new Messaging(stack, 'Messaging', { stage });
  const authKeys = new AuthKeys(stack, 'AuthKeys', { stage, key: encryption.key });
  const monitoring = new Monitoring(stack, 'Monitoring', { stage, key: encryption.key, alarmEmail: config.alarmEmail });
  const shared: SharedResources = {
    stage,
    table: data.table,
    alertQueue: messaging.alertQueue,
    eventBus: messaging.eventBus,
    authKeys: authKeys.secret,
    monitoring,
  };
  const httpApi = new PublicHttpApi(stack, 'HttpApi', { stage, corsOrigin: config.corsOrigin, monitoring });
  return { stack, config, shared, encryption, data, messaging, monitoring, httpApi };
}

/** The alarms in `template` whose metric (or math expression) names `dimension` = `value`. */
export function alarmsOn(template: Template, dimension: string, value: unknown): Resource[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((alarm) =>
    JSON.stringify(alarm.Properties).includes(JSON.stringify({ Name: dimension, Value: value })),
  );
}
