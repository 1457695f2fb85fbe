import type { User } from '../../auth/session';

/**
 * The client portal: a client company's own people (role `client_viewer`, one company) use the same
 * dashboard with fewer pages. They see their company's incidents (as the API redacts them), its assets'
 * status, its maintenance windows and its reports; nothing of the MSP's tooling.
 */
export const PORTAL_ROLE = 'client_viewer';

/** Whether the signed-in user is a client company's viewer (the portal's reduced navigation and pages). */
export function isPortalUser(user: Pick<User, 'role'> | undefined): boolean {
  return (user?.role as string | undefined) === PORTAL_ROLE;
}

/** The portal's navigation, in its order. */
export const PORTAL_NAV = [
  { to: '/incidents', label: 'Incidents' },
  { to: '/assets', label: 'Assets' },
  { to: '/maintenance', label: 'Maintenance' },
  { to: '/reports', label: 'Reports' },
] as const;
