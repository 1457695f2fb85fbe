import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HTTP_ROUTES, type FunctionName, type HttpMethod } from '../../functions/catalog';
import type { Stage } from '../config';
import { acknowledgeNag } from '../nag';
import type { Monitoring } from './monitoring';

export interface PublicHttpApiProps {
  stage: Stage;
  /** Allowed CORS origin for the dashboard ('*' in dev). */
  corsOrigin: string;
  monitoring: Monitoring;
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
 * Stage-wide throttling (every route, all clients together). Steady 100 requests/s with bursts of 200:
 * about 8.6 million webhook deliveries a day, far above a large MSP's flood, and a cap on what a runaway
 * sender or an attack can cost. Per-tenant limits (429 with Retry-After) are enforced by the handlers.
 */
export const HTTP_THROTTLE = { rateLimit: 100, burstLimit: 200 } as const;

/**
 * How each route authenticates. API Gateway authorizers are not used: the handlers do it themselves
 * (per-tenant API keys with optional HMAC, JWTs verified with the key set in Secrets Manager), so a
 * route without an entry here fails the synth until someone says how.
 */
export const HTTP_ROUTE_AUTH: Record<string, string> = {
  'GET /health': 'Public health probe: reads one fixed key (MSP#HEALTH) and returns status, stage and time, never tenant data.',
  'POST /v1/webhooks/{source}':
    "Monitoring tools cannot send JWTs: the handler authenticates the tenant's API key (hashed lookup), optional HMAC-SHA256 signature or SNS message signature.",
  'ANY /v1/{proxy+}':
    'The api function verifies the access JWT (jose: issuer, audience, key id) and the role on every route; login checks the password (scrypt).',
  'GET /v1/assets/unresolved': 'The api function verifies the access JWT (jose: issuer, audience, key id) and the role (asset.read).',
  // The set-up routes of the operator API (functions/catalog.ts): same token checks, in the other function.
  ...Object.fromEntries(
    HTTP_ROUTES.filter((route) => route.function === 'adminApi').map((route) => [
      `${route.method} ${route.path}`,
      'The adminApi function verifies the access JWT (jose: issuer, audience, key id) and the role on every route.',
    ]),
  ),
  'ANY /a/{token}':
    "A one-tap action link: the token is an HMAC (derived from the JWT key set) checked in constant time before any read, bound to one recipient and incident, single-use per action, 24 h, void once the recipient's access changes.",
  'ANY /slack/{proxy+}':
    "Slack's requests: interactions carry Slack's v0 HMAC signature of the raw body (signing secret, 5-minute window); the OAuth callback carries a signed, 10-minute install state.",
  'ANY /v1/me/phone':
    'The respond function verifies the access JWT (jose: issuer, audience, key id): the caller acts on their own phone only.',
  'ANY /v1/me/phone/{proxy+}':
    'The respond function verifies the access JWT (jose: issuer, audience, key id): the caller acts on their own phone only.',
  'ANY /v1/integrations/slack-app':
    'The respond function verifies the access JWT (jose: issuer, audience, key id) and the role (settings.read / settings.update).',
  'ANY /v1/integrations/slack-app/{proxy+}':
    'The respond function verifies the access JWT (jose: issuer, audience, key id) and the role (settings.update).',
  // The KPIs, client reports and the MSP's branding (lib/api/report-routes.ts).
  'ANY /v1/kpis':
    'The reports function verifies the access JWT (jose: issuer, audience, key id) and the role on the named company (kpi.read).',
  'ANY /v1/reports':
    'The reports function verifies the access JWT (jose: issuer, audience, key id) and the role on the named company (report.read).',
  'ANY /v1/reports/{proxy+}': 'The reports function verifies the access JWT (jose: issuer, audience, key id) and the role on every route.',
  'ANY /v1/branding':
    'The reports function verifies the access JWT (jose: issuer, audience, key id); changing the branding needs an MSP admin (branding.write).',
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

/** Says how a route authenticates, or fails the synth. */
export function routeAuth(table: Record<string, string>, routeKey: string): string {
  const reason = table[routeKey];
  if (!reason) throw new Error(`Route '${routeKey}' has no authentication entry: say how it authenticates`);
  return reason;
}

/**
 * The public HTTP API that the ingestion and operator API capabilities share: CORS limited to the
 * dashboard's origin, stage throttling, JSON access logs and an alarm on 5xx answers. Each capability
 * adds the catalog's routes for its own functions (`addCatalogRoutes`); the stack fails the synth if a
 * catalog route is left without its function (`unroutedRoutes`).
 *
 * TLS only: API Gateway serves HTTPS alone (no plain-HTTP listener exists). No WAF: HTTP APIs cannot be
 * associated with a web ACL; see docs/deploy.md ("WAF") for the design that would add one.
 */
export class PublicHttpApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  private readonly routed = new Set<string>();

  constructor(scope: Construct, id: string, props: PublicHttpApiProps) {
    super(scope, id);
    const accessLogs = new logs.LogGroup(this, 'HttpAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
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
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: HTTP_THROTTLE,
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs), format: HTTP_ACCESS_LOG },
    });
    props.monitoring.watchHttpApi('HttpApi', this.api);
  }

  /** The catalog's routes no capability has added yet (the stack fails the synth on any). */
  unroutedRoutes(): string[] {
    return HTTP_ROUTES.filter((route) => !this.routed.has(`${route.method} ${route.path}`)).map(
      (route) => `${route.method} ${route.path} (${route.function})`,
    );
  }

  /** Adds the catalog's routes whose function is one of `functions`, one integration per function. */
  addCatalogRoutes(functions: Partial<Record<FunctionName, lambda.IFunction>>): void {
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of HTTP_ROUTES) {
      const fn = functions[route.function];
      if (!fn) continue;
      // One integration per function, shared by its routes (one Lambda permission each, not one per route).
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.function}Integration`, fn);
        integrations.set(route.function, integration);
      }
      const routeKey = `${route.method} ${route.path}`;
      for (const created of this.api.addRoutes({ path: route.path, methods: [METHODS[route.method]], integration })) {
        acknowledgeNag(created, 'AwsSolutions-APIG4', routeAuth(HTTP_ROUTE_AUTH, routeKey));
      }
      this.routed.add(routeKey);
    }
  }
}
