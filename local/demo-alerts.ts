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
 * A few minutes later their tools report them cleared (the same alerts with status `resolved`), so the demo's
 * incidents resolve after their grace period and the first alert of your own opens an incident of its own
 * instead of joining the demo's (a "HighCPU on db-prod-01" still open would take your "InstanceDown" on it).
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

/** How long after they fire the demo alerts are reported cleared. */
export const DEMO_ALERTS_CLEAR_AFTER_MS = 3 * 60_000;

export interface DemoAlertsOptions {
  /**
   * Post to every demo tenant (the start that wrote the demo history, whose tenants have its incidents);
   * by default only to tenants with no incidents yet, so restarts do not pile up more.
   */
  everyTenant?: boolean;
  /** Report the alerts cleared this long after posting them (`npm start`: DEMO_ALERTS_CLEAR_AFTER_MS); never when absent. */
  clearAfterMs?: number;
  /** Where a failure to post the resolutions is told (they are posted after this function returned). */
  log?: (line: string) => void;
}

export interface PostedDemoAlerts {
  posted: number;
  /**
   * Settles once the resolutions were posted, with how many (never rejects: a failure is logged). Its timer
   * does not keep the process alive: stopping the stack before then leaves the demo's incidents open.
   */
  cleared: Promise<number>;
}

/**
 * Posts DEMO_ALERTS and, with `clearAfterMs`, schedules their resolutions (same tool, host and signature,
 * status `resolved`) through the same webhook that long after. A refused delivery is an error: the demo
 * would silently show less than it says.
 */
export async function postDemoAlerts(
  apiUrl: string,
  table: TableRef,
  demo: DemoInfo,
  options: DemoAlertsOptions = {},
): Promise<PostedDemoAlerts> {
  const posted: Array<{ apiKey: string; alert: Record<string, string> }> = [];
  for (const tenant of demo.tenants) {
    if (!options.everyTenant && (await listIncidents(table, tenant.id, { limit: 1 })).length > 0) continue;
    for (const { alert } of DEMO_ALERTS.filter((entry) => entry.tenant === tenant.id)) {
      await postAlert(apiUrl, tenant.apiKey, alert);
      posted.push({ apiKey: tenant.apiKey, alert });
    }
  }
  const log = options.log ?? ((line: string) => console.error(line));
  const cleared = new Promise<number>((resolve) => {
    if (!posted.length || options.clearAfterMs === undefined) return resolve(0);
    const timer = setTimeout(() => {
      void (async () => {
        let count = 0;
        for (const { apiKey, alert } of posted) {
          await postAlert(apiUrl, apiKey, { ...alert, status: 'resolved', message: `${alert.signature} cleared` });
          count++;
        }
        return count;
      })().then(resolve, (error: unknown) => {
        log(`The demo alerts could not be reported cleared: ${(error as Error).message}`);
        resolve(0);
      });
    }, options.clearAfterMs);
    timer.unref();
  });
  return { posted: posted.length, cleared };
}

async function postAlert(apiUrl: string, apiKey: string, alert: Record<string, string>): Promise<void> {
  const response = await fetch(`${apiUrl}/v1/webhooks/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({ ...alert, tool_source: 'demo' }),
  });
  if (!response.ok)
    throw new Error(
      `The demo alert ${alert.signature} on ${alert.asset_name}${alert.status === 'resolved' ? ' (cleared)' : ''} was refused: ${response.status} ${await response.text()}`,
    );
}
