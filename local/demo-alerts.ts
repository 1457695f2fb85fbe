import { listIncidents } from '../lib/store/incidents';
import type { TableRef } from '../lib/store/table-ref';
import type { DemoInfo } from './seed';

/**
 * The alerts a fresh local stack receives so its dashboard has something to show: they go through the
 * real webhook endpoint (key check, normalization, correlation, decisions), as a monitoring tool's would.
 * - Acme: a database under load and the app servers and load balancer behind it (one incident by
 *   topology), a full disk on app-prod-02 (Acme allows low-risk automation: a runbook cleans it up and the
 *   incident resolves itself) and a failed backup on the Windows file server.
 * - Globex: memory pressure on web-01 (Globex approves every runbook first: an approval waits) and an
 *   expiring certificate.
 */
export const DEMO_ALERTS: ReadonlyArray<{ tenant: string; alert: Record<string, string> }> = [
  {
    tenant: 'acme',
    alert: { asset_name: 'db-prod-01', signature: 'HighCPU', severity: 'critical', message: 'CPU above 95% for 10 minutes' },
  },
  { tenant: 'acme', alert: { asset_name: 'app-prod-01', signature: 'ServiceLatencyHigh', severity: 'high', message: 'p95 latency 4.2 s' } },
  {
    tenant: 'acme',
    alert: { asset_name: 'lb-prod-01', signature: 'Http5xxRate', severity: 'high', message: '5xx rate 12% over 5 minutes' },
  },
  { tenant: 'acme', alert: { asset_name: 'app-prod-02', signature: 'DiskSpaceLow', severity: 'high', message: '/var at 96% used' } },
  {
    tenant: 'acme',
    alert: { asset_name: 'win-file-01', signature: 'BackupFailed', severity: 'medium', message: 'Nightly backup job failed' },
  },
  { tenant: 'globex', alert: { asset_name: 'web-01', signature: 'MemoryHigh', severity: 'high', message: 'memory usage above 95%' } },
  {
    tenant: 'globex',
    alert: {
      asset_name: 'shop.globex.example',
      signature: 'CertificateExpiring',
      severity: 'low',
      message: 'TLS certificate expires in 12 days',
    },
  },
];

/**
 * Posts DEMO_ALERTS to a tenant that has no incidents yet (so restarts do not pile up more); returns how
 * many were accepted. A refused delivery is an error: the demo would silently show less than it says.
 */
export async function postDemoAlerts(apiUrl: string, table: TableRef, demo: DemoInfo): Promise<number> {
  let posted = 0;
  for (const tenant of demo.tenants) {
    if ((await listIncidents(table, tenant.id, { limit: 1 })).length > 0) continue;
    for (const { alert } of DEMO_ALERTS.filter((entry) => entry.tenant === tenant.id)) {
      const response = await fetch(`${apiUrl}/v1/webhooks/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': tenant.apiKey },
        body: JSON.stringify({ ...alert, tool_source: 'demo' }),
      });
      if (!response.ok)
        throw new Error(
          `The demo alert ${alert.signature} on ${alert.asset_name} was refused: ${response.status} ${await response.text()}`,
        );
      posted++;
    }
  }
  return posted;
}
