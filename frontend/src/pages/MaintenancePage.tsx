import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useSession } from '../auth/session';
import { useTenants } from '../auth/tenants';
import { useNow } from '../components/countdown';
import { Card, PageHeader } from '../components/layout-parts';
import { ConfirmDialog, FormError } from '../components/settings-form';
import { EmptyState, ErrorState, Notice, Spinner } from '../components/states';
import { useDeleteWindow, useEndWindow, useMaintenanceWindows, type MaintenanceWindow } from '../features/maintenance/hooks';
import { WindowDialog } from '../features/maintenance/WindowDialog';
import { TIMELINE_DAYS, WindowTimeline } from '../features/maintenance/window-timeline';
import { WindowsTable, type WindowAction } from '../features/maintenance/windows-table';
import './admin.css';
import './maintenance.css';

const PHASES = [
  { value: 'active', label: 'Active', empty: 'No window is active now.' },
  { value: 'upcoming', label: 'Upcoming', empty: 'No window is planned.' },
  { value: 'past', label: 'Past', empty: 'No window is over yet.' },
] as const;
type Phase = (typeof PHASES)[number]['value'];

/**
 * Maintenance windows and silences of the companies in view (the header's company picker): the next two weeks
 * as a timeline, then the windows active now, planned or over, with their actions.
 */
export default function MaintenancePage() {
  const { can } = useSession();
  const { selected, tenants, nameOf, current } = useTenants();
  const [params, setParams] = useSearchParams();
  const now = useNow(60_000);
  const [editing, setEditing] = useState<{ window: MaintenanceWindow | undefined } | undefined>();
  const [confirm, setConfirm] = useState<{ action: 'end' | 'delete'; window: MaintenanceWindow } | undefined>();
  const [notice, setNotice] = useState<string | undefined>();

  const phase: Phase = PHASES.find((option) => option.value === params.get('phase'))?.value ?? 'active';
  const setPhase = (next: Phase) => setParams(next === 'active' ? {} : { phase: next }, { replace: true });
  // Every phase at once: the tabs count them and the timeline draws the active and upcoming ones.
  const query = useMaintenanceWindows({ tenant: selected });
  const windows = query.data?.windows ?? [];
  const shown = windows.filter((window) => window.phase === phase);
  const planned = windows.filter((window) => window.phase !== 'past');
  const writable = tenants.filter((tenant) => can('maintenance.write', tenant.id));
  const defaultTenant = selected && writable.some((tenant) => tenant.id === selected) ? selected : (writable[0]?.id ?? current ?? '');
  const showCompany = !selected && tenants.length > 1;
  const companyOf = showCompany ? (window: MaintenanceWindow) => nameOf(window.tenantId) : undefined;
  const scope = selected ? nameOf(selected) : tenants.length > 1 ? 'all companies' : undefined;

  const end = useEndWindow({
    onSuccess: (ended) => {
      setConfirm(undefined);
      setNotice(
        `${ended.name} ended now: its incidents still firing are routed and notified as usual.${ended.recurrence ? ' It comes back at its next occurrence.' : ''}`,
      );
    },
  });
  const remove = useDeleteWindow({
    onSuccess: (_nothing, window) => {
      setConfirm(undefined);
      setNotice(`${window.name} deleted.`);
    },
  });

  const onAction = (action: WindowAction, window: MaintenanceWindow) => {
    setNotice(undefined);
    if (action === 'edit') return setEditing({ window });
    end.reset();
    remove.reset();
    setConfirm({ action, window });
  };

  return (
    <>
      <PageHeader
        title="Maintenance"
        description={
          <>
            Planned work{scope ? ` of ${scope}` : ''}: alerts inside a window are still stored and correlated, but their incidents page
            nobody and follow the window&apos;s rules for SLA clocks and runbooks. What still fires when it ends is routed at once.
          </>
        }
        actions={
          writable.length ? (
            <button
              type="button"
              className="button button-primary"
              onClick={() => {
                setNotice(undefined);
                setEditing({ window: undefined });
              }}
            >
              New window
            </button>
          ) : null
        }
      />
      {notice ? <Notice kind="success">{notice}</Notice> : null}

      {query.isPending ? (
        <Spinner label="Loading the maintenance windows" />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          <Card title={`Next ${TIMELINE_DAYS} days`} className="mw-timeline-card">
            <WindowTimeline windows={planned} now={now} companyOf={companyOf} />
          </Card>

          <div className="tabs" role="tablist" aria-label="Maintenance windows">
            {PHASES.map((option) => (
              <button
                key={option.value}
                type="button"
                role="tab"
                id={`mw-tab-${option.value}`}
                aria-selected={phase === option.value}
                aria-controls="mw-panel"
                onClick={() => setPhase(option.value)}
              >
                {option.label} ({windows.filter((window) => window.phase === option.value).length})
              </button>
            ))}
          </div>
          <div className="stack" role="tabpanel" id="mw-panel" aria-labelledby={`mw-tab-${phase}`}>
            {shown.length === 0 ? (
              <div className="card">
                <EmptyState title={PHASES.find((option) => option.value === phase)?.empty ?? 'Nothing here'}>
                  {writable.length && phase !== 'past' ? 'Plan one with New window; silence an incident from its page.' : null}
                </EmptyState>
              </div>
            ) : (
              <WindowsTable
                caption={`${PHASES.find((option) => option.value === phase)?.label} maintenance windows`}
                windows={shown}
                companyOf={companyOf}
                onAction={onAction}
              />
            )}
          </div>
        </>
      )}

      {writable.length ? (
        <WindowDialog
          open={editing !== undefined}
          window={editing?.window}
          tenants={writable}
          defaultTenant={defaultTenant}
          onClose={() => setEditing(undefined)}
          onSaved={(saved, created) => {
            setEditing(undefined);
            setNotice(created ? `${saved.name} planned for ${nameOf(saved.tenantId)}.` : `${saved.name} saved.`);
            if (created && saved.phase !== phase) setPhase(saved.phase);
          }}
        />
      ) : null}
      <ConfirmDialog
        open={confirm?.action === 'end'}
        title={`End ${confirm?.window.name ?? 'the window'} now?`}
        confirmLabel="End now"
        danger
        busy={end.isPending}
        onConfirm={() => confirm && end.mutate(confirm.window)}
        onClose={() => setConfirm(undefined)}
      >
        <p>Its incidents still firing are routed, notified and timed as usual from now.</p>
        {confirm?.window.recurrence ? <p>A recurring window comes back at its next occurrence.</p> : null}
        <FormError error={end.error} title="Not ended." />
      </ConfirmDialog>
      <ConfirmDialog
        open={confirm?.action === 'delete'}
        title={`Delete ${confirm?.window.name ?? 'the window'}?`}
        confirmLabel="Delete"
        danger
        busy={remove.isPending}
        onConfirm={() => confirm && remove.mutate(confirm.window)}
        onClose={() => setConfirm(undefined)}
      >
        <p>
          {confirm?.window.phase === 'active'
            ? 'It is active: it ends first, and its incidents still firing are routed and notified at once.'
            : 'It is removed for good.'}
        </p>
        <FormError error={remove.error} title="Not deleted." />
      </ConfirmDialog>
    </>
  );
}
