import { Duration } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { HTTP_ROUTES, WEBSOCKET_ROUTES, type FunctionName, type HttpMethod } from '../../functions/catalog';
import type { Stage } from '../config';

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
    });

    this.webSocketApi = new apigwv2.WebSocketApi(this, 'WebSocketApi', {
      description: `Alert Whisperer (${props.stage}) live updates`,
      routeSelectionExpression: '$request.body.action',
    });
    this.webSocketStage = new apigwv2.WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: this.webSocketApi,
      stageName: props.stage,
      autoDeploy: true,
    });
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
      this.httpApi.addRoutes({ path: route.path, methods: [METHODS[route.method]], integration });
    }

    for (const route of WEBSOCKET_ROUTES) {
      this.webSocketApi.addRoute(route.routeKey, {
        integration: new WebSocketLambdaIntegration(`${route.function}Integration`, functions[route.function]),
      });
    }

    // $default answers on the socket it came from; realtimePush fans domain events out to dashboards.
    for (const name of ['wsDefault', 'realtimePush'] as const) {
      this.webSocketStage.grantManagementApiAccess(functions[name]);
    }
  }
}
