import * as z from 'zod';
import {
  getConnectionState,
  incidentExists,
  MAX_INCIDENT_SUBSCRIPTIONS,
  maySee,
  subscribeToIncident,
  unsubscribeFromIncident,
} from '../store/connections';
import { TENANT_ID_PATTERN } from '../domain/tenant';
import { closeConnection, isStillAllowed, postToConnection, type PushDeps } from './push';

/** Incident ids are ULIDs; anything key-safe of a sane length is accepted (an unknown one is `not_found`). */
export const INCIDENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The client's correlation id, echoed in the answer. */
const requestId = z.string().max(128).optional();
const incidentRef = {
  tenantId: z.string().regex(TENANT_ID_PATTERN, 'Invalid tenant id'),
  incidentId: z.string().regex(INCIDENT_ID_PATTERN, 'Invalid incident id'),
  id: requestId,
};

/**
 * What a dashboard may send on `$default` (`type`, or `action` as API Gateway's route selection names it):
 * - `{ type: 'ping', id? }` -> `{ type: 'pong', id }`
 * - `{ type: 'subscribe', tenantId, incidentId, id? }` -> `{ type: 'subscribed', tenantId, incidentId, id? }`:
 *   the connection also receives that incident's INCIDENT_DETAIL_EVENTS (lib/realtime/push.ts)
 * - `{ type: 'unsubscribe', tenantId, incidentId, id? }` -> `{ type: 'unsubscribed', tenantId, incidentId, id? }`
 *
 * Errors answer `{ type: 'error', code, message, id? }`: `bad_request` (not JSON, unknown type, invalid
 * field), `not_found` (an incident the connection may not see, or that does not exist: the same answer,
 * so existence never leaks across tenants), `limit` (already MAX_INCIDENT_SUBSCRIPTIONS incidents).
 */
export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), id: requestId }),
  z.object({ type: z.literal('subscribe'), ...incidentRef }),
  z.object({ type: z.literal('unsubscribe'), ...incidentRef }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

const MESSAGE_TYPES: readonly string[] = ['ping', 'subscribe', 'unsubscribe'];

export type ErrorCode = 'bad_request' | 'not_found' | 'limit';
export interface ErrorAnswer {
  type: 'error';
  code: ErrorCode;
  message: string;
  id?: string;
}

/** Validates one frame: the message, or the `bad_request` answer (with the client's id when it gave a usable one). */
export function parseClientMessage(body: string | undefined): { ok: true; message: ClientMessage } | { ok: false; error: ErrorAnswer } {
  const badRequest = (message: string, id?: unknown): { ok: false; error: ErrorAnswer } => ({
    ok: false,
    error: { type: 'error', code: 'bad_request', message, ...(typeof id === 'string' && id.length <= 128 ? { id } : {}) },
  });
  let raw: unknown;
  try {
    raw = JSON.parse(body ?? '');
  } catch {
    return badRequest('Expected a JSON object');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return badRequest('Expected a JSON object');
  const fields = raw as Record<string, unknown>;
  const type = fields.type ?? fields.action;
  if (typeof type !== 'string' || !MESSAGE_TYPES.includes(type)) {
    return badRequest(`Unknown message type '${typeof type === 'string' ? type.slice(0, 64) : ''}'`, fields.id);
  }
  const result = clientMessageSchema.safeParse({ ...fields, type });
  if (!result.success) {
    return badRequest(result.error.issues.map((issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`).join('; '), fields.id);
  }
  return { ok: true, message: result.data };
}

/**
 * The answer to one valid message; subscriptions read and write the connection's items. `closed` when
 * the connection's user lost the access it was opened with: the connection is closed, nothing answered.
 */
export async function answerFor(connectionId: string, message: ClientMessage, deps: PushDeps): Promise<object | 'closed'> {
  const echo = message.id === undefined ? {} : { id: message.id };
  if (message.type === 'ping') return { type: 'pong', id: message.id ?? null };
  const ref = { tenantId: message.tenantId, incidentId: message.incidentId };
  const notFound: ErrorAnswer = { type: 'error', code: 'not_found', message: 'No such incident', ...echo };
  const state = await getConnectionState(deps.table, connectionId);
  if (state && !(await isStillAllowed(deps.access, state.connection))) {
    await closeConnection(deps.table, deps.endpoint, connectionId);
    return 'closed';
  }
  // The tenant first: an incident of a tenant the connection may not see is not looked up at all.
  if (!state || !maySee(state.connection, ref.tenantId)) return notFound;
  if (message.type === 'unsubscribe') {
    await unsubscribeFromIncident(deps.table, connectionId, ref);
    return { type: 'unsubscribed', ...ref, ...echo };
  }
  if (!(await incidentExists(deps.table, ref))) return notFound;
  const outcome = await subscribeToIncident(deps.table, state, ref);
  if (outcome === 'limit') {
    return {
      type: 'error',
      code: 'limit',
      message: `A connection follows at most ${MAX_INCIDENT_SUBSCRIPTIONS} incidents; unsubscribe from one first`,
      ...echo,
    } satisfies ErrorAnswer;
  }
  if (outcome === 'gone') return notFound;
  return { type: 'subscribed', ...ref, ...echo };
}

/** Answers one frame a dashboard sent on `$default`, over @connections. */
export async function answerClientMessage(connectionId: string, body: string | undefined, deps: PushDeps): Promise<void> {
  const parsed = parseClientMessage(body);
  const answer = parsed.ok ? await answerFor(connectionId, parsed.message, deps) : parsed.error;
  if (answer !== 'closed') await postToConnection(deps.table, deps.endpoint, connectionId, answer);
}
