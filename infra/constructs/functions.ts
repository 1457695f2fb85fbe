import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FUNCTIONS, type FunctionName } from '../../functions/catalog';
import { ENV_SCHEMAS, type EnvInput, type EnvName } from '../../lib/config/env';
import type { Stage } from '../config';
import { acknowledgeNag, nagRef } from '../nag';
import { POWERTOOLS_SERVICE_NAME } from './business-metrics';
import type { Monitoring } from './monitoring';

/** Repository root: catalog entries are relative to it. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** ESM bundles that include CommonJS dependencies need a real `require` (the shim Powertools documents). */
const ESM_REQUIRE_SHIM = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/**
 * The functions that serve `GET /v1/openapi.json`: the synth writes the document of every route beside
 * their bundle (lib/api/openapi-file.ts), since the routes are split between two bundles. Run with the
 * repository's tsx, like `npm run gen:api-types`: it builds the document from the same zod schemas.
 */
const OPENAPI_FUNCTIONS: ReadonlySet<FunctionName> = new Set(['api']);

function writeOpenApiDocument(outputDir: string): string[] {
  const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
  const script = path.join(REPO_ROOT, 'scripts', 'write-openapi.ts');
  return [`"${tsx}" "${script}" "${path.join(outputDir, 'openapi.json')}"`];
}

/** Typed per environment name: a variable missing from ENV_SCHEMAS[N] is a compile error here. */
export type Environments = { [N in EnvName]: EnvInput<N> };

/** Whether functions with environment `env` declare `variable` (drives the grants below). */
export function envDeclares(env: EnvName, variable: string): boolean {
  return variable in ENV_SCHEMAS[env].shape;
}

export type TableAccess = 'none' | 'read' | 'readWrite';

/**
 * What each function does with the table, read from its handler and the lib/ functions it calls.
 * No function is read-only today: every one of them writes something.
 */
export const TABLE_ACCESS: Record<FunctionName, TableAccess> = {
  // Login rotates refresh-token sessions; incident commands (acknowledge, assign, note, resolve) write.
  api: 'readWrite',
  // Tenants, users, assets, integrations (API keys, HMAC secrets), policies, runbooks, schedules: all written here.
  adminApi: 'readWrite',
  // Stores alerts with their idempotency records and charges the tenant's rate limit.
  ingestWebhook: 'readWrite',
  // Same ingestion path as webhooks: stores alerts and idempotency records.
  ingestAlarmEvent: 'readWrite',
  // Commits each decision (scope state, incident, timeline) in one transaction.
  correlate: 'readWrite',
  // Commits the resolutions through the same path and deletes the settle markers (narrowed by ITEM_ACCESS).
  settle: 'readWrite',
  // Stores the decision on the incident, creates executions and approval requests, assigns technicians.
  remediate: 'readWrite',
  // Records approval tokens and outcomes, resolves (through the correlation scope) or routes incidents.
  runbookStep: 'readWrite',
  // Expires approval requests and deletes their pending markers (narrowed by ITEM_ACCESS).
  approvalSweep: 'readWrite',
  // Writes the incident's SLA state and timeline, delivery records, action links and SMS usage; reads users and policies.
  sla: 'readWrite',
  // Claims action links, acknowledges and resolves incidents, stores phone verifications and Slack installations.
  respond: 'readWrite',
  // Puts the connection item and its tenant subscriptions.
  wsConnect: 'readWrite',
  // Reads the connection to find its subscriptions, then deletes them all.
  wsDisconnect: 'readWrite',
  // Answers on the socket; follows and unfollows incidents; deletes the connection when API Gateway says it is gone (410).
  wsDefault: 'readWrite',
  // Queries the tenant's subscribers; deletes gone connections (410); receipts of the events it pushed.
  realtimePush: 'readWrite',
  // The Pipe hands it the stream's records; it only counts unresolved asset names (narrowed by ITEM_ACCESS).
  streamRelay: 'readWrite',
  // Lists tenants and open incidents; writes a repair request (incident and outbox item).
  repairSweep: 'readWrite',
  // Reads a company's alerts, incidents, policies and windows for its reports; writes the MSP's branding, the report
  // delivery settings, sends and period claims, and their audit entries.
  reports: 'readWrite',
};

/**
 * The partition keys of connection items (lib/store/keys.ts: wsConnection, ws*Subscription):
 * `MSP#WSCONN#<id>`, `MSP#WSCONN#ALL`, `T#<tenant>#WSCONN` and the incident followers `T#<tenant>#WSINC#<incident>`.
 */
export const CONNECTION_PARTITIONS = ['MSP#WSCONN#*', 'T#*#WSCONN', 'T#*#WSINC#*'] as const;

/** Some actions, allowed only on items whose partition key matches one of `partitions` (StringLike). */
export interface ItemGrant {
  actions: readonly string[];
  partitions: readonly string[];
  /** Only these attributes may be read (a projection that names no other; the whole item never). */
  attributes?: readonly string[];
}

/** A user's key and access version, what the realtime functions check connections against (lib/auth/access.ts), and nothing else of the user. */
const ACCESS_VERSION_READ: ItemGrant = {
  actions: ['dynamodb:GetItem'],
  partitions: ['MSP#USER#*'],
  attributes: ['pk', 'sk', 'authVersion'],
};

/**
 * Finer still than TABLE_ACCESS for the functions that touch a known set of partitions: exactly these
 * actions, on the base table only (no index), and only on these partitions (dynamodb:LeadingKeys; in a
 * transaction each Put/Update is checked as a PutItem/UpdateItem on its own key). None of these actions
 * can run without a partition key, so `ForAllValues` cannot pass vacuously (no Scan here).
 * If such a handler starts touching other items, widen this map, or it fails with AccessDenied in AWS.
 */
export const ITEM_ACCESS: Partial<Record<FunctionName, readonly ItemGrant[]>> = {
  // The WebSocket functions touch only connection items (lib/store/connections.ts).
  wsConnect: [{ actions: ['dynamodb:PutItem', 'dynamodb:BatchWriteItem'], partitions: CONNECTION_PARTITIONS }, ACCESS_VERSION_READ],
  wsDisconnect: [{ actions: ['dynamodb:GetItem', 'dynamodb:DeleteItem'], partitions: CONNECTION_PARTITIONS }],
  wsDefault: [
    // The connection and its incident subscriptions: subscribe/unsubscribe is one transaction (Update + Put/Delete); 410 deletes.
    { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], partitions: CONNECTION_PARTITIONS },
    // Whether the incident exists before following it (its summary item, key only).
    { actions: ['dynamodb:GetItem'], partitions: ['T#*#INC#*'] },
    ACCESS_VERSION_READ,
  ],
  realtimePush: [
    { actions: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:DeleteItem'], partitions: CONNECTION_PARTITIONS },
    // Receipts of the events it pushed (a redelivered event is not pushed twice).
    { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], partitions: ['T#*#EVENT#*'] },
    ACCESS_VERSION_READ,
  ],
  // The approval sweep (expireApprovals in lib/remediation/service.ts).
  approvalSweep: [
    // Due pending markers, read in expiry order and deleted with the request's decision.
    { actions: ['dynamodb:Query', 'dynamodb:DeleteItem'], partitions: ['MSP#APPROVALS'] },
    // The request: read, then decided as expired (in the marker's transaction).
    { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], partitions: ['T#*#APPROVAL'] },
    // Its execution, read for the correlation id the ApprovalDecided event carries.
    { actions: ['dynamodb:GetItem'], partitions: ['T#*#EXEC'] },
    // The incident's timeline entry, the audit entry, and the ApprovalDecided event (the outbox item).
    { actions: ['dynamodb:PutItem'], partitions: ['T#*#INC#*', 'T#*#AUDIT', 'T#*#OUTBOX#*'] },
  ],
  // The stream relay counts the unresolved asset names of new alerts (noteUnresolvedAssetRefs in lib/store/alerts.ts):
  // an UpdateItem of `T#<tenant>` / `UNRESOLVED#digest`, of those attributes only, and nothing else in the table.
  streamRelay: [
    {
      actions: ['dynamodb:UpdateItem'],
      partitions: ['T#*'],
      attributes: ['pk', 'sk', 'entity', 'assetRef', 'lastSeenAt', 'firstSeenAt', 'lastSource', 'alertCount'],
    },
  ],
  // The settle sweep (settleDueIncidents in lib/correlation/correlate.ts, with no alerts to apply).
  settle: [
    // Due settle markers, read in time order and deleted once their scope is settled (put again later when it fails).
    { actions: ['dynamodb:Query', 'dynamodb:DeleteItem', 'dynamodb:PutItem'], partitions: ['MSP#SETTLE'] },
    // The tenant's inventory and correlation policy (partition T#<tenant>) and the scope state.
    { actions: ['dynamodb:GetItem', 'dynamodb:Query'], partitions: ['T#*'] },
    // The commit's transaction: the scope state, each resolved incident's summary and timeline entries, their events.
    { actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], partitions: ['T#*#CORR#*', 'T#*#INC#*', 'T#*#OUTBOX#*'] },
  ],
};

/** What the capabilities share, created by the stack before them. */
export interface SharedResources {
  stage: Stage;
  /** The single table, encrypted with the customer-managed key (`table.encryptionKey`). */
  table: ITableV2;
  alertQueue: IQueue;
  eventBus: IEventBus;
  /** The JWT signing key's secret. */
  authKeys: ISecret;
  monitoring: Monitoring;
}

/** Per-function settings a capability may add to the catalog's (reserved concurrency...). */
export type FunctionTuning = Pick<lambda.FunctionOptions, 'reservedConcurrentExecutions'>;

/**
 * Creates the catalog functions `names` in `scope` (the capability that owns them), each with its own
 * role and log group, the environment `environments` gives its catalog env name, the grants that
 * environment implies, and its alarms (errors, throttles).
 *
 * The rule for grants: a function gets access to exactly what its environment names (the table as
 * TABLE_ACCESS/ITEM_ACCESS say, and the key that encrypts it; the signing-key secret and the key's
 * decrypt through Secrets Manager; the bus; the alert queue), nothing else.
 */
export function createCatalogFunctions<N extends FunctionName, E extends EnvName>(
  scope: Construct,
  names: readonly N[],
  environments: Pick<Environments, E>,
  shared: SharedResources,
  tuning: Partial<Record<N, FunctionTuning>> = {},
): Record<N, NodejsFunction> {
  const { stage, table } = shared;
  // `-c bundleMetafile=true` (set by `npm run bench:bundles`) writes esbuild's metafile next to each
  // bundle, to see what makes it big. Off for deployments: the file would ship in the zip.
  const metafile = scope.node.tryGetContext('bundleMetafile') === true || scope.node.tryGetContext('bundleMetafile') === 'true';

  const created = {} as Record<N, NodejsFunction>;
  for (const name of names) {
    const spec = FUNCTIONS[name];
    const environment = (environments as Partial<Environments>)[spec.env];
    if (!environment) throw new Error(`${scope.node.path} creates '${name}' but gives no environment for '${spec.env}'`);

    // Construct ids derive from the catalog key, so they stay stable as long as the key does.
    const logGroup = new logs.LogGroup(scope, `${name}Logs`, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole (logs:CreateLogGroup/CreateLogStream/PutLogEvents
    // on every log group): this function writes to its own log group only.
    const role = new iam.Role(scope, `${name}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Alert Whisperer (${stage}) ${name} function`,
    });
    logGroup.grantWrite(role);
    const fn = new NodejsFunction(scope, name, {
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
      role,
      ...tuning[name],
      environment: {
        ...environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        // Maps without the sources' text: stack traces still name file:line and the maps shrink ~2.8x
        // (3.1-3.5 MB to 1.1-1.2 MB), less for --enable-source-maps to read at cold start.
        sourcesContent: false,
        target: 'node24',
        // ESM entry points first, so esbuild can tree-shake the AWS SDK's dist-es builds.
        mainFields: ['module', 'main'],
        metafile,
        banner: ESM_REQUIRE_SHIM,
        ...(OPENAPI_FUNCTIONS.has(name)
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_input: string, output: string) => writeOpenApiDocument(output),
              },
            }
          : {}),
        // Bundle the AWS SDK too, so the deployed code runs the versions the lockfile pins and tests ran.
        externalModules: [],
        // esbuild from node_modules: synth works without Docker.
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
      },
    });

    grantTableAccess(name, fn, role, table);
    // X-Ray's PutTraceSegments/PutTelemetryRecords support no resource-level permissions (tracing: ACTIVE).
    acknowledgeNag(role, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray PutTraceSegments and PutTelemetryRecords accept only Resource "*".');
    // The secret's grant includes kms:Decrypt on its key, only through Secrets Manager (kms:ViaService).
    if (envDeclares(spec.env, 'AUTH_KEYS_SECRET_ARN')) shared.authKeys.grantRead(fn);
    if (envDeclares(spec.env, 'EVENT_BUS_NAME')) shared.eventBus.grantPutEventsTo(fn);
    if (envDeclares(spec.env, 'ALERT_QUEUE_URL')) shared.alertQueue.grantSendMessages(fn);
    shared.monitoring.watchFunction(name, fn);
    created[name] = fn;
  }
  return created;
}

/** The DynamoDB actions that write: a function allowed any of them also needs the key's write actions. */
const WRITE_ACTIONS = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/;

/** What CDK grants on a table's key for reading (KEY_READ_ACTIONS) and for writing (KEY_WRITE_ACTIONS too). */
export const TABLE_KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'] as const;
export const TABLE_KEY_WRITE_ACTIONS = ['kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'] as const;

function grantTableAccess(name: FunctionName, fn: NodejsFunction, role: iam.Role, table: ITableV2): void {
  if (TABLE_ACCESS[name] === 'none') return;
  const itemGrants = ITEM_ACCESS[name];
  const writes = itemGrants
    ? itemGrants.some((grant) => grant.actions.some((action) => WRITE_ACTIONS.test(action)))
    : TABLE_ACCESS[name] === 'readWrite';
  if (itemGrants) {
    for (const grant of itemGrants) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: [...grant.actions],
          resources: [table.tableArn],
          conditions: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...grant.partitions] },
            ...(grant.attributes
              ? {
                  'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...grant.attributes] },
                  StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
                }
              : {}),
          },
        }),
      );
    }
    // The key, as CDK's own table grants would give it: decrypt to read, the write actions only to writers.
    table.encryptionKey?.grant(fn, ...TABLE_KEY_READ_ACTIONS, ...(writes ? TABLE_KEY_WRITE_ACTIONS : []));
  } else {
    // These grants include the table key's actions (decrypt; encrypt and data keys for writers).
    if (writes) table.grantReadWriteData(fn);
    else table.grantReadData(fn);
    acknowledgeNag(
      role,
      `AwsSolutions-IAM5[Resource::${nagRef(table, 'Arn')}/index/*]`,
      "Table grants cover the table's GSIs (gsi1, gsi2), which list incidents, tenants and users; the wildcard spans only this table's indexes.",
    );
  }
  if (table.encryptionKey && writes) {
    for (const action of ['kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
      acknowledgeNag(
        role,
        `AwsSolutions-IAM5[Action::${action}]`,
        "CDK's DynamoDB grant set for writers of a table encrypted with a customer-managed key; the statement names that one key only.",
      );
    }
  }
}
