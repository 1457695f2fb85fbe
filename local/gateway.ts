import { isUtf8 } from 'node:buffer';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { WebSocketServer, type WebSocket } from 'ws';
import { HTTP_ROUTES, WEBSOCKET_ROUTES, type FunctionName } from '../functions/catalog';
import { dashboardCsp } from '../infra/dashboard-csp';
import type { LocalLambdas } from './lambda-runtime';

/** API Gateway's own limit for HTTP API payloads; the handlers enforce the product's 1 MiB. */
const MAX_GATEWAY_BODY_BYTES = 10 * 1024 * 1024;
export const WEBSOCKET_PATH = '/ws';

interface MatchedRoute {
  function: FunctionName;
  routeKey: string;
  pathParameters?: Record<string, string>;
}

/**
 * Picks the route API Gateway would: an exact path beats a path with variables, which beats a greedy
 * `{proxy+}`; a route for the method beats ANY.
 */
export function matchHttpRoute(method: string, path: string): MatchedRoute | undefined {
  const candidates: Array<MatchedRoute & { rank: number }> = [];
  for (const route of HTTP_ROUTES) {
    if (route.method !== 'ANY' && route.method !== method) continue;
    const parameters = matchPath(route.path, path);
    if (!parameters) continue;
    const greedy = route.path.includes('+}');
    const variables = route.path.includes('{');
    const rank = (greedy ? 2000 : variables ? 1000 : 0) - route.path.length + (route.method === 'ANY' ? 1 : 0);
    candidates.push({
      function: route.function,
      routeKey: `${route.method} ${route.path}`,
      ...(Object.keys(parameters).length ? { pathParameters: parameters } : {}),
      rank,
    });
  }
  candidates.sort((a, b) => a.rank - b.rank);
  const best = candidates[0];
  if (!best) return undefined;
  const { rank: _rank, ...route } = best;
  return route;
}

function matchPath(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template
    .split('/')
    .map((segment) => {
      const greedy = /^\{(\w+)\+\}$/.exec(segment);
      if (greedy) {
        names.push(greedy[1] as string);
        return '(.+)';
      }
      const variable = /^\{(\w+)\}$/.exec(segment);
      if (variable) {
        names.push(variable[1] as string);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  const match = new RegExp(`^${pattern}$`).exec(path);
  if (!match) return undefined;
  return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1] as string)]));
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolvePromise(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function isTextual(contentType: string | undefined): boolean {
  return !contentType || /^(text\/|application\/([\w.+-]+\+)?(json|xml|x-www-form-urlencoded|javascript))/i.test(contentType);
}

/** An API Gateway HTTP API payload 2.0 event, as Lambda receives it. */
export function toHttpApiEvent(req: IncomingMessage, body: Buffer, route: MatchedRoute, sourceIp: string): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers = headersOf(req);
  const query: Record<string, string> = Object.create(null);
  for (const [name, value] of url.searchParams) query[name] = Object.hasOwn(query, name) ? `${query[name]},${value}` : value;
  // A "text" body that is not valid UTF-8 goes base64 like a binary one: decoded as text, its bad bytes
  // would become U+FFFD and the handler could no longer tell (it refuses such bodies: invalid_encoding).
  const textual = isTextual(headers['content-type']) && isUtf8(body);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(headers.cookie ? { cookies: headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: { ...query } } : {}),
    ...(route.pathParameters ? { pathParameters: route.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length
      ? { body: textual ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !textual }
      : { isBase64Encoded: false }),
  };
}

/** Applies payload 2.0's response rules: a result without statusCode is a 200 JSON body. */
function writeLambdaResponse(res: ServerResponse, result: unknown): void {
  const structured =
    result && typeof result === 'object' && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : {
          statusCode: 200,
          headers: { 'content-type': 'application/json' },
          body: typeof result === 'string' ? result : JSON.stringify(result),
        };
  const headers: Record<string, string | string[]> = { ...(structured.headers as Record<string, string>) };
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  res.writeHead(structured.statusCode ?? 200, headers);
  const body = structured.body ?? '';
  res.end(structured.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * The security headers CloudFront sends with the dashboard (infra/constructs/dashboard.ts), with the
 * WebSocket on this origin instead of API Gateway's and without the HTTPS upgrade: the browser tests run
 * the pages under the production policy, so an inline script or a stray origin fails there first.
 */
function localPageHeaders(host: string | undefined): Record<string, string> {
  const sameOriginSocket = host ? [`ws://${host}`] : [];
  return {
    'content-security-policy': dashboardCsp({ connectSources: sameOriginSocket, upgradeInsecureRequests: false }),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'x-frame-options': 'DENY',
    'cache-control': 'no-cache',
  };
}

export interface GatewayOptions {
  lambdas: LocalLambdas;
  /** The dashboard's static files (the built single-page app). */
  staticDir: string | undefined;
  /**
   * Served as /config.json: the dashboard learns its API and WebSocket URLs at run time, as in AWS. Given
   * the request's Host, so a page opened as localhost or 127.0.0.1 calls the API on its own origin.
   */
  dashboardConfig: (host: string | undefined) => unknown;
  log: (line: string) => void;
}

/**
 * The local API Gateway: HTTP requests become payload 2.0 events for the catalog's routes, WebSocket
 * frames become WebSocket API events, and `/@connections/{id}` is the management endpoint the
 * handlers' ApiGatewayManagementApiClient posts to.
 */
export class LocalGateway {
  readonly server: Server;
  private readonly sockets = new Map<string, { socket: WebSocket; connectedAt: Date; sourceIp: string; lastActiveAt: Date }>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly options: GatewayOptions) {
    this.server = createServer((req, res) => {
      this.track(this.handleHttp(req, res)).catch((error: unknown) => {
        options.log(`gateway error: ${(error as Error).stack ?? String(error)}`);
        if (!res.headersSent) writeJson(res, 500, { message: 'Internal server error' });
        else res.end();
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      this.track(this.handleUpgrade(req, socket, head)).catch((error: unknown) => {
        options.log(`websocket error: ${(error as Error).stack ?? String(error)}`);
        socket.destroy();
      });
    });
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    promise.finally(() => this.pending.delete(promise)).catch(() => undefined);
    return promise;
  }

  /** Resolves when no request or WebSocket event is being handled. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolvePromise, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const address = this.server.address();
        resolvePromise(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  async close(): Promise<void> {
    for (const { socket } of this.sockets.values()) socket.terminate();
    this.wss.close();
    this.server.closeAllConnections?.();
    await new Promise<void>((resolvePromise) => this.server.close(() => resolvePromise()));
    await this.idle();
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/@connections/')) return this.handleConnections(req, res, url);

    let route: MatchedRoute | undefined;
    try {
      route = matchHttpRoute(req.method ?? 'GET', url.pathname);
    } catch (error) {
      if (error instanceof URIError) return writeJson(res, 400, { message: 'Bad Request: malformed percent-encoding in the path' });
      throw error;
    }
    if (!route) {
      if (req.method === 'GET' || req.method === 'HEAD') return this.serveStatic(url.pathname, req.headers.host, res);
      return writeJson(res, 404, { message: 'Not Found' });
    }
    const body = await readBody(req, MAX_GATEWAY_BODY_BYTES);
    if (body === 'too-large') return writeJson(res, 413, { message: 'Request Entity Too Large' });
    const event = toHttpApiEvent(req, body, route, req.socket.remoteAddress ?? '127.0.0.1');
    try {
      const result = await this.options.lambdas.invoke(route.function, event);
      writeLambdaResponse(res, result);
    } catch (error) {
      this.options.log(`${route.function} failed: ${(error as Error).stack ?? String(error)}`);
      writeJson(res, 500, { message: 'Internal Server Error' });
    }
    this.options.log(`${req.method} ${url.pathname} -> ${res.statusCode} ${route.function} ${Math.round(performance.now() - started)} ms`);
  }

  private serveStatic(pathname: string, host: string | undefined, res: ServerResponse): void {
    const root = this.options.staticDir;
    if (pathname === '/config.json') return writeJson(res, 200, this.options.dashboardConfig(host), { 'cache-control': 'no-store' });
    if (!root) return writeJson(res, 404, { message: 'Not Found' });
    const requested = normalize(join(root, decodeURIComponent(pathname)));
    if (!requested.startsWith(resolve(root))) return writeJson(res, 404, { message: 'Not Found' });
    // A single-page app: unknown paths get index.html and the client-side router takes over.
    const file = existsSync(requested) && statSync(requested).isFile() ? requested : join(root, 'index.html');
    if (!existsSync(file)) return writeJson(res, 404, { message: 'Not Found' });
    const headers: Record<string, string> = { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' };
    if (extname(file) === '.html') Object.assign(headers, localPageHeaders(host));
    res.writeHead(200, headers);
    res.end(readFileSync(file));
  }

  /** POST (send), GET (info) and DELETE (disconnect) on `/@connections/{connectionId}`. */
  private async handleConnections(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const connectionId = decodeURIComponent(url.pathname.slice('/@connections/'.length));
    const connection = this.sockets.get(connectionId);
    const body = await readBody(req, 128 * 1024);
    if (!connection) {
      return writeJson(res, 410, { message: `Connection ${connectionId} is gone` }, { 'x-amzn-errortype': 'GoneException' });
    }
    if (req.method === 'POST') {
      if (body === 'too-large')
        return writeJson(res, 413, { message: 'Payload too large' }, { 'x-amzn-errortype': 'PayloadTooLargeException' });
      connection.socket.send(body.toString('utf8'));
      res.writeHead(200).end();
      return;
    }
    if (req.method === 'DELETE') {
      connection.socket.close(1000);
      res.writeHead(204).end();
      return;
    }
    return writeJson(res, 200, {
      ConnectedAt: connection.connectedAt.toISOString(),
      LastActiveAt: connection.lastActiveAt.toISOString(),
      Identity: { SourceIp: connection.sourceIp, UserAgent: '' },
    });
  }

  private websocketEvent(
    routeKey: string,
    eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT',
    connectionId: string,
    extra: Record<string, unknown> = {},
  ) {
    const now = new Date();
    return {
      requestContext: {
        routeKey,
        eventType,
        extendedRequestId: randomUUID(),
        requestTimeEpoch: now.getTime(),
        requestTime: now.toUTCString(),
        messageDirection: 'IN',
        stage: 'local',
        connectedAt: this.sockets.get(connectionId)?.connectedAt.getTime() ?? now.getTime(),
        requestId: randomUUID(),
        domainName: 'localhost',
        connectionId,
        apiId: 'local',
        ...(eventType === 'MESSAGE' ? { messageId: randomBytes(8).toString('base64') } : {}),
      },
      isBase64Encoded: false,
      ...extra,
    };
  }

  private routeFor(routeKey: string): FunctionName | undefined {
    return WEBSOCKET_ROUTES.find((route) => route.routeKey === routeKey)?.function;
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== WEBSOCKET_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    const connectionId = randomBytes(12).toString('base64');
    const query = Object.fromEntries(url.searchParams);
    const connectFunction = this.routeFor('$connect');
    if (connectFunction) {
      const event = this.websocketEvent('$connect', 'CONNECT', connectionId, {
        headers: headersOf(req),
        ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      });
      const result = (await this.options.lambdas.invoke(connectFunction, event).catch((error: unknown) => {
        this.options.log(`$connect failed: ${(error as Error).message}`);
        return { statusCode: 500 };
      })) as { statusCode?: number } | undefined;
      const status = result?.statusCode ?? 200;
      if (status < 200 || status > 299) {
        socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nContent-Length: 0\r\n\r\n`);
        this.options.log(`WS connect refused (${status})`);
        return;
      }
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const now = new Date();
      this.sockets.set(connectionId, { socket: ws, connectedAt: now, lastActiveAt: now, sourceIp: req.socket.remoteAddress ?? '' });
      this.options.log(`WS ${connectionId} connected`);
      ws.on('message', (data) => {
        const entry = this.sockets.get(connectionId);
        if (entry) entry.lastActiveAt = new Date();
        const body = data.toString();
        let routeKey = '$default';
        try {
          const action = (JSON.parse(body) as { action?: unknown }).action;
          if (typeof action === 'string' && this.routeFor(action)) routeKey = action;
        } catch {
          // not JSON: the $default route gets it
        }
        const fn = this.routeFor(routeKey);
        if (!fn) return;
        this.track(this.options.lambdas.invoke(fn, this.websocketEvent(routeKey, 'MESSAGE', connectionId, { body }))).catch(
          (error: unknown) => this.options.log(`${routeKey} failed: ${(error as Error).message}`),
        );
      });
      ws.on('close', () => {
        const fn = this.routeFor('$disconnect');
        const event = this.websocketEvent('$disconnect', 'DISCONNECT', connectionId, {
          disconnectStatusCode: 1000,
          disconnectReason: '',
        });
        this.sockets.delete(connectionId);
        if (fn)
          this.track(this.options.lambdas.invoke(fn, event)).catch((error: unknown) =>
            this.options.log(`$disconnect failed: ${(error as Error).message}`),
          );
      });
    });
  }
}
