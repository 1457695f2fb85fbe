import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat, CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { WEBSOCKET_ROUTES } from '../../functions/catalog';
import { acknowledgeNag, nagRef, nagRegion } from '../nag';
import { createCatalogFunctions, type SharedResources } from './functions';
import { routeAuth } from './http-api';
import { addEventRules } from './triggers';

export interface RealtimeProps {
  shared: SharedResources;
}

/** How each WebSocket route authenticates (see HTTP_ROUTE_AUTH in http-api.ts). */
export const WEBSOCKET_ROUTE_AUTH: Record<string, string> = {
  $connect: 'Browsers cannot set headers on a WebSocket: $connect verifies the access JWT from ?token= and refuses the connection (401).',
  $disconnect: 'Reachable only for a connection that passed $connect; it only deletes that connection.',
  $default: 'Reachable only for a connection that passed $connect; it only answers ping on that connection.',
};

/** JSON access log lines for the WebSocket API (no message bodies, no query string: ?token= is a JWT). */
const WEBSOCKET_ACCESS_LOG = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    eventType: '$context.eventType',
    routeKey: '$context.routeKey',
    connectionId: '$context.connectionId',
    status: '$context.status',
    integrationError: '$context.integrationErrorMessage',
  }),
);

const FUNCTIONS = ['wsConnect', 'wsDisconnect', 'wsDefault', 'realtimePush'] as const;

/**
 * The realtime capability: the WebSocket API dashboards connect to, its connect/disconnect/default
 * functions, and the fan-out of every domain event on the bus to the connections allowed to see its
 * tenant. Pushes that fail are not retried beyond Lambda's own retries: a dashboard refetches on reconnect.
 */
export class Realtime extends Construct {
  readonly webSocketApi: apigwv2.WebSocketApi;
  readonly webSocketStage: apigwv2.WebSocketStage;
  readonly functions: Record<(typeof FUNCTIONS)[number], NodejsFunction>;

  constructor(scope: Construct, id: string, props: RealtimeProps) {
    super(scope, id);
    const { shared } = props;

    this.webSocketApi = new apigwv2.WebSocketApi(this, 'WebSocketApi', {
      description: `Alert Whisperer (${shared.stage}) live updates`,
      routeSelectionExpression: '$request.body.action',
    });
    this.webSocketStage = new apigwv2.WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: this.webSocketApi,
      stageName: shared.stage,
      autoDeploy: true,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(
          new logs.LogGroup(this, 'WebSocketAccessLogs', {
            retention: logs.RetentionDays.ONE_MONTH,
            removalPolicy: shared.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
          }),
        ),
        format: WEBSOCKET_ACCESS_LOG,
      },
    });

    // WebSocket (unlike HTTP API) stages log through the account's API Gateway CloudWatch role: a stage
    // with access logs fails to deploy until the account names one. The setting is per account and
    // region; the role is retained so that the setting never points at a deleted role.
    const logsRole = new iam.Role(this, 'ApiGatewayCloudWatchRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
    });
    logsRole.applyRemovalPolicy(RemovalPolicy.RETAIN);
    acknowledgeNag(
      logsRole,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'The AWS-managed policy API Gateway documents for its account-level CloudWatch role; it is assumable by API Gateway only.',
    );
    const account = new CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: logsRole.roleArn });
    this.webSocketStage.node.addDependency(account);

    const base = { TABLE_NAME: shared.table.tableName, AW_STAGE: shared.stage };
    this.functions = createCatalogFunctions(
      this,
      FUNCTIONS,
      {
        realtime: { ...base, WS_MANAGEMENT_ENDPOINT: this.webSocketStage.callbackUrl },
        // `$connect` alone checks access tokens, so only it reads the signing key.
        realtimeConnect: { ...base, AUTH_KEYS_SECRET_ARN: shared.authKeys.secretArn },
      },
      shared,
    );

    for (const route of WEBSOCKET_ROUTES) {
      const created = this.webSocketApi.addRoute(route.routeKey, {
        integration: new WebSocketLambdaIntegration(`${route.function}Integration`, this.function(route.function)),
      });
      acknowledgeNag(created, 'AwsSolutions-APIG4', routeAuth(WEBSOCKET_ROUTE_AUTH, route.routeKey));
    }

    // $default answers on the socket it came from; realtimePush fans domain events out to dashboards.
    for (const name of ['wsDefault', 'realtimePush'] as const) {
      const fn = this.functions[name];
      this.webSocketStage.grantManagementApiAccess(fn);
      // The grant lands on the function's role, a sibling of the function in the tree.
      acknowledgeNag(
        fn.role ?? fn,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${nagRegion(this)}:<AWS::AccountId>:${nagRef(this.webSocketApi)}/${this.webSocketStage.stageName}/*/@connections/*]`,
        'Connection ids are created at runtime; the grant is limited to this API, this stage and the @connections path.',
      );
    }

    addEventRules(this, this.functions, shared.eventBus);
  }

  private function(name: string): NodejsFunction {
    const fn = (this.functions as Record<string, NodejsFunction>)[name];
    if (!fn) throw new Error(`WebSocket route function '${name}' is not a realtime function`);
    return fn;
  }
}
