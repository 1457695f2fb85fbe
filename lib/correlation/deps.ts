import type { CorrelateDeps } from './correlate';
import { InventoryCache } from '../store/assets';
import { PolicyCache } from '../store/correlation-policy';
import { dynamo } from '../aws/clients';

/**
 * What every function that commits through the correlation scopes needs (correlate, settle, and the
 * remediation functions, which resolve incidents through them): the table, the clock, and the tenant's
 * inventory and correlation policy, cached per warm function. Built once, outside the handler.
 */
export function correlateDepsFromEnv(env: { TABLE_NAME: string }): CorrelateDeps {
  const table = { db: dynamo(), tableName: env.TABLE_NAME };
  return {
    table,
    now: () => new Date(),
    inventory: new InventoryCache(table),
    policies: new PolicyCache(table),
  };
}
