import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { createCatalogFunctions, type SharedResources } from './functions';
import type { PublicHttpApi } from './http-api';

export interface OperatorApiProps {
  shared: SharedResources;
  httpApi: PublicHttpApi;
  /** The runbook state machine: manual executions start it, approvals answer its task tokens. */
  stateMachine: sfn.IStateMachine;
}

const FUNCTIONS = ['api', 'adminApi'] as const;

/**
 * The operator API capability: two functions behind the routes functions/catalog.ts gives them.
 * `api` (`GET /health`, `ANY /v1/{proxy+}`: sign-in, incidents, alerts, approvals, executions, KPIs,
 * notifications, the OpenAPI document) reads the JWT signing key from Secrets Manager, publishes domain
 * events (incident commands) on the bus, starts manual runbook executions and answers approval task
 * tokens. `adminApi` (tenants, users, assets, integrations, audit, runbooks, on-call and policies) reads
 * the signing key and the table only: no bus, no state machine.
 */
export class OperatorApi extends Construct {
  readonly functions: Record<(typeof FUNCTIONS)[number], NodejsFunction>;

  constructor(scope: Construct, id: string, props: OperatorApiProps) {
    super(scope, id);
    const { shared } = props;
    this.functions = createCatalogFunctions(
      this,
      FUNCTIONS,
      {
        api: {
          TABLE_NAME: shared.table.tableName,
          AW_STAGE: shared.stage,
          STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
          AUTH_KEYS_SECRET_ARN: shared.authKeys.secretArn,
        },
        adminApi: {
          TABLE_NAME: shared.table.tableName,
          AW_STAGE: shared.stage,
          AUTH_KEYS_SECRET_ARN: shared.authKeys.secretArn,
        },
      },
      shared,
    );
    props.httpApi.addCatalogRoutes(this.functions);
    props.stateMachine.grantStartExecution(this.functions.api);
    props.stateMachine.grantTaskResponse(this.functions.api);
  }
}
