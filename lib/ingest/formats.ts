import type { NormalizedAlert } from '../domain/alert';
import { parseAlertmanager } from './alertmanager';
import { parseAzureMonitor } from './azure';
import { cloudWatchViaSnsAdapter } from './cloudwatch';
import { parseDatadog } from './datadog';
import { parseGeneric } from './generic';
import { parseGrafana } from './grafana';
import { parseZabbix } from './zabbix';

/**
 * One alert as an adapter sees it, plus the tool's own id for it when the tool has one (an SNS
 * MessageId, an Alertmanager fingerprint with status and startsAt...). Ingestion uses that id to
 * recognise a repeat when the delivery carries no X-Delivery-ID.
 */
export type AdaptedAlert = NormalizedAlert & { toolDeliveryId?: string };

/**
 * Format adapters, one per tool: each maps the payload the tool really sends to canonical alerts.
 * A payload that carries several alerts yields several. Adapters are pure and throw ZodError for a
 * payload that is not valid for their tool.
 */
export type FormatAdapter = (body: unknown, receivedAt: Date) => AdaptedAlert[];

export const FORMAT_ADAPTERS: Record<string, FormatAdapter> = {
  generic: parseGeneric,
  cloudwatch: cloudWatchViaSnsAdapter,
  alertmanager: parseAlertmanager,
  grafana: parseGrafana,
  datadog: parseDatadog,
  zabbix: parseZabbix,
  azure: parseAzureMonitor,
};

export type WebhookSource = keyof typeof FORMAT_ADAPTERS;

export function adapterFor(source: string): FormatAdapter | undefined {
  return Object.hasOwn(FORMAT_ADAPTERS, source) ? FORMAT_ADAPTERS[source] : undefined;
}
