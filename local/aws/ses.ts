/**
 * The local stand-in for Amazon SES (v2 API): the `aws-ses-v2-local` npm package (an express app),
 * run in this process on a free loopback port. Point the SDK at it with `AWS_ENDPOINT_URL_SESV2` set
 * to `endpoint` (any credentials, any region); SendEmail (Simple, Raw, Template) is accepted from any
 * sender to any address and kept in memory, nothing is mailed.
 *
 * What it serves besides the SES API (read from its dist/index.js, version 2.10.2):
 *
 * - `GET /` — its web page of sent mail: a live inbox (polls the store every few seconds), HTML and
 *   text views, attachments, .eml download, a "clear" button. This is the URL the local stack prints
 *   (`viewerUrl`).
 * - `GET /store` — `{ emails: [{ messageId, from, replyTo, destination: { to, cc, bcc }, subject,
 *   body: { html, text }, attachments: [{ filename, contentType, size, content (base64) }], at }], templates }`, `at` in Unix seconds; `?since=<seconds>`
 *   filters. `sentMail()` reads it.
 * - `POST /clear-store` — forgets every email and template (`clear()`).
 * - `GET /health-check` — 200.
 *
 * Run in process rather than as a child: nothing can outlive this process (no orphan after a
 * SIGKILL) and it starts in milliseconds. The package keeps its mail in a module-level store, so two
 * servers started by the same module instance share their mail (jest gives each test file its own
 * module registry, so test files never see each other's mail). Its errors differ from SES's (no
 * MessageRejected for unverified identities, a 400 without an error type for a missing subject or
 * sender): rejections are covered by unit tests with aws-sdk-client-mock.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SentMail {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  html?: string;
  text?: string;
  /** Its attachments (SendEmail's Simple content may carry some: the client reports' PDF). */
  attachments: Array<{ filename: string; contentType: string; size: number }>;
  /** When it was accepted (ISO, second precision). */
  at: string;
}

export interface LocalSes {
  /** `http://127.0.0.1:<port>`: the value of AWS_ENDPOINT_URL_SESV2. */
  endpoint: string;
  /** The web page of sent mail (`GET /` of the server). */
  viewerUrl: string;
  /** Every email accepted so far, oldest first (`GET /store`). */
  sentMail(): Promise<SentMail[]>;
  /** Forgets every email (`POST /clear-store`). */
  clear(): Promise<void>;
  /** Closes the server (open keep-alive connections included). */
  stop(): Promise<void>;
}

export interface LocalSesOptions {
  log?: (line: string) => void;
  /** Default 0: a free port. */
  port?: number;
}

interface StoredEmail {
  messageId: string;
  from: string;
  destination?: { to?: string[] };
  subject: string;
  body?: { html?: string; text?: string };
  attachments?: Array<{ filename: string; contentType: string; size: number }>;
  at: number;
}

type StartServer = (config?: { host?: string; port?: number }) => Promise<Server>;

/** The package is CommonJS with `exports.default`: Node's ESM loader, tsx and jest disagree on where that ends up. */
async function loadServer(): Promise<StartServer> {
  const module = (await import('aws-ses-v2-local')) as unknown as { default: StartServer | { default: StartServer } };
  const candidate = module.default;
  const start = typeof candidate === 'function' ? candidate : candidate?.default;
  if (typeof start !== 'function') throw new Error('aws-ses-v2-local does not export its server function as expected');
  return start;
}

/** Starts aws-ses-v2-local on 127.0.0.1 and resolves once it listens. */
export async function startLocalSes(options: LocalSesOptions = {}): Promise<LocalSes> {
  const log = options.log ?? ((line: string) => console.log(line));
  const start = await loadServer();
  const server = await start({ host: '127.0.0.1', port: options.port ?? 0 });
  if (!server.listening) {
    // Express 5 resolves even when listen fails (the port is taken): wait for the outcome.
    await new Promise<void>((resolve, reject) => {
      server.once('listening', () => resolve());
      server.once('error', reject);
    });
  }
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  server.on('error', (error) => log(`local SES: ${error.message}`));

  return {
    endpoint,
    viewerUrl: `${endpoint}/`,
    async sentMail() {
      const response = await fetch(`${endpoint}/store`, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`local SES store answered HTTP ${response.status}`);
      const { emails } = (await response.json()) as { emails: StoredEmail[] };
      return emails.map((email) => ({
        messageId: email.messageId,
        from: email.from,
        to: email.destination?.to ?? [],
        subject: email.subject,
        ...(email.body?.html !== undefined ? { html: email.body.html } : {}),
        ...(email.body?.text !== undefined ? { text: email.body.text } : {}),
        attachments: (email.attachments ?? []).map(({ filename, contentType, size }) => ({ filename, contentType, size })),
        at: new Date(email.at * 1000).toISOString(),
      }));
    },
    async clear() {
      const response = await fetch(`${endpoint}/clear-store`, { method: 'POST', signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`local SES clear-store answered HTTP ${response.status}`);
    },
    async stop() {
      if (!server.listening) return;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
