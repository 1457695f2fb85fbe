import { sqsAlertQueue } from '../../lib/aws/alert-queue';
import { dynamo } from '../../lib/aws/clients';
import { readEnv } from '../../lib/config/env';
import { httpHandler } from '../../lib/http/http';
import { handleWebhook } from '../../lib/ingest/webhook';
import { InventoryCache } from '../../lib/store/assets';
import { getIngestSettings } from '../../lib/store/integrations';
import { TtlCache } from '../../lib/util/ttl-cache';

const env = readEnv('ingest');
const table = { db: dynamo(), tableName: env.TABLE_NAME };
const deps = {
  table,
  inventory: new InventoryCache(table),
  // Signing requirements and limits take effect within 30 s of a change.
  settings: new TtlCache((tenantId) => getIngestSettings(table, tenantId), 30_000),
  enqueue: sqsAlertQueue(env.ALERT_QUEUE_URL),
  now: () => new Date(),
};

export const handler = httpHandler((event) => handleWebhook(event, deps));
