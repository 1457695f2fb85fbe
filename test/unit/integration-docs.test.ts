import { readFileSync } from 'node:fs';
import { DATADOG_PAYLOAD_TEMPLATE } from '../../lib/ingest/datadog';
import { FORMAT_ADAPTERS } from '../../lib/ingest/formats';
import { ZABBIX_WEBHOOK_PARAMETERS, ZABBIX_WEBHOOK_SCRIPT } from '../../lib/ingest/zabbix';

/** The setup guide must paste exactly what the adapters expect. */
const guide = readFileSync('docs/integrations.md', 'utf8');

test('the Datadog payload template and the Zabbix script in the guide are the ones the adapters are tested with', () => {
  expect(guide).toContain(DATADOG_PAYLOAD_TEMPLATE);
  expect(guide).toContain(ZABBIX_WEBHOOK_SCRIPT);
  for (const { name, value } of ZABBIX_WEBHOOK_PARAMETERS) expect(guide).toContain(`${name} = ${value}`);
});

test('every webhook source has its URL in the guide and in the README', () => {
  const readme = readFileSync('README.md', 'utf8');
  for (const source of Object.keys(FORMAT_ADAPTERS)) {
    expect(guide).toContain(`/v1/webhooks/${source}`);
    expect(readme).toContain(`/v1/webhooks/${source}`);
  }
});
