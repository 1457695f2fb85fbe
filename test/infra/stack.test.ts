import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ALERT_QUEUE, EVENT_RULES, FUNCTIONS, HTTP_ROUTES, WEBSOCKET_ROUTES, type FunctionName } from '../../functions/catalog';
import { ENV_SCHEMAS } from '../../lib/config/env';
import { TABLE } from '../../lib/store/table';
import { parseConfig } from '../../infra/config';
import { AlertWhispererStack } from '../../infra/stack';

/** A template resource as the assertions library returns it (Type, Properties, DeletionPolicy...). */
type Resource = ReturnType<Template['findResources']>[string];

let dev: Template;
let prod: Template;

beforeAll(() => {
  // Synthesize once: bundling the functions with esbuild takes seconds.
  dev = Template.fromStack(new AlertWhispererStack(new App(), 'Dev', { config: parseConfig({ stage: 'dev' }) }));
  // The dev stack already proves the bundles build, so the prod app skips bundling.
  const prodApp = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  prod = Template.fromStack(
    new AlertWhispererStack(prodApp, 'Prod', {
      config: parseConfig({ stage: 'prod', dashboardOrigin: 'https://dashboard.example.com' }),
    }),
  );
});

function only(template: Template, type: string): [string, Resource] {
  const found = Object.entries(template.findResources(type)) as [string, Resource][];
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Logical id of the catalog function `name` (descriptions are unique in the catalog). */
function functionId(template: Template, name: FunctionName): string {
  const found = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Description: FUNCTIONS[name].description } }));
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('config', () => {
  it('defaults to dev with CORS open to any origin', () => {
    expect(parseConfig({})).toMatchObject({ stage: 'dev', corsOrigin: '*' });
  });
  it('rejects an unknown stage and a prod stage without a dashboard origin', () => {
    expect(() => parseConfig({ stage: 'qa' })).toThrow(/stage/);
    expect(() => parseConfig({ stage: 'prod' })).toThrow(/dashboardOrigin/);
  });
});

describe('table', () => {
  it('has the key schema, both GSIs, TTL, PITR and on-demand billing from TABLE', () => {
    const [, table] = only(dev, 'AWS::DynamoDB::GlobalTable');
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ]);
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(
      TABLE.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: TABLE.ttlAttribute, Enabled: true });
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.Replicas[0].PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.Replicas[0].DeletionProtectionEnabled).toBe(false);
    expect(table.DeletionPolicy).toBe('Delete');
  });

  it('is protected from deletion and retained in prod', () => {
    const [, table] = only(prod, 'AWS::DynamoDB::GlobalTable');
    expect(table.Properties.Replicas[0].DeletionProtectionEnabled).toBe(true);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });
});

describe('functions', () => {
  it('creates exactly one function per catalog entry', () => {
    dev.resourceCountIs('AWS::Lambda::Function', Object.keys(FUNCTIONS).length);
  });

  it.each(Object.entries(FUNCTIONS))('%s: Node.js 24 ESM bundle on arm64 with catalog memory and timeout', (_name, spec) => {
    dev.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        Description: spec.description,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: spec.memoryMiB,
        Timeout: spec.timeoutSeconds,
        TracingConfig: { Mode: 'Active' },
      },
      1,
    );
  });

  it.each(Object.keys(FUNCTIONS) as FunctionName[])('%s: environment covers its schema and holds no secret', (name) => {
    const fn = dev.findResources('AWS::Lambda::Function')[functionId(dev, name)] as Resource;
    const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
    const schemaKeys = Object.keys(ENV_SCHEMAS[FUNCTIONS[name].env].shape);
    // Local-only variables (the key file) are not set in AWS.
    for (const key of schemaKeys.filter((k) => k !== 'AUTH_KEYS_FILE')) expect(variables).toHaveProperty(key);
    expect(variables).toMatchObject({ NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'alert-whisperer' });
    expect(variables.TABLE_NAME).toEqual({ Ref: only(dev, 'AWS::DynamoDB::GlobalTable')[0] });

    const [secretId] = only(dev, 'AWS::SecretsManager::Secret');
    if ('AUTH_KEYS_SECRET_ARN' in variables) expect(variables.AUTH_KEYS_SECRET_ARN).toEqual({ Ref: secretId });
    // Only the secret's ARN travels: no variable resolves the secret's value.
    expect(JSON.stringify(variables)).not.toMatch(/resolve:secretsmanager|SecretString/);
  });

  it('generates the signing key in Secrets Manager (no value in the template)', () => {
    const [, secret] = only(dev, 'AWS::SecretsManager::Secret');
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(secret.Properties.GenerateSecretString).toMatchObject({
      SecretStringTemplate: JSON.stringify({ kid: 'dev-1' }),
      GenerateStringKey: 'secret',
      PasswordLength: 64,
    });
  });

  it('grants each function only the extra access its environment implies', () => {
    const policies = Object.values(dev.findResources('AWS::IAM::Policy'));
    /** Names of the catalog functions whose role has a policy allowing `action`. */
    const allowed = (action: string): FunctionName[] =>
      (Object.keys(FUNCTIONS) as FunctionName[]).filter((name) => {
        const fn = dev.findResources('AWS::Lambda::Function')[functionId(dev, name)] as Resource;
        const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
        return policies.some(
          (policy) =>
            JSON.stringify(policy.Properties.Roles).includes(roleId) &&
            JSON.stringify(policy.Properties.PolicyDocument.Statement).includes(`"${action}"`),
        );
      });
    expect(allowed('dynamodb:PutItem')).toEqual(Object.keys(FUNCTIONS));
    expect(allowed('secretsmanager:GetSecretValue')).toEqual(['api', 'wsConnect', 'wsDisconnect', 'wsDefault', 'realtimePush']);
    expect(allowed('events:PutEvents')).toEqual(['api', 'correlate']);
    expect(allowed('sqs:SendMessage')).toEqual(['ingestWebhook', 'ingestAlarmEvent']);
    expect(allowed('execute-api:ManageConnections')).toEqual(['wsDefault', 'realtimePush']);
  });

  it('keeps one month of logs per function', () => {
    dev.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, Object.keys(FUNCTIONS).length);
  });
});

describe('messaging', () => {
  it('redrives the alert queue to its dead-letter queue', () => {
    const queues = dev.findResources('AWS::SQS::Queue');
    const [dlqId] = Object.entries(queues).find(([, q]) => !q.Properties.RedrivePolicy)!;
    dev.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: ALERT_QUEUE.visibilityTimeoutSeconds,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: ALERT_QUEUE.maxReceiveCount },
    });
  });

  it('feeds the consumer in batches with partial batch failures', () => {
    dev.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId(dev, ALERT_QUEUE.consumer) },
      BatchSize: ALERT_QUEUE.batchSize,
      MaximumBatchingWindowInSeconds: ALERT_QUEUE.maxBatchingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it.each(EVENT_RULES.map((rule) => [rule.id, rule] as const))('rule %s targets its function on its bus', (_id, rule) => {
    const [busId] = only(dev, 'AWS::Events::EventBus');
    dev.hasResourceProperties('AWS::Events::Rule', {
      // A rule on the default bus names no bus.
      EventBusName: rule.bus === 'product' ? { Ref: busId } : Match.absent(),
      EventPattern: rule.pattern,
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId(dev, rule.function), 'Arn'] } })],
    });
  });
});

describe('apis', () => {
  it('has one route per HTTP_ROUTES and WEBSOCKET_ROUTES entry', () => {
    dev.resourceCountIs('AWS::ApiGatewayV2::Route', HTTP_ROUTES.length + WEBSOCKET_ROUTES.length);
    for (const route of HTTP_ROUTES) {
      dev.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `${route.method} ${route.path}` });
    }
    for (const route of WEBSOCKET_ROUTES) {
      dev.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: route.routeKey });
    }
  });

  it('routes WebSocket actions by $request.body.action on a stage named after the stage', () => {
    dev.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
    dev.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'dev', AutoDeploy: true });
  });

  it('throttles the HTTP default stage and restricts CORS in prod', () => {
    dev.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 },
    });
    dev.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['*'] }),
    });
    prod.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://dashboard.example.com'] }),
    });
  });

  it('exports the endpoints and resource names', () => {
    for (const output of ['HttpApiUrl', 'WebSocketUrl', 'TableName', 'AlertQueueUrl', 'EventBusName']) {
      dev.hasOutput(output, {});
    }
  });
});
