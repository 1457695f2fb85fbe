import { Link } from 'react-router';
import { useSession } from '../../auth/session';
import { Badge } from '../../components/badges';
import { incidentPath } from '../../components/incident-parts';
import { DataTable } from '../../components/layout-parts';
import type { MaintenanceWindow } from './hooks';
import { effectsText, PhaseBadge, WindowScope, WindowWhen } from './window-parts';

export type WindowAction = 'edit' | 'end' | 'delete';

/** What the user may do to a window: company admins anything; a technician may end the windows they made. */
function useWindowActions(): (window: MaintenanceWindow) => Set<WindowAction> {
  const { can, user } = useSession();
  return (window) => {
    const allowed = new Set<WindowAction>();
    const writer = can('maintenance.write', window.tenantId);
    if (writer) allowed.add('edit').add('delete');
    if (window.phase === 'active' && (writer || (can('maintenance.short', window.tenantId) && window.createdBy === user?.email)))
      allowed.add('end');
    return allowed;
  };
}

/** The windows of one phase: what, for which company, when, what they cover and do, and the actions the role allows. */
export function WindowsTable({
  caption,
  windows,
  companyOf,
  onAction,
}: {
  caption: string;
  windows: MaintenanceWindow[];
  companyOf?: (window: MaintenanceWindow) => string;
  onAction: (action: WindowAction, window: MaintenanceWindow) => void;
}) {
  const actionsOf = useWindowActions();
  const anyActions = windows.some((window) => actionsOf(window).size > 0);
  return (
    <DataTable caption={caption}>
      <thead>
        <tr>
          <th scope="col">Window</th>
          {companyOf ? <th scope="col">Company</th> : null}
          <th scope="col">When</th>
          <th scope="col">Covers</th>
          <th scope="col">During it</th>
          <th scope="col">State</th>
          {anyActions ? (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {windows.map((window) => {
          const actions = actionsOf(window);
          return (
            <tr key={`${window.tenantId}/${window.id}`} data-testid="window-row">
              <th scope="row" className="cell-title mw-name-cell">
                {window.name}
                {window.kind === 'silence' ? (
                  <span className="cell-sub">
                    <Badge value="neutral" label="Silence" />{' '}
                    {window.incidentId ? <Link to={incidentPath(window.tenantId, window.incidentId)}>its incident</Link> : null}
                    {window.endWhenResolved ? ', ends when it resolves' : ''}
                  </span>
                ) : null}
                {window.reason ? <span className="cell-sub mw-reason">{window.reason}</span> : null}
              </th>
              {companyOf ? <td>{companyOf(window)}</td> : null}
              <td className="mw-when">
                <WindowWhen window={window} />
              </td>
              <td className="mw-scope">
                <WindowScope window={window} />
              </td>
              <td>
                <ul className="mw-effects">
                  {effectsText(window.effects).map((text) => (
                    <li key={text}>{text}</li>
                  ))}
                </ul>
              </td>
              <td>
                <PhaseBadge window={window} />
              </td>
              {anyActions ? (
                <td>
                  <div className="mw-actions">
                    {actions.has('edit') ? (
                      <button
                        type="button"
                        className="button button-small"
                        aria-label={`Edit ${window.name}`}
                        onClick={() => onAction('edit', window)}
                      >
                        Edit
                      </button>
                    ) : null}
                    {actions.has('end') ? (
                      <button
                        type="button"
                        className="button button-small"
                        aria-label={`End ${window.name} now`}
                        onClick={() => onAction('end', window)}
                      >
                        End now
                      </button>
                    ) : null}
                    {actions.has('delete') ? (
                      <button
                        type="button"
                        className="button button-small button-ghost"
                        aria-label={`Delete ${window.name}`}
                        onClick={() => onAction('delete', window)}
                      >
                        Delete
                      </button>
                    ) : null}
                  </div>
                </td>
              ) : null}
            </tr>
          );
        })}
      </tbody>
    </DataTable>
  );
}
