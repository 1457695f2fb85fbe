import { useMemo, useState } from 'react';
import { useSession } from '../auth/session';
import { useTenants } from '../auth/tenants';
import { Badge } from '../components/badges';
import { useNow } from '../components/countdown';
import { Card, DataTable, PageHeader } from '../components/layout-parts';
import { Avatar, OnCallNowCard, ScheduleCard, type Technician } from '../components/oncall-parts';
import { TechnicianProfileDialog } from '../features/oncall/TechnicianProfileDialog';
import { useOneCompany } from '../components/runbook-parts';
import { EmptyState, ErrorState, Notice, Spinner } from '../components/states';
import { useOnCallNow, useSchedules, useTechnicians } from '../features/oncall/hooks';
import { useUserNames } from '../features/users/hooks';
import { formatTime } from '../lib/format';
import './operations.css';

function Workload({ technician }: { technician: Technician }) {
  const { openIncidents: open, maxOpenIncidents: cap } = technician;
  const share = cap ? Math.min(1, open / cap) : 1;
  const tone = open >= cap ? 'full' : share >= 0.8 ? 'busy' : 'ok';
  return (
    <span className={`workload workload-${tone}`} title={`${open} open incidents of at most ${cap}`}>
      <span className="workload-bar" aria-hidden="true">
        <span style={{ width: `${Math.max(open ? 6 : 0, Math.round(share * 100))}%` }} />
      </span>
      <span className="workload-value">
        {open} / {cap}
      </span>
      {open >= cap ? <span className="visually-hidden"> (at the cap)</span> : null}
    </span>
  );
}

/** Who works the incidents: the technicians as the routing sees them, who is on call now, and the rotations. */
export default function TechniciansPage() {
  const { can } = useSession();
  const { nameOf } = useTenants();
  const { tenant, picker } = useOneCompany();
  const now = useNow(30_000);
  const [editing, setEditing] = useState<Technician | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const [search, setSearch] = useState('');

  const technicians = useTechnicians(tenant);
  const onCall = useOnCallNow(tenant);
  const schedules = useSchedules(tenant);

  const userNames = useUserNames(tenant ? [tenant] : []);
  const names = useMemo(() => {
    const all = new Map(userNames);
    for (const technician of technicians.data?.technicians ?? []) all.set(technician.userId, technician.name);
    return all;
  }, [userNames, technicians.data]);

  const canEdit = Boolean(tenant && can('user.write', tenant));
  const list = technicians.data?.technicians ?? [];
  const needle = search.trim().toLowerCase();
  const shown = list.filter(
    (technician) => !needle || `${technician.name} ${technician.email} ${technician.skills.join(' ')}`.toLowerCase().includes(needle),
  );
  const scheduleNames = new Map((schedules.data?.schedules ?? []).map((schedule) => [schedule.id, schedule.name]));
  const entries = onCall.data?.onCall ?? [];

  return (
    <>
      <PageHeader
        title="Technicians & on-call"
        description="Who is on call now, who the routing can pick (skills, workload against their cap, active or away) and the on-call rotations."
      />
      {picker ? <div className="filters">{picker}</div> : null}
      {saved ? <Notice kind="success">Saved the profile of {saved}.</Notice> : null}

      {!tenant ? (
        <EmptyState title="No company to show">You are not a member of any company yet.</EmptyState>
      ) : (
        <>
          <section className="stack ops-section" aria-labelledby="oncall-now-heading">
            <div className="section-head">
              <h2 id="oncall-now-heading" className="section-title">
                On call now
              </h2>
              {onCall.data ? <span className="muted">as of {formatTime(onCall.data.at)}</span> : null}
            </div>
            {onCall.isPending ? (
              <Spinner label="Loading who is on call" />
            ) : onCall.isError ? (
              <ErrorState error={onCall.error} onRetry={() => void onCall.refetch()} />
            ) : entries.length === 0 ? (
              <div className="card">
                <EmptyState title="Nobody is on call right now">
                  {schedules.data?.schedules.length
                    ? 'No schedule layer covers this moment. Escalations go to the company admins.'
                    : 'This company has no on-call schedule yet.'}
                </EmptyState>
              </div>
            ) : (
              <div className="oncall-now-grid">
                {entries.map((entry) => (
                  <OnCallNowCard key={`${entry.schedule.id}-${entry.userId}`} entry={entry} now={now} />
                ))}
              </div>
            )}
          </section>

          <section className="stack ops-section" aria-labelledby="technicians-heading">
            <div className="section-head">
              <h2 id="technicians-heading" className="section-title">
                Technicians <span className="muted">of {nameOf(tenant)}</span>
              </h2>
              <label className="search-inline">
                <span className="visually-hidden">Search technicians</span>
                <input
                  type="search"
                  value={search}
                  onChange={(event) => setSearch(event.target.value)}
                  placeholder="Search name or skill"
                />
              </label>
            </div>
            {technicians.isPending ? (
              <Spinner label="Loading technicians" />
            ) : technicians.isError ? (
              <ErrorState error={technicians.error} onRetry={() => void technicians.refetch()} />
            ) : shown.length === 0 ? (
              <div className="card">
                <EmptyState title={list.length ? 'No technician matches' : 'No technicians yet'}>
                  {list.length ? null : 'Technicians are users with the technician role; add them under Settings.'}
                </EmptyState>
              </div>
            ) : (
              <DataTable caption={`Technicians of ${nameOf(tenant)}`}>
                <thead>
                  <tr>
                    <th scope="col">Technician</th>
                    <th scope="col">Skills</th>
                    <th scope="col">Companies</th>
                    <th scope="col">Workload</th>
                    <th scope="col">On call</th>
                    <th scope="col">Status</th>
                    {canEdit ? (
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody>
                  {shown.map((technician) => (
                    <tr key={technician.userId} data-testid="technician-row" className={technician.active ? undefined : 'row-away'}>
                      <th scope="row">
                        <span className="technician-cell">
                          <Avatar name={technician.name} />
                          <span>
                            <span className="cell-title">{technician.name}</span>
                            <span className="cell-sub">{technician.email}</span>
                          </span>
                        </span>
                      </th>
                      <td>
                        {technician.skills.length ? (
                          <span className="badge-list">
                            {technician.skills.map((skill) => (
                              <span key={skill} className="badge badge-accent">
                                {skill}
                              </span>
                            ))}
                          </span>
                        ) : (
                          <span className="muted">None</span>
                        )}
                      </td>
                      <td>{technician.tenantIds.map(nameOf).join(', ')}</td>
                      <td>
                        <Workload technician={technician} />
                      </td>
                      <td>
                        {technician.onCall ? (
                          <>
                            <Badge value="success" label="On call" />
                            <span className="cell-sub">
                              {technician.onCallSchedules.map((id) => scheduleNames.get(id) ?? id).join(', ')}
                            </span>
                          </>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                      <td>{technician.active ? <Badge value="success" label="Active" /> : <Badge value="neutral" label="Away" />}</td>
                      {canEdit ? (
                        <td>
                          <button
                            type="button"
                            className="button button-small"
                            onClick={() => {
                              setSaved(undefined);
                              setEditing(technician);
                            }}
                          >
                            Edit profile
                          </button>
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </DataTable>
            )}
          </section>

          <section className="stack ops-section" aria-labelledby="schedules-heading">
            <div className="section-head">
              <h2 id="schedules-heading" className="section-title">
                On-call schedules
              </h2>
            </div>
            {schedules.isPending ? (
              <Spinner label="Loading schedules" />
            ) : schedules.isError ? (
              <ErrorState error={schedules.error} onRetry={() => void schedules.refetch()} />
            ) : schedules.data.schedules.length === 0 ? (
              <div className="card">
                <EmptyState title="No on-call schedules">Without one, escalations go straight to the company admins.</EmptyState>
              </div>
            ) : (
              <div className="oncall-schedules">
                {schedules.data.schedules.map((schedule) => (
                  <ScheduleCard key={schedule.id} schedule={schedule} names={names} onCall={entries} now={now} />
                ))}
              </div>
            )}
            {can('oncall.write', tenant) ? (
              <Card className="oncall-note">
                <p className="muted">
                  Schedules are edited through the API for now:{' '}
                  <code>
                    PUT /v1/oncall/schedules/{'{id}'}?tenant={tenant}
                  </code>{' '}
                  replaces a schedule (layers, members, overrides) and <code>POST /v1/oncall/schedules</code> adds one; see the{' '}
                  <a href="/v1/openapi.json" target="_blank" rel="noreferrer">
                    API reference
                  </a>
                  .
                </p>
              </Card>
            ) : null}
          </section>
        </>
      )}

      <TechnicianProfileDialog
        technician={editing}
        onClose={() => setEditing(undefined)}
        onSaved={(name) => {
          setEditing(undefined);
          setSaved(name);
        }}
      />
    </>
  );
}
