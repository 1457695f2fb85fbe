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
    expect(fixture.httpApi.unroutedRoutes()).toEqual(['POST /v1/webhooks/{source} (ingestWebhook)']);
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationUri: { 'Fn::GetAtt': [functionId(template, 'api'), 'Arn'] },
    });
    expect(nagFindings(fixture.stack)).toEqual([]);
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
