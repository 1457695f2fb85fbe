import type { Role } from '../domain/user';
import { forbidden, notFound } from '../errors';

/**
 * The permission matrix, in one place. Every route names one action; the middleware
 * asks `authorize(principal, action, tenantId)`. A role has an action everywhere it can see: MSP admins
 * see every tenant, the others only the tenants they belong to. MSP-level actions (no tenant) are
 * for MSP admins only.
 */
export const ACTIONS = [
  'tenant.read',
  'tenant.create',
  'tenant.update',
  'tenant.delete',
  'settings.read',
  'settings.update',
  'asset.read',
  'asset.write',
  'integration.read',
  'integration.write',
  /**
   * Register a source of data that another party controls (a client's AWS account, an SNS topic): its
   * alarms then become the tenant's alerts. Nothing proves ownership of an account id or topic ARN typed
   * into the API, so only MSP admins (who onboard the client's account with its stack) may do it.
   */
  'integration.source',
  'user.read',
  'user.write',
  'runbook.read',
  'runbook.write',
  'incident.read',
  'incident.acknowledge',
  'incident.assign',
  'incident.note',
  'incident.resolve',
  'incident.reopen',
  /** Ask the MSP to call back about an incident (a client's viewer): the assignee, or the company's admins, are told. */
  'incident.callback',
  'alert.read',
  'execution.read',
  'execution.run.low',
  'execution.run.medium',
  'execution.run.high',
  'approval.read',
  'approval.decide.medium',
  'approval.decide.high',
  'notification.read',
  'audit.read',
  'kpi.read',
  'oncall.read',
  'oncall.write',
  'maintenance.read',
  /** Maintenance windows of any length and scope: company admins for their companies. */
  'maintenance.write',
  /**
   * A short one-off window (at most 4 hours) on the assets of one open incident, or a silence made from
   * it, for the work a technician is doing on it; they may end the windows they made.
   */
  'maintenance.short',
  /** A company's service report (KPIs, SLA compliance, breaches) for a period, as JSON, HTML or PDF. */
  'report.read',
  /** Send a company's report to its contacts now, and set up its scheduled delivery. */
  'report.send',
  /** The MSP's name and logo on reports and client-facing pages. */
  'branding.write',
] as const;
export type Action = (typeof ACTIONS)[number];

const TECHNICIAN: readonly Action[] = [
  'tenant.read',
  'settings.read',
  'asset.read',
  'user.read',
  'runbook.read',
  'incident.read',
  'incident.acknowledge',
  'incident.assign',
  'incident.note',
  'incident.resolve',
  'incident.reopen',
  'alert.read',
  'execution.read',
  'execution.run.low',
  'approval.read',
  'notification.read',
  'kpi.read',
  'oncall.read',
  'maintenance.read',
  'maintenance.short',
  'report.read',
];

const COMPANY_ADMIN: readonly Action[] = [
  ...TECHNICIAN,
  'tenant.update',
  'settings.update',
  'asset.write',
  'integration.read',
  'integration.write',
  'user.write',
  'runbook.write',
  'execution.run.medium',
  'approval.decide.medium',
  'audit.read',
  'oncall.write',
  'maintenance.write',
  'report.send',
];

/**
 * A person of the client company (docs/security.md, "The client's viewer"): what their company sees of the
 * service, redacted by the routes (lib/domain/client-view.ts), and two ways to speak to the MSP (a note the
 * MSP sees, a callback request). Nothing that acts on an incident or the company's systems, nothing about
 * the MSP's people or tooling (alerts' payloads, runbooks, executions, approvals, users, audit, on-call,
 * integrations, notifications, settings).
 */
const CLIENT_VIEWER: readonly Action[] = [
  'tenant.read',
  'asset.read',
  'incident.read',
  'incident.note',
  // The client's own request; the MSP's technicians and company admins are who it asks to call.
  'incident.callback',
  'kpi.read',
  'maintenance.read',
  'report.read',
];

export const PERMISSIONS: Record<Role, ReadonlySet<Action>> = {
  msp_admin: new Set(ACTIONS),
  company_admin: new Set(COMPANY_ADMIN),
  technician: new Set(TECHNICIAN),
  client_viewer: new Set(CLIENT_VIEWER),
};

/** Actions about the MSP itself rather than one tenant. */
const MSP_LEVEL: ReadonlySet<Action> = new Set(['tenant.create', 'tenant.delete', 'branding.write']);

export interface Principal {
  role: Role;
  /** The tenants the user belongs to (ignored for MSP admins, who see all). */
  tenants: readonly string[];
}

export function canSeeTenant(principal: Principal, tenantId: string): boolean {
  return principal.role === 'msp_admin' || principal.tenants.includes(tenantId);
}

/** Whether the principal may take the action on the tenant (or at MSP level when tenantId is undefined). */
export function can(principal: Principal, action: Action, tenantId?: string): boolean {
  if (!PERMISSIONS[principal.role].has(action)) return false;
  if (tenantId === undefined || MSP_LEVEL.has(action)) return principal.role === 'msp_admin';
  return canSeeTenant(principal, tenantId);
}

/**
 * Throws unless allowed. A tenant the user cannot see at all is a 404 (never reveal that another
 * tenant's resource exists); a visible tenant where the role lacks the action is a 403.
 */
export function authorize(principal: Principal, action: Action, tenantId?: string, what = 'Resource'): void {
  if (tenantId !== undefined && !canSeeTenant(principal, tenantId)) throw notFound(what);
  if (!can(principal, action, tenantId)) throw forbidden(`Your role (${principal.role}) may not ${action.replace('.', ': ')}`);
}
