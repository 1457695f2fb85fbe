import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HTTP_ROUTES, WEBSOCKET_ROUTES } from '../../functions/catalog';
import { HTTP_ROUTE_AUTH, HTTP_THROTTLE } from '../../infra/constructs/http-api';
import { OperatorApi } from '../../infra/constructs/operator-api';
import { Realtime, WEBSOCKET_ROUTE_AUTH } from '../../infra/constructs/realtime';
import { functionId, nagFindings, sharedFixture } from './helpers';

describe('PublicHttpApi', () => {
  it('throttles the default stage for all routes and says how every catalog route authenticates', () => {
    const { stack } = sharedFixture();
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingBurstLimit: HTTP_THROTTLE.burstLimit, ThrottlingRateLimit: HTTP_THROTTLE.rateLimit },
    });
    for (const route of HTTP_ROUTES) expect(HTTP_ROUTE_AUTH[`${route.method} ${route.path}`]).toBeDefined();
    for (const route of WEBSOCKET_ROUTES) expect(WEBSOCKET_ROUTE_AUTH[route.routeKey]).toBeDefined();
  });

  it('limits CORS to the dashboard origin', () => {
    const { stack } = sharedFixture({ stage: 'prod', dashboardOrigin: 'https://dashboard.example.com' });
    const api = Object.values(Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Api'))[0]!;
    expect(api.Properties.CorsConfiguration.AllowOrigins).toEqual(['https://dashboard.example.com']);
  });
});

describe('OperatorApi', () => {
  it('routes /health and /v1/{proxy+} to the api function, which reads the signing key and publishes on the bus', () => {
    const fixture = sharedFixture();
    const stateMachine = sfn.StateMachine.fromStateMachineArn(
      fixture.stack,
      'Runbooks',
      'arn:aws:states:us-east-1:123456789012:stateMachine:x',
    );
    new OperatorApi(fixture.stack, 'OperatorApi', { shared: fixture.shared, httpApi: fixture.httpApi, stateMachine });
    const template = Template.fromStack(fixture.stack);
    expect(fixture.httpApi.unroutedRoutes()).toEqual([
      'POST /v1/webhooks/{source} (ingestWebhook)',
      // The respond and reports functions' routes are their capabilities' (responders.ts, reports.ts), not this construct's.
      ...HTTP_ROUTES.filter((route) => route.function === 'respond' || route.function === 'reports').map(
        (route) => `${route.method} ${route.path} (${route.function})`,
      ),
    ]);
    // One integration per function: the operator API is two (functions/catalog.ts HTTP_ROUTES).
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 2);
    for (const name of ['api', 'adminApi'] as const) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationUri: { 'Fn::GetAtt': [functionId(template, name), 'Arn'] },
      });
    }
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => route.Properties.RouteKey as string);
    expect(routes.sort()).toEqual(
      HTTP_ROUTES.filter((route) => route.function === 'api' || route.function === 'adminApi')
        .map((route) => `${route.method} ${route.path}`)
        .sort(),
    );
    expect(nagFindings(fixture.stack)).toEqual([]);
  });

  it('gives adminApi the table and the signing key only: no bus, no state machine', () => {
    const fixture = sharedFixture();
    const stateMachine = sfn.StateMachine.fromStateMachineArn(
      fixture.stack,
      'Runbooks',
      'arn:aws:states:us-east-1:123456789012:stateMachine:x',
    );
    new OperatorApi(fixture.stack, 'OperatorApi', { shared: fixture.shared, httpApi: fixture.httpApi, stateMachine });
    const template = Template.fromStack(fixture.stack);
    const fn = template.findResources('AWS::Lambda::Function')[functionId(template, 'adminApi')]!;
    expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual(
      ['AUTH_KEYS_SECRET_ARN', 'AW_STAGE', 'NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', 'TABLE_NAME'].sort(),
    );
    const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
    const actions = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((ref) => ref.Ref === role))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>)
      .flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
    expect(actions).toContain('secretsmanager:GetSecretValue');
    expect(actions.filter((action) => action.startsWith('events:') || action.startsWith('states:'))).toEqual([]);
  });
});

describe('Realtime', () => {
  it('owns the WebSocket API, its routes and the fan-out rule on the product bus', () => {
    const fixture = sharedFixture();
    new Realtime(fixture.stack, 'Realtime', { shared: fixture.shared });
    const template = Template.fromStack(fixture.stack);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', WEBSOCKET_ROUTES.length);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: fixture.stack.getLogicalId(fixture.messaging.eventBus.node.defaultChild as never) },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId(template, 'realtimePush'), 'Arn'] } })],
    });
    expect(nagFindings(fixture.stack)).toEqual([]);
  });
});
