import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { FUNCTIONS, type FunctionName } from '../functions/catalog';
import type { AppConfig } from './config';
import { Automation } from './constructs/automation';
import { Correlation } from './constructs/correlation';
import { Dashboard } from './constructs/dashboard';
import { DataStore } from './constructs/data';
import { Encryption } from './constructs/encryption';
import { EventDelivery } from './constructs/event-delivery';
import type { SharedResources } from './constructs/functions';
import { PublicHttpApi } from './constructs/http-api';
import { Ingestion } from './constructs/ingestion';
import { Messaging } from './constructs/messaging';
import { Monitoring } from './constructs/monitoring';
import { ObservabilityDashboard } from './constructs/observability-dashboard';
import { OperatorApi } from './constructs/operator-api';
import { Realtime } from './constructs/realtime';
import { Responders } from './constructs/responders';
import { Reports } from './constructs/reports';
import { SlaNotifications } from './constructs/sla';
import { AuthKeys } from './constructs/secrets';

export interface AlertWhispererStackProps extends StackProps {
  config: AppConfig;
}

/**
 * Composes the capabilities. The shared pieces come first (key, table, queue and bus, signing key,
 * alarms, the dashboard's distribution, the public HTTP API); then each capability creates its own
 * functions, triggers, grants and alarms. The wiring between them lives in the constructs; this class
 * only passes objects along.
 */
export class AlertWhispererStack extends Stack {
  /** Every catalog function, by catalog name. */
  readonly functions: Record<FunctionName, NodejsFunction>;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: AlertWhispererStackProps) {
    // The region from the config (validated), the account left to deploy time.
    super(scope, id, { ...props, env: { region: props.config.region, ...props.env } });
    const { config } = props;
    const { stage } = config;

    const { key } = new Encryption(this, 'Encryption', { stage });
    const data = new DataStore(this, 'Data', { stage, key });
    const messaging = new Messaging(this, 'Messaging', { stage });
    const authKeys = new AuthKeys(this, 'AuthKeys', { stage, key });
    this.monitoring = new Monitoring(this, 'Monitoring', { stage, key, alarmEmail: config.alarmEmail });
    const shared: SharedResources = {
      stage,
      table: data.table,
      alertQueue: messaging.alertQueue,
      eventBus: messaging.eventBus,
      authKeys: authKeys.secret,
      monitoring: this.monitoring,
    };
    // The dashboard first: its URL is the HTTP API's CORS origin (unless dashboardOrigin names another)
    // and the link in notifications; its files and config.json are deployed once the APIs exist (below).
    const dashboard = new Dashboard(this, 'Dashboard', { stage, webAclArn: config.dashboardWebAclArn });
    const dashboardUrl = config.dashboardOrigin ?? dashboard.url;
    const httpApi = new PublicHttpApi(this, 'HttpApi', { stage, corsOrigin: dashboardUrl, monitoring: this.monitoring });

    const ingestion = new Ingestion(this, 'Ingestion', { shared, httpApi, reservedConcurrency: config.ingestReservedConcurrency });
    const correlation = new Correlation(this, 'Correlation', { shared, alertDeadLetterQueue: messaging.alertDeadLetterQueue });
    const automation = new Automation(this, 'Automation', { shared, bedrockModelId: config.bedrockModelId });
    const smsVoice = {
      ...(config.smsOriginationIdentityArn ? { originationIdentityArn: config.smsOriginationIdentityArn } : {}),
      ...(config.smsConfigurationSetName ? { configurationSetName: config.smsConfigurationSetName } : {}),
      ...(config.smsMonthlyCap !== undefined ? { monthlyCap: config.smsMonthlyCap } : {}),
    };
    const slaNotifications = new SlaNotifications(this, 'SlaNotifications', {
      shared,
      sesSender: config.sesSender,
      dashboardUrl,
      actionLinkBaseUrl: httpApi.stage.url,
      smsVoice,
    });
    const responders = new Responders(this, 'Responders', {
      shared,
      httpApi,
      smsVoice,
      ...(config.slackAppSecretName ? { slackAppSecretName: config.slackAppSecretName } : {}),
    });
    const operatorApi = new OperatorApi(this, 'OperatorApi', { shared, httpApi, stateMachine: automation.stateMachine });
    const reports = new Reports(this, 'Reports', { shared, httpApi, sesSender: config.sesSender });
    const realtime = new Realtime(this, 'Realtime', { shared });
    const eventDelivery = new EventDelivery(this, 'EventDelivery', { shared });
    // config.json tells the dashboard where the APIs are (resolved at deploy time, not baked into the build).
    dashboard.deploy(httpApi.stage.url, realtime.webSocketStage.url);
    // Still to come: custom domains (config.domain) for the dashboard and the API, and a WAF web ACL in
    // front of the API (docs/deploy.md, "WAF").

    this.functions = {
      ...ingestion.functions,
      ...correlation.functions,
      ...automation.functions,
      ...slaNotifications.functions,
      ...responders.functions,
      ...operatorApi.functions,
      ...realtime.functions,
      ...eventDelivery.functions,
      ...reports.functions,
    };
    // The business alarms, then the CloudWatch dashboard: last, once every capability registered what it owns.
    this.monitoring.watchBusinessMetrics();
    const observability = new ObservabilityDashboard(this, 'Observability', { stage, monitoring: this.monitoring });

    const missing = Object.keys(FUNCTIONS).filter((name) => !(name in this.functions));
    if (missing.length) throw new Error(`Catalog functions created by no capability: ${missing.join(', ')}`);
    const unrouted = httpApi.unroutedRoutes();
    if (unrouted.length) throw new Error(`HTTP routes added by no capability: ${unrouted.join(', ')}`);

    new CfnOutput(this, 'DashboardUrl', { value: dashboard.url });
    new CfnOutput(this, 'HttpApiUrl', { value: httpApi.stage.url });
    new CfnOutput(this, 'InboundSmsTopicArn', { value: responders.inboundSmsTopic.topicArn });
    new CfnOutput(this, 'WebSocketUrl', { value: realtime.webSocketStage.url });
    new CfnOutput(this, 'TableName', { value: data.table.tableName });
    new CfnOutput(this, 'AlertQueueUrl', { value: messaging.alertQueue.queueUrl });
    new CfnOutput(this, 'EventBusName', { value: messaging.eventBus.eventBusName });
    new CfnOutput(this, 'RunbookStateMachineArn', { value: automation.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'CloudWatchDashboardName', { value: observability.dashboard.dashboardName });
  }
}
