import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IWebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FUNCTIONS, type FunctionName } from '../../functions/catalog';
import { ENV_SCHEMAS, type EnvInput, type EnvName } from '../../lib/config/env';
import type { Stage } from '../config';

/** Repository root: catalog entries are relative to it. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** ESM bundles that include CommonJS dependencies need a real `require` (the shim Powertools documents). */
const ESM_REQUIRE_SHIM = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/** Typed per environment name: a variable missing from ENV_SCHEMAS[N] is a compile error here. */
export type Environments = { [N in EnvName]: EnvInput<N> };

/** Whether functions with environment `env` declare `variable` (drives the grants below). */
export function envDeclares(env: EnvName, variable: string): boolean {
  return variable in ENV_SCHEMAS[env].shape;
}

export interface AppFunctionsProps {
  stage: Stage;
  table: ITableV2;
  alertQueue: IQueue;
  eventBus: IEventBus;
  authKeys: ISecret;
  /** The WebSocket stage whose management endpoint the realtime functions post to. */
  webSocketStage: IWebSocketStage;
}

/** One NodejsFunction per catalog entry, with its environment, log group and grants. */
export class AppFunctions extends Construct {
  readonly byName: Record<FunctionName, NodejsFunction>;

  constructor(scope: Construct, id: string, props: AppFunctionsProps) {
    super(scope, id);
    const base = { TABLE_NAME: props.table.tableName, AW_STAGE: props.stage };
    const environments: Environments = {
      api: { ...base, EVENT_BUS_NAME: props.eventBus.eventBusName, AUTH_KEYS_SECRET_ARN: props.authKeys.secretArn },
      // SNS signatures are always checked in AWS.
      ingest: { ...base, ALERT_QUEUE_URL: props.alertQueue.queueUrl, AW_SNS_VERIFY: 'on' },
      correlate: { ...base, EVENT_BUS_NAME: props.eventBus.eventBusName },
      realtime: {
        ...base,
        AUTH_KEYS_SECRET_ARN: props.authKeys.secretArn,
        WS_MANAGEMENT_ENDPOINT: props.webSocketStage.callbackUrl,
      },
    };

    const created = {} as Record<FunctionName, NodejsFunction>;
    for (const [name, spec] of Object.entries(FUNCTIONS) as [FunctionName, (typeof FUNCTIONS)[FunctionName]][]) {
      // Construct ids derive from the catalog key, so they stay stable as long as the key does.
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: props.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      const fn = new NodejsFunction(this, name, {
        description: spec.description,
        entry: path.join(REPO_ROOT, spec.entry),
        handler: 'handler',
        projectRoot: REPO_ROOT,
        depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: spec.memoryMiB,
        timeout: Duration.seconds(spec.timeoutSeconds),
        tracing: lambda.Tracing.ACTIVE,
        logGroup,
        environment: {
          ...environments[spec.env],
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'alert-whisperer',
        },
        bundling: {
          format: OutputFormat.ESM,
          minify: true,
          sourceMap: true,
          target: 'node24',
          mainFields: ['module', 'main'],
          banner: ESM_REQUIRE_SHIM,
          // Bundle the AWS SDK too, so the deployed code runs the versions the lockfile pins and tests ran.
          externalModules: [],
          // esbuild from node_modules: synth works without Docker.
          forceDockerBundling: false,
          logLevel: LogLevel.WARNING,
        },
      });

      // Table access is read/write for every function for now; least privilege per function comes later.
      props.table.grantReadWriteData(fn);
      if (envDeclares(spec.env, 'AUTH_KEYS_SECRET_ARN')) props.authKeys.grantRead(fn);
      if (envDeclares(spec.env, 'EVENT_BUS_NAME')) props.eventBus.grantPutEventsTo(fn);
      if (envDeclares(spec.env, 'ALERT_QUEUE_URL')) props.alertQueue.grantSendMessages(fn);
      created[name] = fn;
    }
    this.byName = created;
  }
}
