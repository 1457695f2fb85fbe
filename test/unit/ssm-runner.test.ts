// The cross-account part of the runbook step: AssumeRole with the tenant's external id (cached until shortly
// before expiry), SendCommand's parameters, the worst status over the instances, output truncation keeping the
// end, and the error names the state machine relies on (TransientError retried, ClientRoleDenied not).
import {
  GetCommandInvocationCommand,
  InternalServerError,
  InvocationDoesNotExist,
  SendCommandCommand,
  SSMClient,
  ThrottlingException,
  type CommandInvocationStatus,
  type GetCommandInvocationCommandOutput,
} from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, ExpiredTokenException, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import {
  assumeClientRole,
  clearRoleCache,
  getCommandInvocation,
  roleSessionName,
  sendCommand,
  truncateTail,
  type RoleCredentials,
  type SsmRunnerDeps,
} from '../../lib/remediation/ssm-runner';
import { OUTPUT_LIMIT, type StepTarget } from '../../lib/domain/remediation/step-contract';

const sts = mockClient(STSClient);
const ssm = mockClient(SSMClient);

const target: StepTarget = {
  accountId: '111122223333',
  region: 'eu-west-1',
  roleArn: 'arn:aws:iam::111122223333:role/AlertWhispererRemediation',
  externalId: 'tenant-external-id-0001',
  instanceIds: ['i-0123456789abcdef0', 'i-0123456789abcdef1'],
  documentName: 'AWS-RunShellScript',
};
const [first, second] = target.instanceIds as [string, string];

const T0 = Date.parse('2026-03-04T10:00:00Z');
let now = T0;
let session = 0;
let ssmClientCalls: Array<{ region: string; credentials: RoleCredentials }> = [];
let stsRegions: string[] = [];

const deps: SsmRunnerDeps = {
  now: () => now,
  stsClient: (region) => {
    stsRegions.push(region);
    return new STSClient({ region });
  },
  ssmClient: (region, credentials) => {
    ssmClientCalls.push({ region, credentials });
    return new SSMClient({ region, credentials });
  },
};

function grant() {
  session += 1;
  return {
    Credentials: {
      AccessKeyId: `ASIA${session}`,
      SecretAccessKey: `secret-${session}`,
      SessionToken: `token-${session}`,
      Expiration: new Date(now + 900_000),
    },
  };
}

function invocation(output: Partial<GetCommandInvocationCommandOutput>): GetCommandInvocationCommandOutput {
  return { $metadata: {}, StandardOutputContent: '', StandardErrorContent: '', ...output };
}

beforeEach(() => {
  sts.reset();
  ssm.reset();
  clearRoleCache();
  now = T0;
  session = 0;
  ssmClientCalls = [];
  stsRegions = [];
  sts.on(AssumeRoleCommand).callsFake(grant);
});

describe('assumeClientRole', () => {
  it("assumes the target's role with the tenant's external id, in the target's region, for 900 s", async () => {
    await assumeClientRole(target, deps, 'exec-01');
    const [call] = sts.commandCalls(AssumeRoleCommand);
    expect(call!.args[0].input).toEqual({
      RoleArn: target.roleArn,
      ExternalId: target.externalId,
      RoleSessionName: 'aw-exec-01',
      DurationSeconds: 900,
    });
    expect(stsRegions).toEqual(['eu-west-1']);
    expect(ssmClientCalls).toEqual([
      { region: 'eu-west-1', credentials: expect.objectContaining({ accessKeyId: 'ASIA1', sessionToken: 'token-1' }) },
    ]);
  });

  it("sanitises the session name to STS's alphabet and 64 characters", () => {
    expect(roleSessionName('01JA:b/c d#e')).toBe('aw-01JA-b-c-d-e');
    const long = roleSessionName('x'.repeat(80));
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^aw-x+$/);
    expect(roleSessionName('a+b=c,d.e@f_g-h')).toBe('aw-a+b=c,d.e@f_g-h');
  });

  it('caches the credentials per role and external id until 2 minutes before they expire', async () => {
    const client = await assumeClientRole(target, deps, 'exec-01');
    now = T0 + 900_000 - 120_000 - 1;
    expect(await assumeClientRole(target, deps, 'exec-02')).toBe(client);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);

    // Another tenant trusting the same role name (other external id) gets its own session.
    await assumeClientRole({ ...target, externalId: 'other-tenant-id' }, deps, 'exec-03');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);

    now = T0 + 900_000 - 120_000;
    const refreshed = await assumeClientRole(target, deps, 'exec-04');
    expect(refreshed).not.toBe(client);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
    expect(sts.commandCalls(AssumeRoleCommand)[2]!.args[0].input.RoleSessionName).toBe('aw-exec-04');
    expect(ssmClientCalls.at(-1)!.credentials).toMatchObject({ accessKeyId: 'ASIA3', secretAccessKey: 'secret-3' });
  });

  it('rethrows AccessDenied as ClientRoleDenied, naming the role and no secret', async () => {
    sts.on(AssumeRoleCommand).rejects(
      new STSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: `User: arn:aws:sts::999999999999:assumed-role/step/x is not authorized to perform: sts:AssumeRole on resource: ${target.roleArn}`,
      }),
    );
    const error = await assumeClientRole(target, deps, 'exec-01').then(
      () => new Error('resolved'),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ClientRoleDenied');
    expect(error.message).toContain(target.roleArn);
    expect(error.message).toMatch(/external id or the role's trust policy is wrong/);
    expect(error.message).not.toContain(target.externalId);
  });

  it('rethrows STS throttling, 5xx and network errors as TransientError, and caches nothing', async () => {
    const failures: Error[] = [
      new STSServiceException({ name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' }),
      new STSServiceException({ name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'oops' }),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    ];
    const [throttled, internal, reset] = failures as [Error, Error, Error];
    sts.on(AssumeRoleCommand).rejectsOnce(throttled).rejectsOnce(internal).rejectsOnce(reset).callsFake(grant);
    for (let i = 0; i < failures.length; i += 1) {
      const error = await assumeClientRole(target, deps).then(
        () => new Error('resolved'),
        (e: unknown) => e as Error,
      );
      expect(error.name).toBe('TransientError');
      expect(error.message).toMatch(/^STS AssumeRole: /);
      expect(error.cause).toBe(failures[i]);
    }
    await assumeClientRole(target, deps);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(4);
  });

  it('passes other STS errors through as they are', async () => {
    const regionDisabled = new STSServiceException({
      name: 'RegionDisabledException',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
      message: 'STS is not activated in this region',
    });
    sts.on(AssumeRoleCommand).rejects(regionDisabled);
    await expect(assumeClientRole(target, deps)).rejects.toBe(regionDisabled);
  });
});

describe('sendCommand', () => {
  it("sends the section's lines with the document's parameters and returns the command id", async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-123' } });
    const result = await sendCommand(
      { executionId: 'exec-01', section: 'preChecks', target, lines: ['df -h /', 'test -w /var/log'], timeoutSeconds: 300 },
      deps,
    );
    expect(result).toEqual({ commandId: 'cmd-123' });
    const [call] = ssm.commandCalls(SendCommandCommand);
    expect(call!.args[0].input).toEqual({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: target.instanceIds,
      Parameters: { commands: ['df -h /', 'test -w /var/log'], executionTimeout: ['300'] },
      TimeoutSeconds: 600,
      Comment: 'Alert Whisperer exec-01 preChecks',
      CloudWatchOutputConfig: { CloudWatchOutputEnabled: false },
    });
    // In the client's account: the SSM client carries the assumed credentials, in the target's region.
    expect(ssmClientCalls).toEqual([{ region: 'eu-west-1', credentials: expect.objectContaining({ accessKeyId: 'ASIA1' }) }]);
    expect(JSON.stringify(result)).not.toMatch(/ASIA1|secret-1|token-1/);
  });

  it('uses the PowerShell document as given and keeps the comment within 100 characters', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-ps' } });
    await sendCommand(
      {
        executionId: 'e'.repeat(80),
        section: 'verification',
        target: { ...target, documentName: 'AWS-RunPowerShellScript' },
        lines: ['Get-Service W3SVC'],
        timeoutSeconds: 7200,
      },
      deps,
    );
    const input = ssm.commandCalls(SendCommandCommand)[0]!.args[0].input;
    expect(input.DocumentName).toBe('AWS-RunPowerShellScript');
    expect(input.Parameters).toEqual({ commands: ['Get-Service W3SVC'], executionTimeout: ['7200'] });
    expect(input.Comment).toHaveLength(100);
    expect(input.Comment).toBe(`Alert Whisperer ${'e'.repeat(80)} ver`);
  });

  it('rethrows SSM throttling and 5xx as TransientError, other errors as they are', async () => {
    const request = { executionId: 'exec-01', section: 'commands' as const, target, lines: ['true'], timeoutSeconds: 60 };
    const invalid = Object.assign(new Error('Instances not in a valid state'), {
      name: 'InvalidInstanceId',
      $metadata: { httpStatusCode: 400 },
    });
    ssm
      .on(SendCommandCommand)
      .rejectsOnce(new ThrottlingException({ $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded', Message: 'Rate exceeded' }))
      .rejectsOnce(new InternalServerError({ $metadata: { httpStatusCode: 500 }, message: 'internal' }))
      .rejectsOnce(invalid);
    await expect(sendCommand(request, deps)).rejects.toMatchObject({
      name: 'TransientError',
      message: 'SSM SendCommand: ThrottlingException: Rate exceeded',
    });
    await expect(sendCommand(request, deps)).rejects.toMatchObject({ name: 'TransientError' });
    await expect(sendCommand(request, deps)).rejects.toBe(invalid);
  });

  it('drops the cached session when SSM says it expired, so the retry assumes the role again', async () => {
    const request = { executionId: 'exec-01', section: 'commands' as const, target, lines: ['true'], timeoutSeconds: 60 };
    ssm
      .on(SendCommandCommand)
      .rejectsOnce(
        new ExpiredTokenException({ $metadata: { httpStatusCode: 400 }, message: 'The security token included in the request is expired' }),
      )
      .resolves({ Command: { CommandId: 'cmd-2' } });
    await expect(sendCommand(request, deps)).rejects.toMatchObject({ name: 'TransientError' });
    await expect(sendCommand(request, deps)).resolves.toEqual({ commandId: 'cmd-2' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });
});

describe('getCommandInvocation', () => {
  const request = { executionId: 'exec-01', target, commandId: 'cmd-123' };

  function answer(byInstance: Record<string, Partial<GetCommandInvocationCommandOutput> | Error>): void {
    for (const [instanceId, result] of Object.entries(byInstance)) {
      const stub = ssm.on(GetCommandInvocationCommand, { CommandId: 'cmd-123', InstanceId: instanceId });
      if (result instanceof Error) stub.rejects(result);
      else stub.resolves(invocation(result));
    }
  }

  it.each<[CommandInvocationStatus, CommandInvocationStatus, string]>([
    ['Success', 'Success', 'Success'],
    ['Success', 'InProgress', 'InProgress'],
    ['Delayed', 'Success', 'Delayed'],
    ['InProgress', 'Failed', 'Failed'],
    ['TimedOut', 'Pending', 'TimedOut'],
    ['Success', 'Cancelled', 'Cancelled'],
  ])('reports the worst of %s and %s: %s', async (a, b, worst) => {
    answer({ [first]: { Status: a, StatusDetails: a }, [second]: { Status: b, StatusDetails: b } });
    const result = await getCommandInvocation(request, deps);
    expect(result.status).toBe(worst);
    expect(ssm.commandCalls(GetCommandInvocationCommand).map((call) => call.args[0].input.InstanceId)).toEqual([first, second]);
  });

  it("labels each instance's output with its status details and appends stderr when present", async () => {
    answer({
      [first]: { Status: 'Success', StatusDetails: 'Success', StandardOutputContent: 'disk ok\n' },
      [second]: {
        Status: 'Failed',
        StatusDetails: 'Failed',
        StandardOutputContent: 'cleaning\n',
        StandardErrorContent: 'rm: permission denied\n',
      },
    });
    const result = await getCommandInvocation(request, deps);
    expect(result).toEqual({
      status: 'Failed',
      output: `[${first}] Success\ndisk ok\n\n[${second}] Failed\ncleaning\n\n[stderr]\nrm: permission denied\n`,
    });
  });

  it('counts an invocation that does not exist yet (right after sending) as Pending', async () => {
    answer({
      [first]: { Status: 'Success', StatusDetails: 'Success' },
      [second]: new InvocationDoesNotExist({ $metadata: { httpStatusCode: 400 }, message: '' }),
    });
    const result = await getCommandInvocation(request, deps);
    expect(result.status).toBe('Pending');
    expect(result.output).toContain(`[${second}] Pending`);
  });

  it('truncates the output to OUTPUT_LIMIT characters, keeping the end', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => `line ${String(i).padStart(3, '0')} of the cleanup log`).join('\n');
    answer({
      [first]: { Status: 'Success', StatusDetails: 'Success', StandardOutputContent: 'first instance\n' },
      [second]: {
        Status: 'Failed',
        StatusDetails: 'Failed',
        StandardOutputContent: lines,
        StandardErrorContent: 'FATAL: the actual reason',
      },
    });
    const { output } = await getCommandInvocation(request, deps);
    expect(output).toHaveLength(OUTPUT_LIMIT);
    expect(output.startsWith('…(truncated)\n')).toBe(true);
    expect(output.endsWith('line 399 of the cleanup log\n[stderr]\nFATAL: the actual reason')).toBe(true);
    expect(output).not.toContain('first instance');
    expect(output).not.toContain('line 000');
  });

  it('leaves short output alone and never splits a surrogate pair', () => {
    expect(truncateTail('short', 10)).toBe('short');
    const cut = truncateTail(`${'x'.repeat(20)}${'🙂'.repeat(10)}`, 24);
    expect(cut.startsWith('…(truncated)\n')).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(24);
    expect(cut.slice('…(truncated)\n'.length)).toMatch(/^(?:🙂)+$/u);
  });

  it('rethrows throttling as TransientError and passes InvalidCommandId through', async () => {
    answer({
      [first]: new ThrottlingException({ $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded', Message: 'Rate exceeded' }),
      [second]: { Status: 'Success' },
    });
    await expect(getCommandInvocation(request, deps)).rejects.toMatchObject({ name: 'TransientError' });
    ssm.reset();
    const invalid = Object.assign(new Error('Invalid command id.'), { name: 'InvalidCommandId', $metadata: { httpStatusCode: 400 } });
    ssm.on(GetCommandInvocationCommand).rejects(invalid);
    await expect(getCommandInvocation(request, deps)).rejects.toBe(invalid);
  });

  it('reuses the assumed session across polls', async () => {
    answer({ [first]: { Status: 'InProgress' }, [second]: { Status: 'InProgress' } });
    await getCommandInvocation(request, deps);
    now += 60_000;
    await getCommandInvocation(request, deps);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    expect(ssmClientCalls).toHaveLength(1);
  });
});
