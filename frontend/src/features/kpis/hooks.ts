import { useQueries, type QueryKey } from '@tanstack/react-query';
import { call } from '../../api/client';
import { useApi } from '../../auth/session';
import type { LiveEvent } from '../../realtime/event';

export const kpiKeys = {
  all: ['kpis'] as const,
  report: (tenantId: string, days: number) => [...kpiKeys.all, tenantId, days] as const,
};

/** Every event can move a KPI (counts, MTTA, MTTR, self-healed): each one makes the reports stale. */
export function kpisStaleAfter(_event: LiveEvent): QueryKey[] {
  return [kpiKeys.all];
}

/** One KPI report per company for the period (the API reports one company at a time). */
export function useKpiReports(tenantIds: string[], days: number, from: string, timeZone: string) {
  const api = useApi();
  return useQueries({
    queries: tenantIds.map((tenantId) => ({
      queryKey: kpiKeys.report(tenantId, days),
      queryFn: () => call(api.GET('/v1/kpis', { params: { query: { tenant: tenantId, from, timeZone } } })),
    })),
  });
}
