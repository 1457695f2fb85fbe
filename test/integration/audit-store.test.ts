import { listAudit, recordAudit } from '../../lib/store/audit';
import { createTestTable } from '../helpers/dynamo';

test('audit entries are kept per tenant (or MSP), newest first, filterable by actor, action and period', async () => {
  const table = await createTestTable('audit');
  const actor = (id: string) => ({ type: 'user' as const, id, email: `${id}@example.com`, role: 'company_admin' });
  await recordAudit(table, {
    at: '2026-11-01T10:00:00.000Z',
    tenantId: 'acme',
    actor: actor('u1'),
    action: 'asset.create',
    resource: { type: 'asset', id: 'a1' },
  });
  await recordAudit(table, {
    at: '2026-11-02T10:00:00.000Z',
    tenantId: 'acme',
    actor: actor('u2'),
    action: 'asset.update',
    resource: { type: 'asset', id: 'a1' },
  });
  await recordAudit(table, {
    at: '2026-11-03T10:00:00.000Z',
    tenantId: 'acme',
    actor: { type: 'system', name: 'correlation' },
    action: 'incident.resolve',
    resource: { type: 'incident', id: 'i1' },
  });
  await recordAudit(table, {
    at: '2026-11-03T11:00:00.000Z',
    tenantId: 'globex',
    actor: actor('u1'),
    action: 'asset.create',
    resource: { type: 'asset', id: 'g1' },
  });
  await recordAudit(table, {
    at: '2026-11-03T12:00:00.000Z',
    actor: actor('admin'),
    action: 'tenant.create',
    resource: { type: 'tenant', id: 'globex' },
  });

  const all = await listAudit(table, 'acme', {}, { limit: 50 });
  expect(all.entries.map((entry) => entry.action)).toEqual(['incident.resolve', 'asset.update', 'asset.create']);
  expect((await listAudit(table, 'acme', { actorId: 'u1' }, { limit: 50 })).entries.map((entry) => entry.resource.id)).toEqual(['a1']);
  expect((await listAudit(table, 'acme', { action: 'asset.update' }, { limit: 50 })).entries).toHaveLength(1);
  const period = await listAudit(table, 'acme', { from: '2026-11-02T00:00:00.000Z', to: '2026-11-02T23:59:59.999Z' }, { limit: 50 });
  expect(period.entries.map((entry) => entry.action)).toEqual(['asset.update']);
  expect((await listAudit(table, undefined, {}, { limit: 50 })).entries.map((entry) => entry.action)).toEqual(['tenant.create']);
  const firstPage = await listAudit(table, 'acme', {}, { limit: 2 });
  expect(firstPage.entries).toHaveLength(2);
  expect(firstPage.cursor).toBeDefined();
});
