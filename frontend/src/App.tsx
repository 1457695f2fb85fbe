import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { ApiError } from './api/client';
import type { DashboardConfig } from './api/config';
import { SessionProvider, useSession } from './auth/session';
import { TenantProvider } from './auth/tenants';
import { AppShell } from './components/app-shell';
import { Spinner } from './components/states';
import { LiveProvider } from './realtime/live';
import LoginPage from './pages/LoginPage';
import { isPortalUser } from './features/portal/portal';
import { PortalRoutes } from './features/portal/PortalRoutes';

const OverviewPage = lazy(() => import('./pages/OverviewPage'));
const IncidentsPage = lazy(() => import('./pages/IncidentsPage'));
const IncidentDetailPage = lazy(() => import('./features/incidents/detail/IncidentDetailPage'));
const ApprovalsPage = lazy(() => import('./pages/ApprovalsPage'));
const RunbooksPage = lazy(() => import('./pages/RunbooksPage'));
const CompaniesPage = lazy(() => import('./pages/CompaniesPage'));
const CompanyDetailPage = lazy(() => import('./pages/CompanyDetailPage'));
const TechniciansPage = lazy(() => import('./pages/TechniciansPage'));
const MaintenancePage = lazy(() => import('./pages/MaintenancePage'));
const AuditPage = lazy(() => import('./pages/AuditPage'));
const ReportsPage = lazy(() => import('./pages/ReportsPage'));
const SettingsPage = lazy(() => import('./pages/SettingsPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));

function newQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        // 4xx answers will not change on retry; network errors and 5xx get two more tries.
        retry: (failures, error) => failures < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
        refetchOnWindowFocus: true,
      },
    },
  });
}

function SignedIn({ wsUrl }: { wsUrl: string }) {
  const { user } = useSession();
  const location = useLocation();
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return (
    <TenantProvider>
      <LiveProvider wsUrl={wsUrl}>
        <AppShell>
          <Suspense fallback={<Spinner />}>
            {isPortalUser(user) ? (
              <PortalRoutes />
            ) : (
              <Routes>
                <Route index element={<OverviewPage />} />
                <Route path="incidents" element={<IncidentsPage />} />
                <Route path="incidents/:tenantId/:incidentId" element={<IncidentDetailPage />} />
                <Route path="approvals" element={<ApprovalsPage />} />
                <Route path="runbooks" element={<RunbooksPage />} />
                <Route path="companies" element={<CompaniesPage />} />
                <Route path="companies/:tenantId" element={<CompanyDetailPage />} />
                <Route path="technicians" element={<TechniciansPage />} />
                <Route path="maintenance" element={<MaintenancePage />} />
                <Route path="reports" element={<ReportsPage />} />
                <Route path="audit" element={<AuditPage />} />
                <Route path="settings" element={<SettingsPage />} />
                <Route path="*" element={<NotFoundPage />} />
              </Routes>
            )}
          </Suspense>
        </AppShell>
      </LiveProvider>
    </TenantProvider>
  );
}

export function App({ config }: { config: DashboardConfig }) {
  const [queryClient] = useState(newQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider apiUrl={config.apiUrl}>
        <BrowserRouter>
          <Routes>
            <Route path="/login" element={<LoginPage stage={config.stage} />} />
            <Route path="/*" element={<SignedIn wsUrl={config.wsUrl} />} />
          </Routes>
        </BrowserRouter>
      </SessionProvider>
    </QueryClientProvider>
  );
}
