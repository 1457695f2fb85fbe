import { dynamo } from '../aws/clients';
import { readEnv } from '../config/env';

/** What the realtime functions share: the table and the @connections endpoint. */
export function realtimeDeps() {
  const env = readEnv('realtime');
  return { table: { db: dynamo(), tableName: env.TABLE_NAME }, endpoint: env.WS_MANAGEMENT_ENDPOINT };
}
