import { useRef, type KeyboardEvent } from 'react';
import { useSearchParams } from 'react-router';
import { useSession } from '../auth/session';
import { useTenants } from '../auth/tenants';
import { PageHeader } from '../components/layout-parts';
import { CorrelationTab } from '../features/correlation/CorrelationTab';
import { IntegrationsTab } from '../features/integrations/IntegrationsTab';
import { KeysTab } from '../features/integrations/KeysTab';
import { NotificationsTab } from '../features/notifications/NotificationsTab';
import { SlaTab } from '../features/sla/SlaTab';
import { CalendarsTab } from '../features/calendars/CalendarsTab';
import { EmptyState, Spinner } from '../components/states';
import './admin.css';

type TabId = 'sla' | 'calendars' | 'correlation' | 'keys' | 'integrations' | 'notifications';

const TABS: { id: TabId; label: string; needsIntegrations?: boolean }[] = [
  { id: 'sla', label: 'SLA & escalation' },
  { id: 'calendars', label: 'Calendars' },
  { id: 'correlation', label: 'Correlation' },
  { id: 'keys', label: 'Keys & secrets', needsIntegrations: true },
  { id: 'integrations', label: 'Integrations', needsIntegrations: true },
  { id: 'notifications', label: 'Notifications' },
];

/** A company's settings in tabs: SLA and escalation, correlation (with its simulator), keys, tool guides, notifications. */
export default function SettingsPage() {
  const { can } = useSession();
  const { tenants, current, loading, nameOf } = useTenants();
  const [params, setParams] = useSearchParams();
  const tabRefs = useRef(new Map<TabId, HTMLButtonElement>());

  const asked = params.get('tenant');
  const tenantId = asked && tenants.some((tenant) => tenant.id === asked) ? asked : current;
  const integrations = tenantId !== undefined && can('integration.read', tenantId);
  const visibleTabs = TABS.filter((tab) => !tab.needsIntegrations || integrations);
  const askedTab = params.get('tab');
  const tab = visibleTabs.find((candidate) => candidate.id === askedTab)?.id ?? visibleTabs[0]?.id ?? 'sla';

  const setParam = (name: string, value: string | undefined) =>
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );

  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: visibleTabs.length - 1 };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = visibleTabs[(target + visibleTabs.length) % visibleTabs.length];
    if (!next) return;
    setParam('tab', next.id);
    tabRefs.current.get(next.id)?.focus();
  };

  return (
    <>
      <PageHeader
        title="Settings"
        description={
          <>
            How {tenantId ? <strong>{nameOf(tenantId)}</strong> : 'a company'} is served:{' '}
            {integrations
              ? 'SLA targets and escalation, alert correlation, webhook keys, monitoring tool setup and notifications.'
              : 'SLA targets and escalation, alert correlation and notifications.'}
          </>
        }
      />
      {loading ? (
        <Spinner label="Loading the companies" />
      ) : !tenantId ? (
        <EmptyState title="No company to configure">You do not work for any company yet.</EmptyState>
      ) : (
        <>
          {tenants.length > 1 ? (
            <div className="filters">
              <label>
                Company
                <select value={tenantId} onChange={(event) => setParam('tenant', event.target.value)}>
                  {tenants.map((tenant) => (
                    <option key={tenant.id} value={tenant.id}>
                      {tenant.name}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          ) : null}
          <div className="tabs settings-tabs" role="tablist" aria-label="Settings sections">
            {visibleTabs.map((candidate, index) => (
              <button
                key={candidate.id}
                ref={(element) => {
                  if (element) tabRefs.current.set(candidate.id, element);
                  else tabRefs.current.delete(candidate.id);
                }}
                type="button"
                role="tab"
                id={`settings-tab-${candidate.id}`}
                aria-selected={tab === candidate.id}
                aria-controls={`settings-panel-${candidate.id}`}
                tabIndex={tab === candidate.id ? 0 : -1}
                onClick={() => setParam('tab', candidate.id)}
                onKeyDown={(event) => onTabKey(event, index)}
              >
                {candidate.label}
              </button>
            ))}
          </div>
          <div className="tab-panel" role="tabpanel" id={`settings-panel-${tab}`} aria-labelledby={`settings-tab-${tab}`} tabIndex={0}>
            {tab === 'sla' ? <SlaTab key={tenantId} tenantId={tenantId} /> : null}
            {tab === 'calendars' ? <CalendarsTab key={tenantId} tenantId={tenantId} /> : null}
            {tab === 'correlation' ? <CorrelationTab key={tenantId} tenantId={tenantId} /> : null}
            {tab === 'keys' ? <KeysTab key={tenantId} tenantId={tenantId} /> : null}
            {tab === 'integrations' ? <IntegrationsTab key={tenantId} tenantId={tenantId} /> : null}
            {tab === 'notifications' ? <NotificationsTab key={tenantId} tenantId={tenantId} /> : null}
          </div>
        </>
      )}
    </>
  );
}
