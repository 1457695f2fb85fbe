import type { FormatAdapter } from './adapter';
import { parseAlertmanager } from './alertmanager';
import { parseAzureMonitor } from './azure';
import { cloudWatchViaSnsAdapter } from './cloudwatch';
import { parseDatadog } from './datadog';
import { parseGeneric } from './generic';
import { parseGrafana } from './grafana';
import { parseZabbix } from './zabbix';

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
