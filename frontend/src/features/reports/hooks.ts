import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { call, type Schemas } from '../../api/client';
import type { paths } from '../../api/schema';
import { useApi } from '../../auth/session';
import type { Reactions } from '../reactions';

export type ClientReport = Schemas['ClientReport'];
/** A company's report delivery settings as GET and PUT /v1/reports/delivery answer. */
export type DeliveryAnswer = Schemas['ReportDeliverySettings'];
export type DeliveryChange = NonNullable<paths['/v1/reports/delivery']['put']['requestBody']>['content']['application/json'];
/** One send of a report (scheduled or on demand). */
export type ReportSend = Schemas['ReportSend'];

export const reportKeys = {
  all: ['reports'] as const,
  report: (tenantId: string, period: string) => [...reportKeys.all, 'report', tenantId, period] as const,
  delivery: (tenantId: string) => [...reportKeys.all, 'delivery', tenantId] as const,
  deliveries: (tenantId: string) => [...reportKeys.all, 'deliveries', tenantId] as const,
};

/** The report as JSON: what the preview lays out. */
export function useReport(tenantId: string | undefined, period: string) {
  const api = useApi();
  return useQuery({
    queryKey: reportKeys.report(tenantId ?? '', period),
    queryFn: () => call(api.GET('/v1/reports', { params: { query: { tenant: tenantId ?? '', period, format: 'json' } } })),
    enabled: Boolean(tenantId),
  });
}

/** The report as a PDF, fetched with the session's token (a plain link would carry none). */
export function useDownloadReportPdf(reactions: Reactions<Blob, { tenantId: string; period: string }> = {}) {
  const api = useApi();
  return useMutation({
    mutationFn: ({ tenantId, period }: { tenantId: string; period: string }) =>
      call(api.GET('/v1/reports', { params: { query: { tenant: tenantId, period, format: 'pdf' } }, parseAs: 'blob' })),
    onSuccess: reactions.onSuccess,
    onError: reactions.onError,
  });
}

export function useDelivery(tenantId: string | undefined, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: reportKeys.delivery(tenantId ?? ''),
    queryFn: () => call(api.GET('/v1/reports/delivery', { params: { query: { tenant: tenantId ?? '' } } })),
    enabled: Boolean(tenantId) && enabled,
  });
}

export function useSaveDelivery(tenantId: string, reactions: Reactions<DeliveryAnswer, DeliveryChange> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: DeliveryChange) => call(api.PUT('/v1/reports/delivery', { params: { query: { tenant: tenantId } }, body })),
    onSuccess: (answer, body) => {
      queryClient.setQueryData(reportKeys.delivery(tenantId), answer);
      void queryClient.invalidateQueries({ queryKey: reportKeys.delivery(tenantId) });
      return reactions.onSuccess?.(answer, body);
    },
    onError: reactions.onError,
  });
}

export function useDeliveries(tenantId: string | undefined, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: reportKeys.deliveries(tenantId ?? ''),
    queryFn: () => call(api.GET('/v1/reports/deliveries', { params: { query: { tenant: tenantId ?? '' } } })),
    enabled: Boolean(tenantId) && enabled,
  });
}

export function useSendReport(tenantId: string, reactions: Reactions<ReportSend, string> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (period: string) => call(api.POST('/v1/reports/send', { params: { query: { tenant: tenantId } }, body: { period } })),
    onSuccess: (record, period) => {
      void queryClient.invalidateQueries({ queryKey: reportKeys.deliveries(tenantId) });
      return reactions.onSuccess?.(record, period);
    },
    onError: reactions.onError,
  });
}
