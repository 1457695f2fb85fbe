import { dynamo } from '../../lib/aws/clients';
import { readEnv } from '../../lib/config/env';
import { httpHandler } from '../../lib/http/http';
import { httpsCertificateFetcher, httpsSubscriptionConfirmer } from '../../lib/ingest/sns';
import { handleWebhook } from '../../lib/ingest/webhook';
import { ApiKeyCache } from '../../lib/store/api-keys';
import { InventoryCache } from '../../lib/store/assets';
import { getIngestSettings } from '../../lib/store/integrations';
import { TtlCache } from '../../lib/util/ttl-cache';

const env = readEnv('ingest');
const table = { db: dynamo(), tableName: env.TABLE_NAME };
const deps = {
  table,
  apiKeys: new ApiKeyCache(table),
  inventory: new InventoryCache(table),
  // Signing requirements and limits take effect within 30 s of a change.
  settings: new TtlCache((tenantId) => getIngestSettings(table, tenantId), 30_000),
  sns: {
    verify: env.AW_SNS_VERIFY === 'on',
    fetchCertificate: httpsCertificateFetcher(),
    cache: new Map<string, string>(),
    confirmSubscription: httpsSubscriptionConfirmer(),
  },
  now: () => new Date(),
};

export const handler = httpHandler((event) => handleWebhook(event, deps));
