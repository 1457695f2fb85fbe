import { AccessCheck } from '../auth/access';
import { dynamo } from '../aws/clients';
import { readEnv } from '../config/env';
import type { PushDeps } from './push';

/** What the realtime functions share: the table, the @connections endpoint and the users' access check. */
export function realtimeDeps(): PushDeps {
  const env = readEnv('realtime');
  const table = { db: dynamo(), tableName: env.TABLE_NAME };
  return { table, endpoint: env.WS_MANAGEMENT_ENDPOINT, access: new AccessCheck(table) };
}
