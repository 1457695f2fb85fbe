import { loadKeySet, type KeySet } from '../auth/tokens';
import { dynamo } from '../aws/clients';
import { readEnv } from '../config/env';

/** What the realtime functions share: the table, the @connections endpoint and the token keys. */
export function realtimeDeps() {
  const env = readEnv('realtime');
  let keySet: Promise<KeySet> | undefined;
  return {
    table: { db: dynamo(), tableName: env.TABLE_NAME },
    endpoint: env.WS_MANAGEMENT_ENDPOINT,
    keySet: () =>
      (keySet ??= loadKeySet(env).catch((error: unknown) => {
        keySet = undefined;
        throw error;
      })),
  };
}
