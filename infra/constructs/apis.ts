import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat, CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HTTP_ROUTES, WEBSOCKET_ROUTES, type FunctionName, type HttpMethod } from '../../functions/catalog';
import type { Stage } from '../config';
import { acknowledgeNag, nagRef } from '../nag';

export interface ApisProps {
  stage: Stage;
  /** Allowed CORS origin for the dashboard ('*' in dev). */
  corsOrigin: string;
}

const METHODS: Record<HttpMethod, apigwv2.HttpMethod> = {
  GET: apigwv2.HttpMethod.GET,
  POST: apigwv2.HttpMethod.POST,
  PUT: apigwv2.HttpMethod.PUT,
  PATCH: apigwv2.HttpMethod.PATCH,
  DELETE: apigwv2.HttpMethod.DELETE,
  ANY: apigwv2.HttpMethod.ANY,
};

/**
 * How each route authenticates. API Gateway authorizers are not used: the handlers do it themselves
 * (per-tenant API keys with optional HMAC, JWTs verified with the key set in Secrets Manager), so a
 * route without an entry here fails the cdk-nag check (AwsSolutions-APIG4) until someone says how.
 */
const ROUTE_AUTH: Record<string, string> = {
  'GET /health': 'Public health probe: reads one fixed key (MSP#HEALTH) and returns status, stage and time, never tenant data.',
  'POST /v1/webhooks/{source}':
    "Monitoring tools cannot send JWTs: the handler authenticates the tenant's API key (hashed lookup), optional HMAC-SHA256 signature or SNS message signature.",
  'ANY /v1/{proxy+}':
    'The api function verifies the access JWT (jose: issuer, audience, key id) and the role on every route; login checks the password (scrypt).',
  $connect: 'Browsers cannot set headers on a WebSocket: $connect verifies the access JWT from ?token= and refuses the connection (401).',
  $disconnect: 'Reachable only for a connection that passed $connect; it only deletes that connection.',
  $default: 'Reachable only for a connection that passed $connect; it only answers ping on that connection.',
};

/** JSON access log lines for the HTTP API. No query string: webhooks may carry api_key there. */
const HTTP_ACCESS_LOG = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    method: '$context.httpMethod',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationError: '$context.integrationErrorMessage',
  }),
);

/** JSON access log lines for the WebSocket API (no message bodies, no query string). */
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

function routeAuth(routeKey: string): string {
  const reason = ROUTE_AUTH[routeKey];
  if (!reason) throw new Error(`Route '${routeKey}' has no entry in ROUTE_AUTH: say how it authenticates`);
  return reason;
}

/**
 * The HTTP API (webhooks, auth, operator API) and the WebSocket API (live dashboard updates).
 * Both exist before the functions, because the realtime functions need the WebSocket stage's
 * management endpoint; `connect` adds the routes once the functions exist.
 */
export class Apis extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly httpStage: apigwv2.HttpStage;
  readonly webSocketApi: apigwv2.WebSocketApi;
  readonly webSocketStage: apigwv2.WebSocketStage;

  constructor(scope: Construct, id: string, props: ApisProps) {
    super(scope, id);
    const accessLogs = (name: string): logs.LogGroup =>
      new logs.LogGroup(this, name, {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: props.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: `Alert Whisperer (${props.stage}) webhooks and operator API`,
      corsPreflight: {
        allowOrigins: [props.corsOrigin],
        allowMethods: [apigwv2.CorsHttpMethod.ANY],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-api-key', 'x-signature', 'x-timestamp'],
        maxAge: Duration.hours(1),
      },
      // The default stage is added below so that it can carry throttling settings.
      createDefaultStage: false,
    });
    this.httpStage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { burstLimit: 200, rateLimit: 100 },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs('HttpAccessLogs')), format: HTTP_ACCESS_LOG },
    });

    this.webSocketApi = new apigwv2.WebSocketApi(this, 'WebSocketApi', {
      description: `Alert Whisperer (${props.stage}) live updates`,
      routeSelectionExpression: '$request.body.action',
    });
    this.webSocketStage = new apigwv2.WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: this.webSocketApi,
      stageName: props.stage,
      autoDeploy: true,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs('WebSocketAccessLogs')),
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
  }

  /** Adds the catalog's routes and lets the WebSocket functions post to connections. */
  connect(functions: Record<FunctionName, lambda.IFunction>): void {
    // One integration per function, shared by its routes (one Lambda permission each, not one per route).
    const httpIntegrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of HTTP_ROUTES) {
      let integration = httpIntegrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.function}Integration`, functions[route.function]);
        httpIntegrations.set(route.function, integration);
      }
      for (const created of this.httpApi.addRoutes({ path: route.path, methods: [METHODS[route.method]], integration })) {
        acknowledgeNag(created, 'AwsSolutions-APIG4', routeAuth(`${route.method} ${route.path}`));
      }
    }

    for (const route of WEBSOCKET_ROUTES) {
      const created = this.webSocketApi.addRoute(route.routeKey, {
        integration: new WebSocketLambdaIntegration(`${route.function}Integration`, functions[route.function]),
      });
      acknowledgeNag(created, 'AwsSolutions-APIG4', routeAuth(route.routeKey));
    }

    // $default answers on the socket it came from; realtimePush fans domain events out to dashboards.
    for (const name of ['wsDefault', 'realtimePush'] as const) {
      this.webSocketStage.grantManagementApiAccess(functions[name]);
      // The grant lands on the function's role, a sibling of the function in the tree.
      acknowledgeNag(
        functions[name].role ?? functions[name],
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:${nagRef(this.webSocketApi)}/${this.webSocketStage.stageName}/*/@connections/*]`,
        'Connection ids are created at runtime; the grant is limited to this API, this stage and the @connections path.',
      );
    }
  }
}
