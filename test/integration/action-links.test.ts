import type { Context } from 'aws-lambda';
import { ulid } from 'ulid';
import { routeContext, type ApiDeps, type Route } from '../../lib/api/context';
import { openApiDocument } from '../../lib/api/openapi';
import { actionLinkRoutes } from '../../lib/api/routes/action-links';
import type { KeySet } from '../../lib/auth/tokens';
import { correlateAlerts, type CorrelateDeps } from '../../lib/correlation/correlate';
import type { CanonicalAlert } from '../../lib/domain/alert';
import { assetSchema, Inventory } from '../../lib/domain/asset';
import { DEFAULT_POLICY } from '../../lib/domain/correlation/policy';
import { DETAIL_TYPES } from '../../lib/domain/events';
import { deriveLinkSecret, makeToken, type ActionLinkChannel } from '../../lib/domain/notify/action-link';
import type { Orchestrator } from '../../lib/domain/remediation/step-contract';
import { httpHandler, type HttpEvent, type HttpResult } from '../../lib/http/http';
import { actOnActionLink, issueActionLink } from '../../lib/notify/action-links';
import { handleInboundSms } from '../../lib/notify/inbound-sms';
import { getActionLink, latestLinkFor } from '../../lib/store/action-links';
import { storeAlerts } from '../../lib/store/alerts';
import { listAudit } from '../../lib/store/audit';
import { getIncident } from '../../lib/store/sla';
import type { TableRef } from '../../lib/store/table-ref';
import { putTenant } from '../../lib/store/tenants';
import { confirmPhone } from '../../lib/store/phones';
import { createUser, deleteUser, getAccessVersion, updateUser } from '../../lib/store/users';
import { createTestTable } from '../helpers/dynamo';
import { committedEvents } from '../helpers/outbox';

/**
 * One-tap action links on DynamoDB Local, the routes called through their own handlers: GET shows the
 * incident and never acts; POST acts once per action and link as the link's user (audited as them); a
 * second user's link says who was first; expired, revoked (user deleted, role changed) and unknown links
 * are refused with a page (or the error shape for a non-browser client); two-way SMS "ACK" from a user's
 * verified number acknowledges through the same path.
 */

const TENANT = 'links-co';
const OTHER_TENANT = 'links-other';
const HOUR = 3_600_000;
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const keySet: KeySet = {
  current: { kid: 'k2', secret: 'current-secret-of-the-action-link-test-0123456789' },
  previous: [{ kid: 'k1', secret: 'previous-secret-of-the-action-link-test-0123456789' }],
};

let table: TableRef;
let routes: Route[];
const users = {
  ann: { id: 'u-ann', email: 'ann@links.example', name: 'Ann' },
  bob: { id: 'u-bob', email: 'bob@links.example', name: 'Bob' },
  carl: { id: 'u-carl', email: 'carl@links.example', name: 'Carl' },
  dana: { id: 'u-dana', email: 'dana@links.example', name: 'Dana' },
  olga: { id: 'u-olga', email: 'olga@links.example', name: 'Olga' },
  sam: { id: 'u-sam', email: 'sam@links.example', name: 'Sam' },
};
const SAM_PHONE = '+447700900123';

/** The user's number as verified (what confirming the SMS code stores). */
async function verifyPhone(userId: string, number: string): Promise<void> {
  const at = new Date();
  const pending = {
    number,
    codeHash: '0'.repeat(64),
    salt: 'test-salt',
    sentAt: at.toISOString(),
    expiresAt: at.toISOString(),
    attempts: 0,
  };
  await confirmPhone(table, { userId, pending, updatedAt: at.toISOString() }, at);
}

const inventory = new Inventory(
  ['db-01', 'web-01', 'app-01', 'mail-01', 'dns-01', 'sms-01', 'race-01', 'fail-01'].map((id) =>
    assetSchema.parse({ id, name: id, type: 'server' }),
  ),
);
const correlate = (): CorrelateDeps => ({
  table,
  now: () => new Date(),
  inventory: { get: async () => inventory },
  policies: { get: async () => DEFAULT_POLICY },
});
const orchestrator: Orchestrator = {
  start: async () => {
    throw new Error('no runbooks here');
  },
  sendApproval: async () => undefined,
} as unknown as Orchestrator;

/** A new incident on `asset`, opened through storage and correlation. */
async function openIncident(asset: string, title = `DiskFull on ${asset}`): Promise<string> {
  const at = new Date();
  const alert: CanonicalAlert = {
    id: ulid(at.getTime()),
    tenantId: TENANT,
    source: 'test',
    status: 'firing',
    severity: 'critical',
    assetRef: asset,
    assetId: null,
    signature: title,
    message: title,
    labels: {},
    dedupKey: `test|${asset}|${title}`,
    occurredAt: at.toISOString(),
    receivedAt: at.toISOString(),
    deliveryId: ulid(),
  };
  await storeAlerts(table, TENANT, [alert], at);
  const [result] = await correlateAlerts([alert], correlate());
  if (result?.kind !== 'open') throw new Error(`no new incident: ${JSON.stringify(result)}`);
  return result.incidentId;
}

async function linkFor(
  user: { id: string },
  incidentId: string,
  options: { channel?: ActionLinkChannel; at?: Date; keys?: KeySet } = {},
): Promise<string> {
  const accessVersion = (await getAccessVersion(table, user.id))!;
  const { token, url, expiresAt } = await issueActionLink(
    { table, keySet: options.keys ?? keySet, now: () => options.at ?? new Date(), baseUrl: 'https://api.links.example/' },
    { tenantId: TENANT, incidentId, userId: user.id, accessVersion, channel: options.channel ?? 'email' },
  );
  expect(url).toBe(`https://api.links.example/a/${token}`);
  expect(Date.parse(expiresAt) - (options.at ?? new Date()).getTime()).toBeGreaterThan(24 * HOUR - 5_000);
  return token;
}

function pageEvent(
  method: 'GET' | 'POST',
  token: string,
  options: { body?: string; contentType?: string; accept?: string } = {},
): HttpEvent {
  return {
    version: '2.0',
    routeKey: `${method} /a/{token}`,
    rawPath: `/a/${token}`,
    rawQueryString: '',
    headers: {
      accept: options.accept ?? BROWSER_ACCEPT,
      'user-agent': 'Mozilla/5.0 (iPhone) links-test',
      ...(options.contentType ? { 'content-type': options.contentType } : {}),
    },
    pathParameters: { token },
    requestContext: {
      http: { method, path: `/a/${token}`, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'links-test' },
      requestId: `req-${ulid()}`,
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: false,
  } as unknown as HttpEvent;
}

/** The link id a token names (its first 10 characters). */
const linkIdOf = (token: string) => token.slice(0, 10);

const route = (method: Route['method']) => routes.find((candidate) => candidate.method === method && candidate.path === '/a/{token}')!;

async function call(
  method: 'GET' | 'POST',
  token: string,
  options: Parameters<typeof pageEvent>[2] = {},
): Promise<{ status: number; html: string; headers: Record<string, unknown> }> {
  const result = (await route(method).handler(pageEvent(method, token, options))) as HttpResult;
  return { status: result.statusCode ?? 200, html: String(result.body), headers: result.headers ?? {} };
}
const open = (token: string) => call('GET', token);
const post = (token: string, action: string) =>
  call('POST', token, { body: `action=${action}`, contentType: 'application/x-www-form-urlencoded' });

/** As the API function serves it (errors through the one error middleware), for a client that is not a browser. */
async function asApiClient(method: 'GET' | 'POST', token: string, body?: string, contentType = 'application/json') {
  const handler = httpHandler(route(method).handler);
  const result = await handler(
    pageEvent(method, token, { accept: '*/*', ...(body === undefined ? {} : { body, contentType }) }),
    {} as Context,
  );
  return { status: result.statusCode ?? 200, body: String(result.body), contentType: String(result.headers?.['content-type']) };
}

const userAudit = async (incidentId: string) =>
  (await listAudit(table, TENANT, {}, { limit: 500 })).entries.filter(
    (entry) => entry.resource?.id === incidentId && entry.actor.type === 'user',
  );

beforeAll(async () => {
  table = await createTestTable('action-links');
  const createdAt = new Date().toISOString();
  await putTenant(table, { id: TENANT, name: 'Links & Co <Ltd>', createdAt });
  await putTenant(table, { id: OTHER_TENANT, name: 'Other Ltd', createdAt });
  for (const [name, user] of Object.entries(users)) {
    await createUser(table, {
      ...user,
      role: 'technician',
      tenantIds: [name === 'olga' ? OTHER_TENANT : TENANT],
      skills: [],
      createdAt,
      passwordHash: 'x',
    });
  }
  const apiDeps: ApiDeps = { table, keySet: async () => keySet, now: () => new Date(), stage: 'test', orchestrator };
  routes = actionLinkRoutes(routeContext(apiDeps));
});

test('both routes are public, documented, and take a form or JSON', () => {
  expect(routes.map((one) => `${one.method} ${one.path} ${one.doc.scope}`)).toEqual(['GET /a/{token} public', 'POST /a/{token} public']);
  const document = openApiDocument(routes, []);
  const operations = document.paths['/a/{token}']!;
  expect(Object.keys(operations).sort()).toEqual(['get', 'post']);
  expect(JSON.stringify(operations.post!.requestBody)).toContain('"enum":["acknowledge","resolve","escalate"]');
  expect(Object.keys(operations.post!.responses as object)).toEqual(expect.arrayContaining(['200', '403', '404', '409', '410', '415']));
  expect(operations.get!.security).toEqual([]);
});

test('GET shows the incident with three post buttons, with the page headers, and acknowledges nothing (however often)', async () => {
  const incidentId = await openIncident('db-01', 'DiskFull <b>on</b> db-01');
  const token = await linkFor(users.ann, incidentId);
  for (let round = 0; round < 3; round++) {
    const page = await open(token);
    expect(page.status).toBe(200);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
    expect(String(page.headers['content-security-policy'])).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'/,
    );
    expect(page.html).toContain('DiskFull &#60;b&#62;on&#60;/b&#62; db-01');
    expect(page.html).toContain('Links &#38; Co &#60;Ltd&#62;');
    expect(page.html).toContain('<dt>Status</dt><dd>open</dd>');
    expect(page.html).toMatch(/<dt>Severity<\/dt><dd><span class="sev sev-critical">critical<\/span>/);
    expect(
      [...page.html.matchAll(/<form method="post"><input type="hidden" name="action" value="(\w+)">/g)].map((match) => match[1]),
    ).toEqual(['acknowledge', 'resolve', 'escalate']);
    expect(Buffer.byteLength(page.html)).toBeLessThan(8 * 1024);
  }
  expect(await getIncident(table, TENANT, incidentId)).toMatchObject({ status: 'open' });
  expect((await getIncident(table, TENANT, incidentId))!.acknowledgedBy).toBeUndefined();
  expect((await getActionLink(table, linkIdOf(token)))!.used).toEqual({});
  expect(await userAudit(incidentId)).toEqual([]);
});

test('POST acknowledge acknowledges as the link user, audited as them; the same action again says the link was used; another user learns who was first', async () => {
  const incidentId = await openIncident('web-01');
  const annToken = await linkFor(users.ann, incidentId);
  const bobToken = await linkFor(users.bob, incidentId);

  const acked = await post(annToken, 'acknowledge');
  expect(acked.status).toBe(200);
  expect(acked.html).toContain('Acknowledged by ann@links.example');
  expect(acked.html).toContain('<dt>Status</dt><dd>acknowledged</dd>');
  expect(acked.html).toMatch(/<dt>Acknowledged<\/dt><dd>by ann@links.example at \d{4}-\d\d-\d\d \d\d:\d\d UTC<\/dd>/);
  const incident = (await getIncident(table, TENANT, incidentId))!;
  expect(incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: users.ann.email });
  const audit = await userAudit(incidentId);
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({
    action: 'incident.acknowledge',
    actor: { type: 'user', id: users.ann.id, email: users.ann.email, role: 'technician' },
    sourceIp: '203.0.113.7',
    summary: { before: { status: 'open' }, after: { status: 'acknowledged', via: 'link' } },
  });
  expect((await getActionLink(table, linkIdOf(annToken)))!.used.acknowledge).toEqual({ at: expect.any(String) });

  const again = await post(annToken, 'acknowledge');
  expect(again.status).toBe(409);
  expect(again.html).toContain('This link was already used to acknowledge');
  expect(again.html).toContain('<dt>Status</dt><dd>acknowledged</dd>');

  const second = await post(bobToken, 'acknowledge');
  expect(second.status).toBe(200);
  expect(second.html).toMatch(/Already acknowledged by ann@links\.example at \d\d:\d\d UTC/);
  expect((await getIncident(table, TENANT, incidentId))!.acknowledgedBy).toBe(users.ann.email);
  expect(await userAudit(incidentId)).toHaveLength(1);

  // A JSON client is told in the error shape.
  const json = await asApiClient('POST', annToken, '{"action":"acknowledge"}');
  expect(json.status).toBe(409);
  expect(JSON.parse(json.body)).toEqual({ error: { code: 'link_used', message: 'This link was already used to acknowledge' } });

  // The next action of the same link still works: resolve, through correlation's operator path.
  const resolved = await post(annToken, 'resolve');
  expect(resolved.status).toBe(200);
  expect(resolved.html).toContain('Resolved by ann@links.example');
  expect(resolved.html).not.toContain('<form');
  expect(await getIncident(table, TENANT, incidentId)).toMatchObject({ status: 'resolved', resolvedBy: users.ann.email });
  expect((await userAudit(incidentId)).map((entry) => entry.action).sort()).toEqual(['incident.acknowledge', 'incident.resolve']);
});

test('escalate asks for the next level (an EscalationRequested event) as the link user', async () => {
  const incidentId = await openIncident('app-01');
  const token = await linkFor(users.bob, incidentId);
  const page = await post(token, 'escalate');
  expect(page.status).toBe(200);
  expect(page.html).toContain('Escalation requested by bob@links.example');
  const requested = await committedEvents(
    table,
    (event) => event.detailType === DETAIL_TYPES.escalationRequested && (event.detail as { incidentId?: string }).incidentId === incidentId,
  );
  expect(requested).toHaveLength(1);
  expect(requested[0]!.detail).toMatchObject({ actor: users.bob.email, requesterId: users.bob.id });
});

test('two taps at once: one acts, the other is told the link was used', async () => {
  const incidentId = await openIncident('race-01');
  const token = await linkFor(users.ann, incidentId);
  const answers = await Promise.all([post(token, 'acknowledge'), post(token, 'acknowledge'), post(token, 'acknowledge')]);
  expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409]);
  expect(await userAudit(incidentId)).toHaveLength(1);
});

test('a user whose role may not act is refused on the page, and the claim stays (the refusal is shown again as used)', async () => {
  const incidentId = await openIncident('mail-01');
  const token = await linkFor(users.olga, incidentId); // works for another company
  const refused = await post(token, 'acknowledge');
  expect(refused.status).toBe(403);
  expect(refused.html).toContain('Your role may not acknowledge');
  expect(await getIncident(table, TENANT, incidentId)).toMatchObject({ status: 'open' });
  expect((await post(token, 'acknowledge')).status).toBe(409);
});

test('when the action fails (an exception), the claim is released and the same action can be taken again', async () => {
  const incidentId = await openIncident('fail-01');
  const token = await linkFor(users.ann, incidentId);
  const broken: CorrelateDeps = {
    ...correlate(),
    policies: {
      get: async () => {
        throw new Error('policy store down');
      },
    },
  };
  const deps = { table, keySet, now: () => new Date() };
  await expect(actOnActionLink({ ...deps, correlate: broken }, token, 'resolve')).rejects.toThrow('policy store down');
  expect((await getActionLink(table, linkIdOf(token)))!.used.resolve).toBeUndefined();
  expect(await getIncident(table, TENANT, incidentId)).toMatchObject({ status: 'open' });
  const retried = await actOnActionLink({ ...deps, correlate: correlate() }, token, 'resolve');
  expect(retried).toMatchObject({ ok: true, outcome: { result: 'done' } });
  expect(await getIncident(table, TENANT, incidentId)).toMatchObject({ status: 'resolved' });
});

test('an expired link is a 410 page on GET and POST and acts on nothing', async () => {
  const incidentId = await openIncident('dns-01');
  const token = await linkFor(users.ann, incidentId, { at: new Date(Date.now() - 25 * HOUR) });
  for (const page of [await open(token), await post(token, 'acknowledge')]) {
    expect(page.status).toBe(410);
    expect(page.html).toContain('This link has expired');
    expect(page.html).not.toContain('<form');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  }
  expect(await getIncident(table, TENANT, incidentId)).toMatchObject({ status: 'open' });
  expect((await getActionLink(table, linkIdOf(token)))!.used).toEqual({});
  const json = await asApiClient('GET', token);
  expect([json.status, JSON.parse(json.body).error.code]).toEqual([410, 'expired']);
});

test("a deleted user's link, and one made before the user's role changed, are a 403 page", async () => {
  const incidentId = await openIncident('db-01', 'MemoryHigh on db-01');
  const carlToken = await linkFor(users.carl, incidentId);
  const danaToken = await linkFor(users.dana, incidentId);
  expect((await open(carlToken)).status).toBe(200);
  expect((await open(danaToken)).status).toBe(200);

  await deleteUser(table, users.carl);
  await updateUser(table, users.dana.id, { role: 'company_admin' });
  for (const token of [carlToken, danaToken]) {
    for (const page of [await open(token), await post(token, 'acknowledge')]) {
      expect(page.status).toBe(403);
      expect(page.html).toContain('This link no longer works');
      expect(page.html).not.toContain('<form');
    }
  }
  expect(await getIncident(table, TENANT, incidentId)).toMatchObject({ status: 'open' });
  // A link made after the change works.
  expect((await open(await linkFor(users.dana, incidentId))).status).toBe(200);
});

test('garbage, forged and unknown tokens are a 404 page (the error shape for an API client), never a 5xx', async () => {
  const forged = makeToken(deriveLinkSecret('not-one-of-our-keys-not-one-of-our-keys')).token;
  const unknown = makeToken(deriveLinkSecret(keySet.current.secret)).token; // signed, but no such link stored
  const olderKey = makeToken(deriveLinkSecret(keySet.previous[0]!.secret)).token; // likewise, with the previous key
  for (const token of ['garbage', '', ' ', 'x'.repeat(3000), '..%2F..%2Fetc', '<script>', forged, unknown, olderKey]) {
    for (const page of [await open(token), await post(token, 'acknowledge')]) {
      expect([token.slice(0, 20), page.status]).toEqual([token.slice(0, 20), 404]);
      expect(page.html).toContain('Link not found');
      expect(page.html).not.toContain('<script>');
    }
    for (const [method, body, contentType] of [
      ['GET', undefined, undefined],
      ['POST', '{"action":"acknowledge"}', 'application/json'],
      ['POST', 'action=acknowledge', 'application/x-www-form-urlencoded'],
    ] as const) {
      const json = await asApiClient(method, token, body, contentType);
      expect([method, json.status, json.contentType]).toEqual([method, 404, 'application/json; charset=utf-8']);
      expect(JSON.parse(json.body)).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    }
  }
  // A link made with the previous key, still in the set, works.
  const incidentId = await openIncident('web-01', 'PreviousKey on web-01');
  const previousOnly: KeySet = { current: keySet.previous[0]!, previous: [] };
  expect((await open(await linkFor(users.ann, incidentId, { keys: previousOnly }))).status).toBe(200);
});

test('malformed bodies are refusals (4xx, the error shape for an API client) and act on nothing', async () => {
  const incidentId = await openIncident('app-01', 'BodyCheck on app-01');
  const token = await linkFor(users.ann, incidentId);
  const cases: Array<[string | undefined, string, number]> = [
    [undefined, 'application/json', 400],
    ['', 'application/x-www-form-urlencoded', 400],
    ['{"this is": not json', 'application/json', 400],
    ['null', 'application/json', 400],
    ['[1,2,3]', 'application/json', 400],
    ['{"action":"delete"}', 'application/json', 400],
    ['{"action":"acknowledge","extra":1}', 'application/json', 400],
    ['{"action":"acknowledge"}', 'text/html', 415],
    [`{"action":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, 'application/json', 413],
    [`{"action":${'['.repeat(40)}${']'.repeat(40)}}`, 'application/json', 422],
    [`{"__proto__":{"polluted":true},"action":"acknowledge"}`, 'application/json', 400],
  ];
  for (const [body, contentType, status] of cases) {
    const json = await asApiClient('POST', token, body, contentType);
    expect([body?.slice(0, 30), json.status]).toEqual([body?.slice(0, 30), status]);
    const { error } = JSON.parse(json.body);
    expect([
      typeof error.code,
      typeof error.message,
      Object.keys(error).every((key) => ['code', 'message', 'details'].includes(key)),
    ]).toEqual(['string', 'string', true]);
    const page = await call('POST', token, { ...(body === undefined ? {} : { body }), contentType });
    expect(page.status).toBe(status);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  }
  expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  expect(await getIncident(table, TENANT, incidentId)).toMatchObject({ status: 'open' });
  expect((await getActionLink(table, linkIdOf(token)))!.used).toEqual({});
});

describe('two-way SMS', () => {
  const sns = (body: string, from = SAM_PHONE) => ({
    Message: JSON.stringify({
      originationNumber: from,
      destinationNumber: '+12065550100',
      messageKeyword: 'KEYWORD_123456789012',
      messageBody: body,
      inboundMessageId: `in-${ulid()}`,
      previousPublishedMessageId: 'prev-1',
    }),
  });
  const deps = () => ({ table, now: () => new Date(), correlate: correlate() });

  beforeAll(async () => {
    await verifyPhone(users.sam.id, SAM_PHONE);
  });

  test('"ACK" from the verified number acknowledges the incident of the newest link sent by SMS, as that user', async () => {
    const older = await openIncident('sms-01', 'OlderCheck on sms-01');
    const newer = await openIncident('sms-01', 'NewerCheck on sms-01');
    const byEmail = await openIncident('sms-01', 'EmailOnly on sms-01');
    await linkFor(users.sam, older, { channel: 'sms', at: new Date(Date.now() - 2 * HOUR) });
    await linkFor(users.sam, newer, { channel: 'sms', at: new Date(Date.now() - HOUR) });
    await linkFor(users.sam, byEmail, { channel: 'email' }); // newest, but not by SMS
    expect((await latestLinkFor(table, users.sam.id, new Date(Date.now() - 24 * HOUR)))!.incidentId).toBe(newer);

    const result = await handleInboundSms(deps(), sns(' Ack. '));
    expect(result).toMatchObject({ acted: true, incidentId: newer, result: 'done' });
    expect(await getIncident(table, TENANT, newer)).toMatchObject({ status: 'acknowledged', acknowledgedBy: users.sam.email });
    expect(await getIncident(table, TENANT, older)).toMatchObject({ status: 'open' });
    expect(await getIncident(table, TENANT, byEmail)).toMatchObject({ status: 'open' });
    expect((await userAudit(newer))[0]).toMatchObject({
      action: 'incident.acknowledge',
      actor: { id: users.sam.id },
      summary: { after: { via: 'sms' } },
    });
    // A second "1" is the link's second acknowledgement: nothing more happens.
    expect(await handleInboundSms(deps(), sns('1'))).toMatchObject({ acted: true, result: 'used' });
    expect(await userAudit(newer)).toHaveLength(1);
  });

  test('from an unknown number, any other text, a malformed payload, or with no SMS link in the last 24 hours: nothing happens', async () => {
    const incidentId = await openIncident('sms-01', 'UnknownNumber on sms-01');
    await linkFor(users.sam, incidentId, { channel: 'sms' });
    expect(await handleInboundSms(deps(), sns('ACK', '+447700900999'))).toEqual({ acted: false, reason: 'unknown-number' });
    expect(await handleInboundSms(deps(), sns('STOP'))).toEqual({ acted: false, reason: 'not-an-acknowledgement' });
    expect(await handleInboundSms(deps(), sns('ACK please'))).toEqual({ acted: false, reason: 'not-an-acknowledgement' });
    expect(await handleInboundSms(deps(), { Message: 'not json' })).toEqual({ acted: false, reason: 'malformed' });
    expect(await handleInboundSms(deps(), { Message: JSON.stringify({ messageBody: 'ACK' }) })).toEqual({
      acted: false,
      reason: 'malformed',
    });
    expect(await getIncident(table, TENANT, incidentId)).toMatchObject({ status: 'open' });
    expect(await userAudit(incidentId)).toEqual([]);

    // Ann has a verified number too, but her only SMS link is two days old.
    await verifyPhone(users.ann.id, '+447700900456');
    const stale = await openIncident('sms-01', 'StaleLink on sms-01');
    await linkFor(users.ann, stale, { channel: 'sms', at: new Date(Date.now() - 48 * HOUR) });
    expect(await handleInboundSms(deps(), sns('ACK', '+447700900456'))).toEqual({ acted: false, reason: 'no-recent-link' });
    expect(await getIncident(table, TENANT, stale)).toMatchObject({ status: 'open' });
  });
});
