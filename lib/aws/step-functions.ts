import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { traced } from '../observability';
import type { Orchestrator } from '../domain/remediation/step-contract';
import type { RunbookExecutionInput } from '../domain/remediation/step-contract';

let client: SFNClient | undefined;

function sfn(): SFNClient {
  client ??= traced(new SFNClient({}));
  return client;
}

/** Answers task tokens only (the runbook step, the approval sweep): no state machine to start. */
export function taskTokenAnswerer(): Pick<Orchestrator, 'succeedTask' | 'failTask'> {
  return {
    async succeedTask(taskToken) {
      await sfn().send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
    },
    async failTask(taskToken, error, cause) {
      await sfn().send(new SendTaskFailureCommand({ taskToken, error, cause: cause.slice(0, 256) }));
    },
  };
}

/** A standard workflow's execution ARN: the state machine's, with `execution` for `stateMachine` and the execution's name appended. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/**
 * The RunbookExecution state machine through Step Functions (the local emulator by AWS_ENDPOINT_URL_SFN).
 * The execution is named after the execution id, so a retried start cannot run a runbook twice.
 */
export function stepFunctionsOrchestrator(stateMachineArn: string): Orchestrator {
  return {
    async start(input: RunbookExecutionInput) {
      try {
        const { executionArn } = await sfn().send(
          new StartExecutionCommand({ stateMachineArn, name: input.executionId, input: JSON.stringify(input) }),
        );
        return executionArn ?? input.executionId;
      } catch (error) {
        // Started before (a retry after a crash), and finished since: Step Functions refuses the name of a closed execution.
        if ((error as Error).name === 'ExecutionAlreadyExists') return executionArnOf(stateMachineArn, input.executionId);
        throw error;
      }
    },
    ...taskTokenAnswerer(),
  };
}

/** For functions that never start executions: starting one is a wiring bug. */
export function tokenOnlyOrchestrator(): Orchestrator {
  return {
    start() {
      return Promise.reject(new Error('This function does not start runbook executions'));
    },
    ...taskTokenAnswerer(),
  };
}
