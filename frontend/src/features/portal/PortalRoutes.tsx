import { lazy } from 'react';
import { Navigate, Route, Routes } from 'react-router';

const IncidentsPage = lazy(() => import('../../pages/IncidentsPage'));
const IncidentDetailPage = lazy(() => import('../incidents/detail/IncidentDetailPage'));
const MaintenancePage = lazy(() => import('../../pages/MaintenancePage'));
const ReportsPage = lazy(() => import('../../pages/ReportsPage'));
const PortalAssetsPage = lazy(() => import('./PortalAssetsPage'));
const NotFoundPage = lazy(() => import('../../pages/NotFoundPage'));

/**
 * The client portal's pages: only these are routed, so any other address (companies, runbooks, settings…)
 * typed by hand shows the not-found page, as it would for a page that does not exist.
 */
export function PortalRoutes() {
  return (
    <Routes>
      <Route index element={<Navigate to="/incidents" replace />} />
      <Route path="incidents" element={<IncidentsPage />} />
      <Route path="incidents/:tenantId/:incidentId" element={<IncidentDetailPage />} />
      <Route path="assets" element={<PortalAssetsPage />} />
      <Route path="maintenance" element={<MaintenancePage />} />
      <Route path="reports" element={<ReportsPage />} />
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}
