import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REMEDIATION_ROLE_PREFIX } from '../../lib/domain/remediation/step-contract';
import { acknowledgeNag, nagRef } from '../nag';
import { createCatalogFunctions, type SharedResources } from './functions';
import { runbookExecutionAsl, type RunbookSubstitution } from './runbook-execution-definition';
import { addEventRules, addSchedules } from './triggers';

export interface AutomationProps {
  shared: SharedResources;
  /** Client-account role name prefix the runbook step may assume (default REMEDIATION_ROLE_PREFIX). */
  remediationRolePrefix?: string;
  /** A Bedrock model (or inference profile) id for AI advice; none: decisions use the rules alone. */
  bedrockModelId?: string;
}

type AutomationFunction = 'remediate' | 'runbookStep' | 'approvalSweep';

/**
 * The automation capability: the remediation decision per new incident (`remediate`,
 * on IncidentOpened), the RunbookExecution state machine (Standard, JSONPath, logs without execution
 * data, which holds command output, and X-Ray tracing) with its one Task function (`runbookStep`, the
 * only code that assumes client roles), and the approval sweep. Failed decisions land in a watched
 * dead-letter queue; failed, timed-out or aborted executions raise an alarm.
 */
export class Automation extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Record<AutomationFunction, NodejsFunction>;
  readonly decisionDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: AutomationProps) {
    super(scope, id);
    const { shared } = props;
    const { partition } = Stack.of(this);
    const base = { TABLE_NAME: shared.table.tableName, AW_STAGE: shared.stage };
    // The state machine names its step, and `remediate` names the state machine: the step first.
    const { runbookStep, approvalSweep } = createCatalogFunctions(
      this,
      ['runbookStep', 'approvalSweep'] as const,
      { automation: base },
      shared,
    );

    const logGroup = new logs.LogGroup(this, 'RunbookExecutionLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: shared.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'RunbookExecutionRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'Runbook execution state machine: invokes the runbook step (nothing else).',
    });
    this.stateMachine = new sfn.StateMachine(this, 'RunbookExecution', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(runbookExecutionAsl())),
      definitionSubstitutions: { RunbookStepArn: runbookStep.functionArn } satisfies Record<RunbookSubstitution, string>,
      role,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      // Approval (24 h at most) plus four sections at their poll bound, with room to spare.
      timeout: Duration.hours(36),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeRunbookStep',
        actions: ['lambda:InvokeFunction'],
        resources: [runbookStep.functionArn, `${runbookStep.functionArn}:*`],
      }),
    );

    const { remediate } = createCatalogFunctions(
      this,
      ['remediate'] as const,
      {
        remediation: {
          ...base,
          STATE_MACHINE_ARN: this.stateMachine.stateMachineArn,
          ...(props.bedrockModelId ? { BEDROCK_MODEL_ID: props.bedrockModelId } : {}),
        },
      },
      shared,
    );
    this.functions = { remediate, runbookStep, approvalSweep };
    this.stateMachine.grantStartExecution(remediate);
    // The step answers a token when the request was decided before it arrived; the sweep fails expired ones.
    // The step's grant is a policy of its own: in the function's default policy it would make a cycle
    // (function -> its default policy -> state machine -> function).
    new iam.Policy(this, 'RunbookStepTaskResponse', {
      roles: [runbookStep.role!],
      statements: [
        new iam.PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          resources: [this.stateMachine.stateMachineArn],
        }),
      ],
    });
    this.stateMachine.grantTaskResponse(approvalSweep);
    if (props.bedrockModelId) this.allowAdviceModel(remediate, props.bedrockModelId);

    // Only the runbook step assumes the client's role (with the tenant's external id); SSM calls are
    // made with those credentials in the client account, never by the state machine's role.
    const prefix = props.remediationRolePrefix ?? REMEDIATION_ROLE_PREFIX;
    runbookStep.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'AssumeClientRemediationRole',
        actions: ['sts:AssumeRole'],
        resources: [`arn:${partition}:iam::*:role/${prefix}*`],
      }),
    );
    acknowledgeNag(
      runbookStep.role!,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${prefix}*]`,
      "The client's account is known per execution only; the role name prefix is fixed by the onboarding template and each role requires the tenant's external id.",
    );
    acknowledgeNag(
      role,
      `AwsSolutions-IAM5[Resource::${nagRef(runbookStep, 'Arn')}:*]`,
      'lambda:InvokeFunction on the runbook step and its versions/aliases (the form CDK grants use).',
    );
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords and the CloudWatch Logs delivery actions accept only Resource "*".',
    );

    this.decisionDeadLetterQueue = new sqs.Queue(this, 'DecisionDeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: shared.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledgeNag(
      this.decisionDeadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue: the on-failure destination of remediate and the dead-letter queue of its EventBridge target.',
    );
    remediate.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.decisionDeadLetterQueue),
    });
    addEventRules(this, this.functions, shared.eventBus, {
      remediate: { deadLetterQueue: this.decisionDeadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) },
    });
    addSchedules(this, this.functions);
    shared.monitoring.watchDeadLetterQueue(
      'DecisionDeadLetterQueue',
      this.decisionDeadLetterQueue,
      "A new incident's remediation decision",
    );
    shared.monitoring.watchStateMachine('RunbookStateMachine', this.stateMachine);
  }

  /**
   * bedrock:InvokeModel (what Converse needs) on the configured model only. A cross-region inference
   * profile id (`us.`, `eu.`, `apac.`, `global.` prefix) also needs the foundation model in every region
   * the profile may route to.
   */
  private allowAdviceModel(fn: NodejsFunction, modelId: string): void {
    const { partition, region, account } = Stack.of(this);
    const profile = /^(?:us|eu|apac|global)\.(.+)$/.exec(modelId);
    const resources = profile
      ? [
          `arn:${partition}:bedrock:${region}:${account}:inference-profile/${modelId}`,
          `arn:${partition}:bedrock:*::foundation-model/${profile[1]}`,
        ]
      : [`arn:${partition}:bedrock:${region}::foundation-model/${modelId}`];
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ConverseWithTheAdviceModel', actions: ['bedrock:InvokeModel'], resources }));
    if (profile) {
      acknowledgeNag(
        fn.role!,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${profile[1]}]`,
        'A cross-region inference profile routes each call to the model in one of its regions, chosen by Bedrock; the model is named exactly.',
      );
    }
  }
}
