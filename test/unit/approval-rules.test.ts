import type { Role } from '../../lib/domain/user';
import { approvalAction, approvalRefusal, approverRoleFor, type ApprovalRequestView } from '../../lib/remediation/approval-rules';
import type { Risk } from '../../lib/domain/remediation/runbook';

const NOW = new Date('2026-11-24T12:00:00Z');

function request(overrides: Partial<ApprovalRequestView> = {}): ApprovalRequestView {
  return {
    tenantId: 'acme',
    risk: 'medium',
    requiredRole: 'company_admin',
    requestedBy: 'system',
    state: 'pending',
    expiresAt: '2026-11-24T13:00:00Z',
    ...overrides,
  };
}

const approver = (role: Role, tenants: string[] = role === 'msp_admin' ? [] : ['acme'], sub = `usr_${role}`) => ({ sub, role, tenants });

describe('who may decide an approval request', () => {
  // Every cell: approver role x request risk x the role the decision asked for x own or other tenant.
  const cells: Array<[Role, 'own' | 'other', Risk, 'company_admin' | 'msp_admin', 'allowed' | 'role']> = [];
  for (const role of ['msp_admin', 'company_admin', 'technician'] as const)
    for (const tenant of ['own', 'other'] as const)
      for (const risk of ['low', 'medium', 'high'] as const)
        for (const required of ['company_admin', 'msp_admin'] as const) {
          const needsMsp = risk === 'high' || required === 'msp_admin';
          const allowed = role === 'msp_admin' || (role === 'company_admin' && tenant === 'own' && !needsMsp);
          cells.push([role, tenant, risk, required, allowed ? 'allowed' : 'role']);
        }

  test.each(cells)('%s of the %s tenant, %s risk, %s asked for: %s', (role, tenant, risk, required, expected) => {
    const who = approver(role, role === 'msp_admin' ? [] : [tenant === 'own' ? 'acme' : 'globex']);
    const refusal = approvalRefusal(request({ risk, requiredRole: required }), who, NOW);
    expect(refusal ?? 'allowed').toBe(expected);
  });

  test('nobody decides their own request, not even an MSP admin', () => {
    expect(approvalRefusal(request({ requestedBy: 'usr_msp_admin' }), approver('msp_admin'), NOW)).toBe('own_request');
    expect(approvalRefusal(request({ requestedBy: 'usr_company_admin' }), approver('company_admin'), NOW)).toBe('own_request');
  });

  test('an expired request cannot be decided, from the second it expires', () => {
    expect(approvalRefusal(request({ expiresAt: NOW.toISOString() }), approver('msp_admin'), NOW)).toBe('expired');
    expect(approvalRefusal(request({ expiresAt: '2026-11-24T12:00:00.001Z' }), approver('msp_admin'), NOW)).toBeUndefined();
  });

  test('a decided request cannot be decided again', () => {
    for (const state of ['approved', 'rejected', 'expired'] as const) {
      expect(approvalRefusal(request({ state }), approver('msp_admin'), NOW)).toBe('not_pending');
    }
  });

  test('the stricter of the risk and what the decision asked for wins', () => {
    expect(approverRoleFor('low', 'company_admin')).toBe('company_admin');
    expect(approverRoleFor('medium', 'company_admin')).toBe('company_admin');
    expect(approverRoleFor('high', 'company_admin')).toBe('msp_admin');
    expect(approverRoleFor('low', 'msp_admin')).toBe('msp_admin');
    expect(approvalAction({ risk: 'medium', requiredRole: 'company_admin' })).toBe('approval.decide.medium');
    expect(approvalAction({ risk: 'high', requiredRole: 'company_admin' })).toBe('approval.decide.high');
  });
});
