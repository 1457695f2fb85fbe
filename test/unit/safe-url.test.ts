// Outbound targets must be public (lib/util/safe-url.ts): the address classes refused, names that can only
// be internal, the local-only opt-in for loopback, resolution (every address checked) and the pinned lookup
// that makes the connection go to the checked addresses only. Then the senders end to end against real
// receivers on loopback: a name resolving to a private address is never contacted, and the request goes to
// the address that was checked even when the system's DNS would say otherwise (DNS rebinding).
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSlackSender, createWebhookSender } from '../../lib/notify/channels';
import { renderSlack, renderWebhook, type NotificationInput } from '../../lib/domain/notify/templates';
import {
  addressProblem,
  hostProblem,
  pinnedLookup,
  resolveTarget,
  targetPolicyFromEnv,
  urlTargetProblem,
  type Resolver,
} from '../../lib/util/safe-url';

const PUBLIC_ONLY = { allowLoopback: false };
const LOCAL = { allowLoopback: true };

describe('addresses', () => {
  test.each([
    ['0.0.0.0', /this network/],
    ['0.1.2.3', /this network/],
    ['10.0.0.5', /private \(10\.0\.0\.0\/8\)/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.254', /carrier-grade NAT/],
    ['127.0.0.1', /loopback/],
    ['127.53.0.1', /loopback/],
    ['169.254.169.254', /link-local .*metadata/],
    ['169.254.170.2', /link-local/],
    ['172.16.0.1', /private \(172\.16\.0\.0\/12\)/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private \(192\.168\.0\.0\/16\)/],
    ['192.0.0.171', /IETF/],
    ['192.0.2.10', /documentation/],
    ['198.18.0.1', /benchmarking/],
    ['224.0.0.251', /multicast/],
    ['239.255.255.250', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['240.0.0.1', /reserved/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['fc00::1', /unique-local/],
    ['fd00:ec2::254', /unique-local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['fec0::1', /site-local/],
    ['ff02::1', /multicast/],
    ['2001:db8::1', /documentation/],
    ['::ffff:169.254.169.254', /IPv4-mapped link-local/],
    ['::ffff:a00:5', /IPv4-mapped private \(10/],
    ['::ffff:127.0.0.1', /IPv4-mapped loopback/],
    ['64:ff9b::a9fe:a9fe', /NAT64 link-local/],
    ['2002:a00:1::1', /6to4 private \(10/],
    ['::a00:1', /IPv4-compatible/],
    ['2001::1', /Teredo/],
  ])('%s is refused: %s', (address, why) => {
    expect(addressProblem(address, PUBLIC_ONLY)).toMatch(why);
  });

  test.each([
    '8.8.8.8',
    '1.1.1.1',
    '52.94.236.248',
    '100.63.255.255',
    '100.128.0.1',
    '172.32.0.1',
    '2606:4700:4700::1111',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('%s is public', (address) => {
    expect(addressProblem(address, PUBLIC_ONLY)).toBeUndefined();
  });

  test('the local opt-in allows loopback, and nothing else that is not public', () => {
    for (const address of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) expect(addressProblem(address, LOCAL)).toBeUndefined();
    for (const address of ['10.0.0.5', '169.254.169.254', '192.168.1.1', 'fd00::1', '::ffff:10.0.0.5', '0.0.0.0'])
      expect(addressProblem(address, LOCAL)).toBeDefined();
  });
});

describe('names and URLs (the checks made when a URL is saved)', () => {
  test.each([
    ['localhost', /loopback name/],
    ['LOCALHOST.', /loopback name/],
    ['api.localhost', /loopback name/],
    ['metadata.google.internal', /internal name \(\*\.internal\)/],
    ['ip-10-0-0-5.ec2.internal', /internal name/],
    ['printer.local', /internal name \(\*\.local\)/],
    ['nas.home.arpa', /internal name/],
    ['box.localdomain', /internal name/],
    ['intranet', /single-label/],
    ['[::1]', /loopback/],
    ['169.254.169.254', /link-local/],
  ])('host %s is refused without DNS', (host, why) => {
    expect(hostProblem(host, PUBLIC_ONLY)).toMatch(why);
  });

  test('public names are left to DNS', () => {
    for (const host of ['hooks.slack.com', 'prod-01.westus.logic.azure.com', 'receiver.example.com', 'Hooks.Slack.Com.'])
      expect(hostProblem(host, PUBLIC_ONLY)).toBeUndefined();
  });

  test('every spelling of an internal address is caught (the URL parser normalizes them first)', () => {
    for (const url of [
      'https://127.0.0.1/hook',
      'https://2130706433/hook',
      'https://0x7f.1/hook',
      'https://127.1/hook',
      'https://017700000001/hook',
      'https://0/hook',
      'https://[::1]:8443/hook',
      'https://[::ffff:169.254.169.254]/latest/meta-data',
      'https://169.254.169.254/latest/meta-data',
      'https://[fd00:ec2::254]/latest/meta-data',
      'https://10.0.0.5:8443/hook',
      'https://100.64.1.1/hook',
      'https://localhost/hook',
      'https://metadata.google.internal/computeMetadata/v1/',
    ]) {
      expect(urlTargetProblem(url, PUBLIC_ONLY)).toMatch(/not a public internet address/);
    }
  });

  test('the message says why and never repeats the URL, its path or its host', () => {
    const problem = urlTargetProblem('https://10.1.2.3/services/T000/SECRET', PUBLIC_ONLY) ?? '';
    expect(problem).toBe('Refusing the target URL: its host is not a public internet address: private (10.0.0.0/8)');
    expect(urlTargetProblem('https://vault.internal/SECRET', PUBLIC_ONLY)).not.toMatch(/vault|SECRET/);
  });

  test('https only; plain http only to loopback and only with the local opt-in; no credentials', () => {
    expect(urlTargetProblem('https://hooks.slack.com/services/T/B/X', PUBLIC_ONLY)).toBeUndefined();
    expect(urlTargetProblem('http://hooks.slack.com/services/T/B/X', PUBLIC_ONLY)).toMatch(/non-https/);
    expect(urlTargetProblem('http://hooks.slack.com/services/T/B/X', LOCAL)).toMatch(/non-https/);
    expect(urlTargetProblem('http://127.0.0.1:9999/hook', PUBLIC_ONLY)).toMatch(/loopback/);
    expect(urlTargetProblem('http://127.0.0.1:9999/hook', LOCAL)).toBeUndefined();
    expect(urlTargetProblem('http://localhost:9999/hook', LOCAL)).toBeUndefined();
    expect(urlTargetProblem('http://[::1]:9999/hook', LOCAL)).toBeUndefined();
    expect(urlTargetProblem('http://10.0.0.5/hook', LOCAL)).toMatch(/private/);
    expect(urlTargetProblem('ftp://hooks.slack.com/x', PUBLIC_ONLY)).toMatch(/non-https/);
    expect(urlTargetProblem('https://user:pw@hooks.slack.com/x', PUBLIC_ONLY)).toMatch(/credentials/);
    expect(urlTargetProblem('not a url', PUBLIC_ONLY)).toMatch(/not a valid URL/);
  });

  test('loopback is allowed only by AW_ALLOW_PRIVATE_WEBHOOKS=local, and never inside Lambda', () => {
    expect(targetPolicyFromEnv({})).toEqual({ allowLoopback: false });
    expect(targetPolicyFromEnv({ AW_ALLOW_PRIVATE_WEBHOOKS: 'true' })).toEqual({ allowLoopback: false });
    expect(targetPolicyFromEnv({ AW_ALLOW_PRIVATE_WEBHOOKS: '1', AW_STAGE: 'local' })).toEqual({ allowLoopback: false });
    expect(targetPolicyFromEnv({ AW_ALLOW_PRIVATE_WEBHOOKS: 'local' })).toEqual({ allowLoopback: true });
    expect(targetPolicyFromEnv({ AW_ALLOW_PRIVATE_WEBHOOKS: 'local', AWS_LAMBDA_FUNCTION_NAME: 'aw-prod-sla' })).toEqual({
      allowLoopback: false,
    });
  });
});

/** A resolver answering from a table, counting its calls. */
function fakeResolver(answers: Record<string, string[] | Error>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string): Promise<LookupAddress[]> => {
    calls.push(host);
    const answer = answers[host];
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    if (answer instanceof Error) throw answer;
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

describe('resolution (the checks made when a URL is used)', () => {
  test('every address of the name must be public: one private address among public ones refuses it', async () => {
    const resolve = fakeResolver({ 'hooks.example.com': ['93.184.216.34', '10.0.0.5'] });
    const result = await resolveTarget('https://hooks.example.com/SECRET', PUBLIC_ONLY, resolve);
    expect(result).toEqual({
      ok: false,
      retryable: false,
      problem: 'Refusing the target URL: its host resolves to 10.0.0.5, not a public internet address: private (10.0.0.0/8)',
    });
  });

  test('an IPv6 answer is judged too (unique-local, IPv4-mapped metadata)', async () => {
    for (const address of ['fd00:ec2::254', '::ffff:169.254.169.254']) {
      const result = await resolveTarget('https://hooks.example.com/x', PUBLIC_ONLY, fakeResolver({ 'hooks.example.com': [address] }));
      expect(result).toMatchObject({ ok: false, retryable: false });
    }
  });

  test('a public name gives its addresses to connect to; a literal address asks no resolver', async () => {
    const resolve = fakeResolver({ 'hooks.example.com': ['93.184.216.34', '2606:2800:220:1::1'] });
    expect(await resolveTarget('https://hooks.example.com./x', PUBLIC_ONLY, resolve)).toMatchObject({
      ok: true,
      host: 'hooks.example.com',
      addresses: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
    });
    expect(resolve.calls).toEqual(['hooks.example.com']);
    expect(await resolveTarget('https://[2606:4700:4700::1111]/x', PUBLIC_ONLY, resolve)).toMatchObject({
      ok: true,
      addresses: [{ address: '2606:4700:4700::1111', family: 6 }],
    });
    expect(resolve.calls).toHaveLength(1);
  });

  test('a failed lookup is worth another try; a refused URL is not even looked up', async () => {
    const resolve = fakeResolver({});
    expect(await resolveTarget('https://gone.example.com/x', PUBLIC_ONLY, resolve)).toEqual({
      ok: false,
      retryable: true,
      problem: 'DNS lookup of the target failed (ENOTFOUND)',
    });
    expect(await resolveTarget('https://169.254.169.254/x', PUBLIC_ONLY, resolve)).toMatchObject({ ok: false, retryable: false });
    expect(await resolveTarget('https://vault.internal/x', PUBLIC_ONLY, resolve)).toMatchObject({ ok: false, retryable: false });
    expect(resolve.calls).toEqual(['gone.example.com']);
  });

  test('the pinned lookup answers only the checked host, only with the checked addresses', () => {
    const lookup = pinnedLookup('hooks.example.com', [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
    const ask = (host: string, options: object) =>
      new Promise<{ error: Error | null; address: unknown; family?: number }>((done) =>
        lookup(host, options, (error, address, family) => done({ error, address, family })),
      );
    return Promise.all([
      ask('hooks.example.com', { all: true }).then((answer) =>
        expect(answer.address).toEqual([
          { address: '93.184.216.34', family: 4 },
          { address: '2606:2800:220:1::1', family: 6 },
        ]),
      ),
      ask('hooks.example.com', { family: 6 }).then((answer) => expect(answer).toMatchObject({ address: '2606:2800:220:1::1', family: 6 })),
      ask('hooks.example.com', {}).then((answer) => expect(answer).toMatchObject({ address: '93.184.216.34', family: 4 })),
      ask('metadata.example.com', { all: true }).then((answer) => expect(answer.error?.message).toMatch(/not checked/)),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// The senders, end to end against receivers on loopback.

const notification: NotificationInput = {
  kind: 'sla-breach',
  at: '2026-03-02T10:00:00.000Z',
  incident: {
    id: 'inc-01',
    tenantId: 'acme',
    tenantName: 'Acme Corp',
    title: 'Disk full on db-prod-01',
    severity: 'high',
    status: 'open',
    assetRef: 'db-prod-01',
    openedAt: '2026-03-02T09:00:00.000Z',
    url: 'https://aw.example.com/incidents/inc-01',
  },
  clock: 'response',
  deadline: '2026-03-02T09:30:00.000Z',
};

/** A receiver on `host` (a loopback address) that counts what it gets. */
async function receiver(host: string): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? '');
    request.resume();
    request.on('end', () => response.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('senders', () => {
  let local: Awaited<ReturnType<typeof receiver>>;
  let other: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    // Linux routes all of 127.0.0.0/8 to loopback: 127.0.0.2 is a second address no DNS answer names.
    [local, other] = await Promise.all([receiver('127.0.0.1'), receiver('127.0.0.2')]);
  });
  afterAll(async () => {
    await Promise.all([close(local.server), close(other.server)]);
  });
  beforeEach(() => {
    local.hits.length = 0;
    other.hits.length = 0;
  });

  test('a loopback receiver is refused without the local opt-in, and never contacted', async () => {
    const slack = createSlackSender({ policy: PUBLIC_ONLY });
    const result = await slack(renderSlack(notification), { url: `http://127.0.0.1:${local.port}/services/SECRET` });
    expect(result).toEqual({
      ok: false,
      retryable: false,
      error: 'Refusing the target URL: its host is not a public internet address: loopback (127.0.0.0/8)',
    });
    expect(local.hits).toEqual([]);
  });

  test('a name that resolves to a private address is refused after DNS, not retryable, never contacted', async () => {
    const resolve = fakeResolver({ 'hooks.partner.example': ['10.0.0.5'] });
    const webhook = createWebhookSender({ policy: LOCAL, resolve });
    const request = renderWebhook(notification, { secret: 'whsec-0123456789abcdef', deliveryId: 'ntf-1', now: new Date() });
    const result = await webhook(request, { url: 'https://hooks.partner.example/SECRET' });
    expect(result).toEqual({
      ok: false,
      retryable: false,
      error: 'Refusing the target URL: its host resolves to 10.0.0.5, not a public internet address: private (10.0.0.0/8)',
    });
    expect(resolve.calls).toEqual(['hooks.partner.example']);
    expect([...local.hits, ...other.hits]).toEqual([]);
  });

  test('the connection goes to the address that was checked, never to a second DNS answer (rebinding)', async () => {
    // The system resolver says localhost is 127.0.0.1 (or ::1), where `local` listens; the checked
    // answer says 127.0.0.2, where `other` listens. One lookup is made, and the request reaches `other`.
    const resolve = fakeResolver({ localhost: ['127.0.0.2'] });
    const slack = createSlackSender({ policy: LOCAL, resolve });
    const result = await slack(renderSlack(notification), { url: `http://localhost:${other.port}/services/T/B/X` });
    expect(result).toEqual({ ok: true, status: 200, retryable: false });
    expect(other.hits).toEqual(['/services/T/B/X']);
    expect(local.hits).toEqual([]);
    expect(resolve.calls).toEqual(['localhost']);
  });

  test('with the system resolver, a loopback name reaches the local receiver only with the opt-in', async () => {
    const slack = createSlackSender({ policy: LOCAL });
    // localhost may resolve to ::1 first; the receiver listens on 127.0.0.1: every checked address is tried.
    expect(await slack(renderSlack(notification), { url: `http://localhost:${local.port}/hook` })).toMatchObject({ ok: true });
    expect(local.hits).toEqual(['/hook']);
    expect(
      await createSlackSender({ policy: PUBLIC_ONLY })(renderSlack(notification), { url: `http://localhost:${local.port}/hook` }),
    ).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringMatching(/loopback name/),
    });
    expect(local.hits).toHaveLength(1);
  });
});
