// The local API Gateway's route selection and payload 2.0 events, and the local EventBridge pattern matcher.
// Pure functions only: no server is started.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { matchesPattern } from '../../local/aws/eventbridge-emulator';
import { matchHttpRoute, toHttpApiEvent } from '../../local/gateway';

describe('matchHttpRoute', () => {
  test('GET /health matches the health route without path parameters', () => {
    expect(matchHttpRoute('GET', '/health')).toEqual({ function: 'api', routeKey: 'GET /health' });
  });

  test('POST /health matches nothing (the route is GET only and outside /v1)', () => {
    expect(matchHttpRoute('POST', '/health')).toBeUndefined();
  });

  test('POST /v1/webhooks/generic picks the webhook route over the greedy ANY /v1/{proxy+}', () => {
    expect(matchHttpRoute('POST', '/v1/webhooks/generic')).toEqual({
      function: 'ingestWebhook',
      routeKey: 'POST /v1/webhooks/{source}',
      pathParameters: { source: 'generic' },
    });
  });

  test('GET /v1/webhooks/generic falls to ANY /v1/{proxy+} with the rest of the path as proxy', () => {
    expect(matchHttpRoute('GET', '/v1/webhooks/generic')).toEqual({
      function: 'api',
      routeKey: 'ANY /v1/{proxy+}',
      pathParameters: { proxy: 'webhooks/generic' },
    });
  });

  test('a {variable} matches one segment only: a deeper webhook path goes to the proxy route', () => {
    expect(matchHttpRoute('POST', '/v1/webhooks/generic/extra')).toMatchObject({
      routeKey: 'ANY /v1/{proxy+}',
      pathParameters: { proxy: 'webhooks/generic/extra' },
    });
  });

  test.each([['DELETE'], ['PATCH'], ['PUT']])('%s /v1/incidents/123 goes to ANY /v1/{proxy+}', (method) => {
    expect(matchHttpRoute(method, '/v1/incidents/123')).toEqual({
      function: 'api',
      routeKey: 'ANY /v1/{proxy+}',
      pathParameters: { proxy: 'incidents/123' },
    });
  });

  test.each([['/'], ['/index.html'], ['/v1'], ['/v1/'], ['/v2/incidents'], ['/healthz']])(
    '%s outside the API routes -> undefined',
    (path) => {
      expect(matchHttpRoute('GET', path)).toBeUndefined();
    },
  );

  test('url-encoded path parameters are decoded', () => {
    expect(matchHttpRoute('POST', '/v1/webhooks/my%20tool')?.pathParameters).toEqual({ source: 'my tool' });
    expect(matchHttpRoute('GET', '/v1/incidents/db%2Fprod')?.pathParameters).toEqual({ proxy: 'incidents/db/prod' });
    expect(matchHttpRoute('GET', '/v1/assets/db%2Fprod')).toMatchObject({ function: 'adminApi', pathParameters: { proxy: 'db/prod' } });
  });
});

function fakeRequest(init: { method?: string; url: string; headers: Record<string, string | string[]> }): IncomingMessage {
  return Object.assign(new Readable({ read() {} }), { httpVersion: '1.1', method: 'GET', ...init }) as unknown as IncomingMessage;
}

const webhookRoute = { function: 'ingestWebhook' as const, routeKey: 'POST /v1/webhooks/{source}', pathParameters: { source: 'generic' } };
const proxyRoute = { function: 'api' as const, routeKey: 'ANY /v1/{proxy+}', pathParameters: { proxy: 'incidents' } };

describe('toHttpApiEvent', () => {
  const json = '{"asset_name":"web-01","severity":"high"}';
  const jsonRequest = () =>
    fakeRequest({
      method: 'POST',
      url: '/v1/webhooks/generic?tenant=acme&tag=a&tag=b&q=x%20y',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': 'secret', Host: 'localhost:3000', 'User-Agent': 'curl/8' },
    });

  test('builds a payload 2.0 event with route, path and raw query string', () => {
    const event = toHttpApiEvent(jsonRequest(), Buffer.from(json), webhookRoute, '192.0.2.10');
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /v1/webhooks/{source}',
      rawPath: '/v1/webhooks/generic',
      rawQueryString: 'tenant=acme&tag=a&tag=b&q=x%20y',
      pathParameters: { source: 'generic' },
    });
  });

  test('lower-cases header names and keeps their values', () => {
    const event = toHttpApiEvent(jsonRequest(), Buffer.from(json), webhookRoute, '192.0.2.10');
    expect(event.headers).toEqual({
      'content-type': 'application/json',
      'x-api-key': 'secret',
      host: 'localhost:3000',
      'user-agent': 'curl/8',
    });
  });

  test('joins the values of a repeated header with commas', () => {
    const req = fakeRequest({ url: '/v1/incidents', headers: { accept: ['application/json', 'text/plain'] } });
    expect(toHttpApiEvent(req, Buffer.alloc(0), proxyRoute, '127.0.0.1').headers).toEqual({ accept: 'application/json,text/plain' });
  });

  test('decodes query parameters and comma-joins a repeated key', () => {
    const event = toHttpApiEvent(jsonRequest(), Buffer.from(json), webhookRoute, '192.0.2.10');
    expect(event.queryStringParameters).toEqual({ tenant: 'acme', tag: 'a,b', q: 'x y' });
  });

  test('omits queryStringParameters when there is no query string', () => {
    const req = fakeRequest({ url: '/v1/incidents', headers: {} });
    const event = toHttpApiEvent(req, Buffer.alloc(0), proxyRoute, '127.0.0.1');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event.rawQueryString).toBe('');
  });

  // BUG (local/gateway.ts, toHttpApiEvent): `name in query` on a plain object also sees Object.prototype, so
  // `?toString=1` gives "function toString() { [native code] },1" and `?__proto__=x` is dropped.
  test('a query parameter named like an Object.prototype property is kept as sent', () => {
    const req = fakeRequest({ url: '/v1/incidents?toString=1&constructor=2', headers: {} });
    expect(toHttpApiEvent(req, Buffer.alloc(0), proxyRoute, '127.0.0.1').queryStringParameters).toEqual({
      toString: '1',
      constructor: '2',
    });
  });

  test('fills requestContext.http with method, path, protocol, source IP and user agent', () => {
    const event = toHttpApiEvent(jsonRequest(), Buffer.from(json), webhookRoute, '192.0.2.10');
    expect(event.requestContext.http).toEqual({
      method: 'POST',
      path: '/v1/webhooks/generic',
      protocol: 'HTTP/1.1',
      sourceIp: '192.0.2.10',
      userAgent: 'curl/8',
    });
    expect(event.requestContext.routeKey).toBe('POST /v1/webhooks/{source}');
    expect(event.requestContext.domainName).toBe('localhost:3000');
  });

  test('gives every event its own request id', () => {
    const first = toHttpApiEvent(jsonRequest(), Buffer.from(json), webhookRoute, '192.0.2.10');
    const second = toHttpApiEvent(jsonRequest(), Buffer.from(json), webhookRoute, '192.0.2.10');
    expect(first.requestContext.requestId).not.toBe(second.requestContext.requestId);
  });

  test('passes a JSON body as text, not base64', () => {
    const event = toHttpApiEvent(jsonRequest(), Buffer.from(json), webhookRoute, '192.0.2.10');
    expect(event.body).toBe(json);
    expect(event.isBase64Encoded).toBe(false);
  });

  test.each([['application/json; charset=utf-8'], ['application/vnd.api+json'], ['text/plain'], ['application/x-www-form-urlencoded']])(
    'treats %p as text',
    (contentType) => {
      const req = fakeRequest({ method: 'POST', url: '/v1/incidents', headers: { 'content-type': contentType } });
      const event = toHttpApiEvent(req, Buffer.from('héllo'), proxyRoute, '127.0.0.1');
      expect(event).toMatchObject({ body: 'héllo', isBase64Encoded: false });
    },
  );

  test('passes an application/octet-stream body base64-encoded with isBase64Encoded true', () => {
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]);
    const req = fakeRequest({ method: 'POST', url: '/v1/incidents', headers: { 'content-type': 'application/octet-stream' } });
    const event = toHttpApiEvent(req, bytes, proxyRoute, '127.0.0.1');
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64').equals(bytes)).toBe(true);
  });

  test('an empty body gives no body property and isBase64Encoded false', () => {
    const req = fakeRequest({ url: '/health', headers: { 'content-type': 'application/octet-stream' } });
    const event = toHttpApiEvent(req, Buffer.alloc(0), { function: 'api', routeKey: 'GET /health' }, '127.0.0.1');
    expect(event).not.toHaveProperty('body');
    expect(event.isBase64Encoded).toBe(false);
    expect(event).not.toHaveProperty('pathParameters');
  });

  test('splits the cookie header into the cookies list', () => {
    const req = fakeRequest({ url: '/v1/incidents', headers: { cookie: 'session=abc; theme=dark' } });
    expect(toHttpApiEvent(req, Buffer.alloc(0), proxyRoute, '127.0.0.1').cookies).toEqual(['session=abc', 'theme=dark']);
  });
});

describe('matchesPattern', () => {
  const event = {
    version: '0',
    source: 'alert-whisperer',
    'detail-type': 'IncidentOpened',
    resources: ['arn:aws:events:::incident/1'],
    detail: { tenantId: 'acme', incident: { severity: 'critical', status: 'open' } },
  };

  test('a source list matches when the event source is in it', () => {
    expect(matchesPattern({ source: ['other', 'alert-whisperer'] }, event)).toBe(true);
    expect(matchesPattern({ source: ['other'] }, event)).toBe(false);
  });

  test('every field must match: source and detail-type together', () => {
    expect(matchesPattern({ source: ['alert-whisperer'], 'detail-type': ['IncidentOpened', 'IncidentResolved'] }, event)).toBe(true);
    expect(matchesPattern({ source: ['alert-whisperer'], 'detail-type': ['IncidentResolved'] }, event)).toBe(false);
  });

  test('a {prefix} entry matches strings that start with it', () => {
    expect(matchesPattern({ 'detail-type': [{ prefix: 'Incident' }] }, event)).toBe(true);
    expect(matchesPattern({ 'detail-type': [{ prefix: 'Alert' }] }, event)).toBe(false);
  });

  test('a {prefix} entry never matches a non-string value', () => {
    expect(matchesPattern({ detail: { incident: [{ prefix: '[object' }] } }, event)).toBe(false);
  });

  test('nested detail fields are matched recursively', () => {
    expect(matchesPattern({ detail: { tenantId: ['acme'], incident: { severity: ['critical', 'high'] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { incident: { severity: ['low'] } } }, event)).toBe(false);
  });

  test('a list matches an array field when any element is listed', () => {
    expect(matchesPattern({ resources: ['arn:aws:events:::incident/1'] }, event)).toBe(true);
    expect(matchesPattern({ resources: ['arn:aws:events:::incident/2'] }, event)).toBe(false);
  });

  test('a field missing from the event fails the match', () => {
    expect(matchesPattern({ detail: { assetId: ['db-01'] } }, event)).toBe(false);
    expect(matchesPattern({ account: ['000000000000'] }, event)).toBe(false);
  });

  test('a nested pattern against a missing or scalar object fails', () => {
    expect(matchesPattern({ detail: { incident: { severity: ['critical'] } } }, { source: 'alert-whisperer' })).toBe(false);
    expect(matchesPattern({ detail: { tenantId: ['acme'] } }, { detail: 'acme' })).toBe(false);
  });

  test('an empty pattern matches any event', () => {
    expect(matchesPattern({}, event)).toBe(true);
  });
});
