import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionName } from '../functions/catalog';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * The function whose invocation the current code runs in (undefined outside any): what lets a
 * benchmark attribute the DynamoDB requests of the one in-process client to the pipeline's stages.
 */
export const currentInvocation = new AsyncLocalStorage<{ functionName: FunctionName }>();

/**
 * Runs the very handler modules Lambda runs, with a Lambda-like context and the function's timeout.
 * Modules load on first use, after the local stack has set the environment they validate.
 */
export class LocalLambdas {
  private readonly modules = new Map<FunctionName, Promise<Handler>>();

  constructor(private readonly rootDir: string) {}

  private load(name: FunctionName): Promise<Handler> {
    let loaded = this.modules.get(name);
    if (!loaded) {
      loaded = import(resolve(this.rootDir, FUNCTIONS[name].entry)).then((module: { handler?: Handler }) => {
        if (typeof module.handler !== 'function') throw new Error(`${FUNCTIONS[name].entry} exports no handler`);
        return module.handler;
      });
      this.modules.set(name, loaded);
    }
    return loaded;
  }

  async invoke(name: FunctionName, event: unknown): Promise<unknown> {
    const handler = await this.load(name);
    const spec = FUNCTIONS[name];
    const deadline = Date.now() + spec.timeoutSeconds * 1000;
    const functionName = `aw-local-${name}`;
    const context: Context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
      memoryLimitInMB: String(spec.memoryMiB),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Task timed out after ${spec.timeoutSeconds} seconds (${name})`)),
        spec.timeoutSeconds * 1000,
      );
    });
    try {
      return await Promise.race([currentInvocation.run({ functionName: name }, () => handler(event, context)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
