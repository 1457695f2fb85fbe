/** What /config.json tells the dashboard: written by CDK at deploy time, served by the local gateway. */
export interface DashboardConfig {
  apiUrl: string;
  wsUrl: string;
  stage: string;
}

function isConfig(value: unknown): value is DashboardConfig {
  const candidate = value as Partial<DashboardConfig> | null;
  return typeof candidate?.apiUrl === 'string' && typeof candidate.wsUrl === 'string' && typeof candidate.stage === 'string';
}

export async function loadConfig(): Promise<DashboardConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  const config: unknown = await response.json();
  if (!isConfig(config)) throw new Error('/config.json lacks apiUrl, wsUrl or stage');
  return { ...config, apiUrl: config.apiUrl.replace(/\/+$/, '') };
}
