// The runbook step's STS/SSM calls for real over HTTP against moto's server (local/aws/moto.ts), reached through
// the SDK's own AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_SSM as in the local stack. moto ignores the external id
// and finishes every command at once with Success and no output (see local/aws/moto.ts); this proves the wiring:
// signing, the cross-account credentials, the request shapes and the command id round-trip.
import { ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startMotoServer, type MotoServer } from '../../local/aws/moto';
import { assumeClientRole, clearRoleCache, getCommandInvocation, sendCommand } from '../../lib/remediation/ssm-runner';
import type { StepTarget } from '../../lib/domain/remediation/step-contract';

const ENV_KEYS = [
  'AWS_ENDPOINT_URL_SSM',
  'AWS_ENDPOINT_URL_STS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
] as const;
const savedEnv = new Map(ENV_KEYS.map((key) => [key, process.env[key]]));

const target: StepTarget = {
  accountId: '111122223333',
  region: 'us-east-1',
  roleArn: 'arn:aws:iam::111122223333:role/AlertWhispererRemediation',
  externalId: 'tenant-external-id-moto',
  instanceIds: ['i-0123456789abcdef0', 'mi-0123456789abcdef1'],
  documentName: 'AWS-RunShellScript',
};
const lines = ['set -euo pipefail', 'df -h /'];

let moto: MotoServer;
const motoLog: string[] = [];

beforeAll(async () => {
  moto = await startMotoServer({ log: (line) => motoLog.push(line) });
  for (const key of ENV_KEYS) delete process.env[key];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SSM: moto.endpoint,
    AWS_ENDPOINT_URL_STS: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
  });
}, 30_000);

afterAll(async () => {
  clearRoleCache();
  for (const [key, value] of savedEnv) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await moto?.stop();
  expect(motoLog).toEqual([]); // moto's output is reported only on failure
});

describe('ssm-runner against moto', () => {
  let commandId: string;

  it("assumes the client's role: the session acts in the client's account, named after the execution", async () => {
    const ssm = await assumeClientRole(target, {}, 'exec-moto-01');
    expect(ssm).toBeInstanceOf(SSMClient);
    const sts = new STSClient({ region: 'us-east-1', credentials: ssm.config.credentials });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    expect(identity.Account).toBe('111122223333');
    expect(identity.Arn).toBe('arn:aws:sts::111122223333:assumed-role/AlertWhispererRemediation/aw-exec-moto-01');
    // Cached: the same client (and session) for the next calls.
    expect(await assumeClientRole(target, {}, 'exec-moto-02')).toBe(ssm);
  });

  it('sends the section and moto keeps the command as sent, in the client account only', async () => {
    ({ commandId } = await sendCommand({ executionId: 'exec-moto-01', section: 'preChecks', target, lines, timeoutSeconds: 120 }));
    expect(commandId).toMatch(/^[0-9a-f-]{36}$/);

    const ssm = await assumeClientRole(target);
    const { Commands } = await ssm.send(new ListCommandsCommand({ CommandId: commandId }));
    expect(Commands).toHaveLength(1);
    expect(Commands![0]).toMatchObject({
      CommandId: commandId,
      DocumentName: 'AWS-RunShellScript',
      Comment: 'Alert Whisperer exec-moto-01 preChecks',
      Parameters: { commands: lines, executionTimeout: ['120'] },
      TimeoutSeconds: 600,
      Status: 'Success',
    });
    expect([...Commands![0]!.InstanceIds!].sort()).toEqual([...target.instanceIds].sort());

    // The MSP's own account (the 'testing' keys) never sees it.
    const own = new SSMClient({ region: 'us-east-1' });
    await expect(own.send(new ListCommandsCommand({ CommandId: commandId }))).rejects.toMatchObject({ name: 'InvalidCommandId' });
    own.destroy();
  });

  it('polls the command: moto reports Success on every instance, with empty output', async () => {
    const result = await getCommandInvocation({ executionId: 'exec-moto-01', target, commandId }, {});
    expect(result).toEqual({
      status: 'Success',
      output: '[i-0123456789abcdef0] Success\n\n[mi-0123456789abcdef1] Success\n',
    });
  });

  it("maps moto's InvocationDoesNotExist (an instance outside the command) to Pending", async () => {
    const wider = { ...target, instanceIds: [...target.instanceIds, 'i-0fedcba9876543210'] };
    const result = await getCommandInvocation({ executionId: 'exec-moto-01', target: wider, commandId }, {});
    expect(result.status).toBe('Pending');
    expect(result.output).toContain('[i-0fedcba9876543210] Pending');
  });

  it('passes an unknown command id through as InvalidCommandId (not transient)', async () => {
    await expect(
      getCommandInvocation({ executionId: 'exec-moto-01', target, commandId: '00000000-0000-0000-0000-000000000000' }, {}),
    ).rejects.toMatchObject({ name: 'InvalidCommandId' });
  });
});
