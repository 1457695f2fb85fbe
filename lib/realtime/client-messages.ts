import * as z from 'zod';
import type { TableRef } from '../store/table-ref';
import { postToConnection } from './push';

const clientMessageSchema = z.object({ action: z.string().optional(), type: z.string().optional(), id: z.string().max(128).optional() });

/** Messages a dashboard sends on `$default`. `ping` is answered with `pong` over @connections. */
export async function answerClientMessage(
  connectionId: string,
  body: string | undefined,
  deps: { table: TableRef; endpoint: string },
): Promise<void> {
  let message: z.infer<typeof clientMessageSchema>;
  try {
    message = clientMessageSchema.parse(JSON.parse(body ?? ''));
  } catch {
    await postToConnection(deps.table, deps.endpoint, connectionId, { type: 'error', message: 'Expected a JSON object' });
    return;
  }
  const kind = message.type ?? message.action;
  if (kind === 'ping') {
    await postToConnection(deps.table, deps.endpoint, connectionId, { type: 'pong', id: message.id ?? null });
    return;
  }
  await postToConnection(deps.table, deps.endpoint, connectionId, { type: 'error', message: `Unknown message type '${kind ?? ''}'` });
}
