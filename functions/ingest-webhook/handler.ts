import { sqsAlertQueue } from '../../lib/aws/alert-queue';
import { dynamo } from '../../lib/aws/clients';
import { readEnv } from '../../lib/config/env';
import { httpHandler } from '../../lib/http/http';
import { handleWebhook } from '../../lib/ingest/webhook';
import { InventoryCache } from '../../lib/store/assets';

const env = readEnv('ingest');
const table = { db: dynamo(), tableName: env.TABLE_NAME };
const deps = { table, inventory: new InventoryCache(table), enqueue: sqsAlertQueue(env.ALERT_QUEUE_URL), now: () => new Date() };

export const handler = httpHandler((event) => handleWebhook(event, deps));
