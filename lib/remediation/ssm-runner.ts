/**
 * The cross-account part of the runbook step (contract: ./step-contract.ts): assume the client's
 * remediation role with the tenant's external id, send a section's script with SSM Run Command, and
 * poll its invocations. Endpoints follow the SDK's own `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL_SSM`
 * variables, which is how the local stack and the integration tests point this code at moto.
 *
 * The assumed credentials live only in this module's cache and in the SSM clients built from them:
 * they are never logged, returned to the state machine, or put into an error message.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient, type GetCommandInvocationCommandOutput } from '@aws-sdk/client-ssm';
import { traced } from '../observability';
import { OUTPUT_LIMIT, SSM_FAILURE_STATUSES, type RunbookStepRequest, type StepTarget } from '../domain/remediation/step-contract';

export type SendCommandRequest = Omit<Extract<RunbookStepRequest, { op: 'sendCommand' }>, 'op'>;
export type GetCommandInvocationRequest = Omit<Extract<RunbookStepRequest, { op: 'getCommandInvocation' }>, 'op'>;

/** Temporary credentials of an assumed role (structurally the SDK's AwsCredentialIdentity). */
export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface SsmRunnerDeps {
  /** STS client for a region (default: one cached `new STSClient({ region })` per region). */
  stsClient?: (region: string) => STSClient;
  /** SSM client for a region and the assumed role's credentials (default: `new SSMClient({ region, credentials })`). */
  ssmClient?: (region: string, credentials: RoleCredentials) => SSMClient;
  /** Clock in epoch milliseconds (tests). */
  now?: () => number;
}

/** Role session duration: the shortest STS allows; a step invocation lasts seconds. */
export const SESSION_SECONDS = 900;
/** Cached credentials are replaced this long before they expire. */
export const REFRESH_MARGIN_MS = 2 * 60_000;
/** SSM's delivery timeout: how long a command may wait for an instance to pick it up. */
export const DELIVERY_TIMEOUT_SECONDS = 600;
/** GetCommandInvocation calls in flight at once (targets have up to 50 instances). */
const POLL_CONCURRENCY = 5;
const TRUNCATION_MARKER = '…(truncated)\n';

interface CachedRole {
  credentials: RoleCredentials;
  /** SSM clients built from these credentials, per region; dropped with them. */
  ssmClients: Map<string, SSMClient>;
}

/** Assumed credentials per (roleArn, externalId). Module-level: they outlive a warm Lambda's invocations. */
const roleCache = new Map<string, CachedRole>();
const stsClients = new Map<string, STSClient>();

/** Forgets every cached credential and SSM client (tests). */
export function clearRoleCache(): void {
  for (const entry of roleCache.values()) for (const client of entry.ssmClients.values()) client.destroy();
  roleCache.clear();
}

function defaultStsClient(region: string): STSClient {
  let client = stsClients.get(region);
  if (!client) {
    client = traced(new STSClient({ region }));
    stsClients.set(region, client);
  }
  return client;
}

const defaultSsmClient = (region: string, credentials: RoleCredentials): SSMClient => traced(new SSMClient({ region, credentials }));

const cacheKey = (target: Pick<StepTarget, 'roleArn' | 'externalId'>) => `${target.roleArn}\n${target.externalId}`;

/** `aw-<executionId>` restricted to STS's RoleSessionName alphabet `[\w+=,.@-]` and 64 characters. */
export function roleSessionName(executionId: string): string {
  return `aw-${executionId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/**
 * Assumes the target's remediation role (with the tenant's external id, in the target's region) and
 * returns an SSM client for the target's region acting in the client's account. Credentials and
 * clients are cached per (roleArn, externalId) until REFRESH_MARGIN_MS before the credentials expire,
 * so the session name (`aw-<executionId>`, what CloudTrail shows in the client account) is that of the
 * execution that assumed the role first; every SendCommand's Comment names its own execution.
 * Throws `ClientRoleDenied` when STS refuses, `TransientError` for throttling, 5xx and network errors.
 */
export async function assumeClientRole(target: StepTarget, deps: SsmRunnerDeps = {}, executionId = 'step'): Promise<SSMClient> {
  const now = deps.now ?? Date.now;
  const key = cacheKey(target);
  let entry = roleCache.get(key);
  if (entry && entry.credentials.expiration.getTime() - REFRESH_MARGIN_MS <= now()) {
    for (const client of entry.ssmClients.values()) client.destroy();
    roleCache.delete(key);
    entry = undefined;
  }
  if (!entry) {
    entry = { credentials: await assume(target, executionId, deps), ssmClients: new Map() };
    roleCache.set(key, entry);
  }
  let client = entry.ssmClients.get(target.region);
  if (!client) {
    client = (deps.ssmClient ?? defaultSsmClient)(target.region, entry.credentials);
    entry.ssmClients.set(target.region, client);
  }
  return client;
}

async function assume(target: StepTarget, executionId: string, deps: SsmRunnerDeps): Promise<RoleCredentials> {
  const sts = (deps.stsClient ?? defaultStsClient)(target.region);
  let credentials;
  try {
    ({ Credentials: credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: target.roleArn,
        ExternalId: target.externalId,
        RoleSessionName: roleSessionName(executionId),
        DurationSeconds: SESSION_SECONDS,
      }),
    ));
  } catch (error) {
    if (isAccessDenied(error)) {
      const denied = new Error(
        `Cannot assume ${target.roleArn}: access denied. The tenant's external id or the role's trust policy is wrong ` +
          '(or the role does not exist): check the onboarding stack in the client account.',
      );
      denied.name = 'ClientRoleDenied';
      throw denied;
    }
    throw classify(error, 'STS AssumeRole');
  }
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = credentials ?? {};
  if (!AccessKeyId || !SecretAccessKey || !SessionToken) throw new Error(`STS AssumeRole of ${target.roleArn} returned no credentials`);
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    sessionToken: SessionToken,
    // Without an expiry, assume the session length we asked for.
    expiration: Expiration ?? new Date((deps.now ?? Date.now)() + SESSION_SECONDS * 1000),
  };
}

/**
 * Sends one section's script to the target's instances and returns SSM's command id.
 *
 * Not idempotent: SendCommand has no ClientToken, so when a send is retried after a timeout or a
 * transient error whose request did reach SSM (here by the SDK, or by the state machine on
 * `TransientError`), the section may run twice. Runbooks are written to be idempotent for this reason.
 */
export async function sendCommand(request: SendCommandRequest, deps: SsmRunnerDeps = {}): Promise<{ commandId: string }> {
  const { target } = request;
  const ssm = await assumeClientRole(target, deps, request.executionId);
  try {
    const { Command } = await ssm.send(
      new SendCommandCommand({
        DocumentName: target.documentName,
        InstanceIds: target.instanceIds,
        // AWS-RunShellScript and AWS-RunPowerShellScript both take `commands` and `executionTimeout`.
        Parameters: { commands: request.lines, executionTimeout: [String(request.timeoutSeconds)] },
        TimeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
        Comment: `Alert Whisperer ${request.executionId} ${request.section}`.slice(0, 100),
        CloudWatchOutputConfig: { CloudWatchOutputEnabled: false },
      }),
    );
    if (!Command?.CommandId) throw new Error('SSM SendCommand returned no command id');
    return { commandId: Command.CommandId };
  } catch (error) {
    throw ssmError(error, target, 'SSM SendCommand');
  }
}

interface Invocation {
  instanceId: string;
  status: string;
  details: string;
  stdout: string;
  stderr: string;
}

/**
 * The command's status over all target instances, worst first: any SSM failure status, then anything
 * still running (Pending, InProgress, Delayed...), then Success when every instance succeeded; and the
 * instances' output, `[<instanceId>] <StatusDetails>` then stdout then stderr, truncated to
 * OUTPUT_LIMIT characters keeping the end. (SSM itself returns at most the first 24,000 characters
 * of each stream.)
 */
export async function getCommandInvocation(
  request: GetCommandInvocationRequest,
  deps: SsmRunnerDeps = {},
): Promise<{ status: string; output: string }> {
  const { target, commandId } = request;
  const ssm = await assumeClientRole(target, deps, request.executionId);
  const invocations = await mapLimit(target.instanceIds, POLL_CONCURRENCY, async (instanceId): Promise<Invocation> => {
    let result: GetCommandInvocationCommandOutput;
    try {
      result = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
    } catch (error) {
      // Right after SendCommand the invocation may not exist yet.
      if ((error as SdkError | undefined)?.name === 'InvocationDoesNotExist') {
        return { instanceId, status: 'Pending', details: 'Pending', stdout: '', stderr: '' };
      }
      throw ssmError(error, target, 'SSM GetCommandInvocation');
    }
    const status = result.Status ?? 'Pending';
    return {
      instanceId,
      status,
      details: result.StatusDetails || status,
      stdout: result.StandardOutputContent ?? '',
      stderr: result.StandardErrorContent ?? '',
    };
  });
  const output = invocations
    .map(({ instanceId, details, stdout, stderr }) => `[${instanceId}] ${details}\n${stdout}${stderr ? `\n[stderr]\n${stderr}` : ''}`)
    .join('\n');
  return { status: worstStatus(invocations.map((invocation) => invocation.status)), output: truncateTail(output) };
}

const FAILURES: ReadonlySet<string> = new Set(SSM_FAILURE_STATUSES);

/** The first failure status, else the first not-yet-successful status, else Success. */
export function worstStatus(statuses: string[]): string {
  return statuses.find((status) => FAILURES.has(status)) ?? statuses.find((status) => status !== 'Success') ?? 'Success';
}

/** Keeps the last `limit` characters (marker included): the end of a script's output explains its failure. */
export function truncateTail(text: string, limit = OUTPUT_LIMIT): string {
  if (text.length <= limit) return text;
  let tail = text.slice(text.length - (limit - TRUNCATION_MARKER.length));
  // Do not start with the second half of a surrogate pair.
  if (/^[\uDC00-\uDFFF]/.test(tail)) tail = tail.slice(1);
  return TRUNCATION_MARKER + tail;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
]);
const SERVER = new Set(['InternalServerError', 'InternalFailure', 'InternalError', 'ServiceUnavailable', 'ServiceUnavailableException']);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
]);

/** Throttling, a 5xx answer, or no answer at all (network): worth retrying later. */
export function isTransient(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as SdkError;
  const status = e.$metadata?.httpStatusCode;
  return (
    THROTTLING.has(e.name ?? '') ||
    e.$retryable?.throttling === true ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    SERVER.has(e.name ?? '') ||
    NETWORK_NAMES.has(e.name ?? '') ||
    NETWORK_CODES.has(e.code ?? '')
  );
}

function isAccessDenied(error: unknown): boolean {
  const name = (error as SdkError | undefined)?.name;
  return name === 'AccessDenied' || name === 'AccessDeniedException';
}

/** Transient errors become `TransientError` (the state machine retries that name); the rest pass as is. */
function classify(error: unknown, operation: string): unknown {
  if (!isTransient(error)) return error;
  const e = error as SdkError;
  const transient = new Error(`${operation}: ${e.name ?? 'Error'}${e.message ? `: ${e.message}` : ''}`, { cause: error });
  transient.name = 'TransientError';
  return transient;
}

/** SSM errors; expired session credentials (revoked early, clock skew) are dropped and retried fresh. */
function ssmError(error: unknown, target: StepTarget, operation: string): unknown {
  const name = (error as SdkError | undefined)?.name;
  if (name === 'ExpiredTokenException' || name === 'ExpiredToken') {
    const entry = roleCache.get(cacheKey(target));
    for (const client of entry?.ssmClients.values() ?? []) client.destroy();
    roleCache.delete(cacheKey(target));
    const transient = new Error(`${operation}: the assumed role's session expired`, { cause: error });
    transient.name = 'TransientError';
    return transient;
  }
  return classify(error, operation);
}
