import { useState, type ReactNode } from 'react';
import { NavLink, useLocation } from 'react-router';
import type { Action } from '../../../lib/auth/permissions';
import { useSession } from '../auth/session';
import { useTenants } from '../auth/tenants';
import { useLive } from '../realtime/live';
import { ROLE_LABELS } from '../lib/format';
import { isPortalUser, PORTAL_NAV } from '../features/portal/portal';

interface NavItem {
  to: string;
  label: string;
  /** Shown when the user holds this permission on some tenant they see. */
  needs?: Action;
}

export const NAV: NavItem[] = [
  { to: '/', label: 'Overview', needs: 'kpi.read' },
  { to: '/incidents', label: 'Incidents', needs: 'incident.read' },
  { to: '/approvals', label: 'Approvals', needs: 'approval.read' },
  { to: '/runbooks', label: 'Runbooks', needs: 'runbook.read' },
  { to: '/companies', label: 'Companies & assets', needs: 'asset.read' },
  { to: '/technicians', label: 'Technicians & on-call', needs: 'oncall.read' },
  { to: '/maintenance', label: 'Maintenance', needs: 'maintenance.read' },
  { to: '/reports', label: 'Reports', needs: 'report.read' },
  { to: '/audit', label: 'Audit log', needs: 'audit.read' },
  { to: '/settings', label: 'Settings', needs: 'settings.read' },
];

/** Whether the user may take `action` on at least one company they see. */
export function useCanSomewhere(): (action: Action) => boolean {
  const { can } = useSession();
  const { tenants } = useTenants();
  return (action) => tenants.some((tenant) => can(action, tenant.id));
}

function LiveIndicator() {
  const { status } = useLive();
  const label = status === 'live' ? 'Live' : status === 'connecting' ? 'Connecting' : 'Offline, retrying';
  return (
    <span className={`live live-${status}`} role="status" title="Live updates over WebSocket">
      <span className="live-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

function CompanyPicker() {
  const { user } = useSession();
  const { tenants, selected, select } = useTenants();
  // A client's viewer sees their own company's name, never a list of companies.
  if (isPortalUser(user)) return tenants[0] ? <span className="company-name">{tenants[0].name}</span> : null;
  if (tenants.length < 2) return tenants[0] ? <span className="company-name">{tenants[0].name}</span> : null;
  return (
    <label className="company-picker">
      <span className="visually-hidden">Company</span>
      <select value={selected ?? ''} onChange={(event) => select(event.target.value || undefined)}>
        <option value="">All companies</option>
        {tenants.map((tenant) => (
          <option key={tenant.id} value={tenant.id}>
            {tenant.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The frame of every signed-in page: navigation (a menu on phones), company picker, live status, account. */
export function AppShell({ children }: { children: ReactNode }) {
  const { user, signOut } = useSession();
  const canSomewhere = useCanSomewhere();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  const [lastPath, setLastPath] = useState(location.pathname);
  if (lastPath !== location.pathname) {
    setLastPath(location.pathname);
    setMenuOpen(false);
  }
  const items: readonly NavItem[] = isPortalUser(user) ? PORTAL_NAV : NAV.filter((item) => !item.needs || canSomewhere(item.needs));
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="button button-ghost menu-button"
          aria-expanded={menuOpen}
          aria-controls="primary-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <span className="brand">
          <img src="/favicon.svg" alt="" width={24} height={24} /> Alert Whisperer
        </span>
        <div className="topbar-tools">
          <CompanyPicker />
          {/* A client's viewer gets no live updates (the API sends them none): no indicator. */}
          {isPortalUser(user) ? null : <LiveIndicator />}
          <span className="user" title={user?.email}>
            {user?.name} <span className="muted">· {user ? ROLE_LABELS[user.role] : ''}</span>
          </span>
          <button type="button" className="button button-ghost" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav id="primary-nav" className={`sidebar ${menuOpen ? 'sidebar-open' : ''}`} aria-label="Primary">
        <ul>
          {items.map((item) => (
            <li key={item.to}>
              <NavLink to={item.to} end={item.to === '/'}>
                {item.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
