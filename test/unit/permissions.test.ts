import { ACTIONS, authorize, can, type Action, type Principal } from '../../lib/auth/permissions';
import type { AppError } from '../../lib/errors';

/**
 * The permission matrix, cell by cell: for each role and action, whether it is allowed on the user's
 * own tenant (T), on another tenant (O: always no, and a 404 rather than a 403), and at MSP level (M).
 * The grid below is written out by hand from the product's permission table, not derived from the implementation.
 */
const Y = true;
const N = false;
//                                 msp_admin   company_admin   technician   client_viewer
const GRID: Record<Action, [boolean, boolean, boolean, boolean]> = {
  // client_viewer: their own company's name (GET /v1/tenants lists it alone).
  'tenant.read': [Y, Y, Y, Y],
  'tenant.create': [Y, N, N, N],
  'tenant.update': [Y, Y, N, N],
  'tenant.delete': [Y, N, N, N],
  'settings.read': [Y, Y, Y, N],
  'settings.update': [Y, Y, N, N],
  // client_viewer: their assets' name, type and status only (lib/domain/client-view.ts).
  'asset.read': [Y, Y, Y, Y],
  'asset.write': [Y, Y, N, N],
  'integration.read': [Y, Y, N, N],
  'integration.write': [Y, Y, N, N],
  // Registering a client's AWS account or SNS topic routes another party's data to the tenant: MSP admins only.
  'integration.source': [Y, N, N, N],
  // client_viewer: no list of the MSP's people.
  'user.read': [Y, Y, Y, N],
  'user.write': [Y, Y, N, N],
  'runbook.read': [Y, Y, Y, N],
  'runbook.write': [Y, Y, N, N],
  // client_viewer: the redacted view: no internal notes, runbooks, reasoning or staff names.
  'incident.read': [Y, Y, Y, Y],
  'incident.acknowledge': [Y, Y, Y, N],
  'incident.assign': [Y, Y, Y, N],
  // client_viewer: their notes are always client-visible and are not the MSP's response.
  'incident.note': [Y, Y, Y, Y],
  'incident.resolve': [Y, Y, Y, N],
  'incident.reopen': [Y, Y, Y, N],
  // The client asks the MSP to call; the MSP's technicians and company admins are who it asks.
  'incident.callback': [Y, N, N, Y],
  // client_viewer: no alerts' raw payloads or labels (they may carry secrets).
  'alert.read': [Y, Y, Y, N],
  // client_viewer: no runbook output (hosts, paths, secrets).
  'execution.read': [Y, Y, Y, N],
  'execution.run.low': [Y, Y, Y, N],
  'execution.run.medium': [Y, Y, N, N],
  'execution.run.high': [Y, N, N, N],
  'approval.read': [Y, Y, Y, N],
  'approval.decide.medium': [Y, Y, N, N],
  'approval.decide.high': [Y, N, N, N],
  'notification.read': [Y, Y, Y, N],
  'audit.read': [Y, Y, N, N],
  'kpi.read': [Y, Y, Y, Y],
  'oncall.read': [Y, Y, Y, N],
  'oncall.write': [Y, Y, N, N],
  'maintenance.read': [Y, Y, Y, Y],
  'maintenance.write': [Y, Y, N, N],
  'maintenance.short': [Y, Y, Y, N],
  'report.read': [Y, Y, Y, Y],
  'report.send': [Y, Y, N, N],
  'branding.write': [Y, N, N, N],
};
const MSP_LEVEL_ACTIONS: Action[] = ['tenant.create', 'tenant.delete', 'branding.write'];

const principals: Record<string, Principal> = {
  msp_admin: { role: 'msp_admin', tenants: [] },
  company_admin: { role: 'company_admin', tenants: ['acme'] },
  technician: { role: 'technician', tenants: ['acme'] },
  client_viewer: { role: 'client_viewer', tenants: ['acme'] },
};
const roles = ['msp_admin', 'company_admin', 'technician', 'client_viewer'] as const;

test('the grid covers every action', () => {
  expect(Object.keys(GRID).sort()).toEqual([...ACTIONS].sort());
});

const cells = ACTIONS.flatMap((action) => roles.map((role, index) => [role, action, GRID[action][index]] as const));

test.each(cells)('%s / %s on their own tenant: allowed=%p (MSP-level actions only for MSP admins)', (role, action, allowed) => {
  const expected = MSP_LEVEL_ACTIONS.includes(action) ? role === 'msp_admin' : allowed;
  expect(can(principals[role]!, action, 'acme')).toBe(expected);
});

test.each(cells)('%s / %s on another tenant: never, except MSP admins', (role, action, allowed) => {
  expect(can(principals[role]!, action, 'globex')).toBe(role === 'msp_admin' && allowed);
});

test.each(cells)('%s / %s at MSP level: MSP admins only', (role, action) => {
  expect(can(principals[role]!, action)).toBe(role === 'msp_admin');
});

test('authorize answers 404 for a tenant the user cannot see and 403 for a role that lacks the action', () => {
  const status = (fn: () => void) => {
    try {
      fn();
      return 200;
    } catch (error) {
      return (error as AppError).status;
    }
  };
  expect(status(() => authorize(principals.technician!, 'incident.read', 'globex'))).toBe(404);
  expect(status(() => authorize(principals.technician!, 'approval.decide.medium', 'acme'))).toBe(403);
  expect(status(() => authorize(principals.company_admin!, 'approval.decide.medium', 'acme'))).toBe(200);
  expect(status(() => authorize(principals.company_admin!, 'approval.decide.high', 'acme'))).toBe(403);
  expect(status(() => authorize(principals.msp_admin!, 'approval.decide.high', 'globex'))).toBe(200);
  expect(status(() => authorize(principals.client_viewer!, 'incident.read', 'globex'))).toBe(404);
  expect(status(() => authorize(principals.client_viewer!, 'incident.acknowledge', 'acme'))).toBe(403);
  expect(status(() => authorize(principals.client_viewer!, 'incident.callback', 'acme'))).toBe(200);
});
