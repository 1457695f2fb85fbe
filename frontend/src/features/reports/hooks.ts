import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ClientReport } from '../../../../lib/domain/report/report';
import type { ReportCadence } from '../../../../lib/domain/report/delivery';
import { call, type Api } from '../../api/client';
import { useApi } from '../../auth/session';
import type { Reactions } from '../reactions';

export type { ClientReport };

/** A company's report delivery settings as GET and PUT /v1/reports/delivery answer. */
export interface DeliveryAnswer {
  tenantId: string;
  settings: { enabled: boolean; cadence: ReportCadence; contacts: string[]; sendAt: string };
  version: number;
  updatedAt?: string;
  updatedBy?: string;
  nextSend?: { period: string; at: string };
}

export type DeliveryChange = Partial<DeliveryAnswer['settings']> & { version?: number };

/** One send of a report (scheduled or on demand). */
export interface ReportSend {
  id: string;
  tenantId: string;
  period: string;
  trigger: string;
  requestedBy: string;
  status: 'sent' | 'failed';
  recipients: number;
  attempt: number;
  messageId?: string;
  error?: string;
  retryAt?: string;
  at: string;
}

type Query = Record<string, string>;
interface LooseInit {
  params: { query: Query };
  body?: unknown;
  parseAs?: 'json' | 'blob';
}
/** The API client without its path types, for the report routes while the generated types do not name them. */
type LooseResult = Promise<{ data?: never; error?: unknown; response: Response }>;
type LooseApi = {
  GET: (path: string, init: LooseInit) => LooseResult;
  PUT: (path: string, init: LooseInit) => LooseResult;
  POST: (path: string, init: LooseInit) => LooseResult;
};
const loose = (api: Api) => api as unknown as LooseApi;

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
    queryFn: async () => {
      const answer = await call<ClientReport | { report: ClientReport }>(
        loose(api).GET('/v1/reports', { params: { query: { tenant: tenantId ?? '', period, format: 'json' } } }),
      );
      return 'report' in answer ? answer.report : answer;
    },
    enabled: Boolean(tenantId),
  });
}

/** The report as a PDF, fetched with the session's token (a plain link would carry none). */
export function useDownloadReportPdf(reactions: Reactions<Blob, { tenantId: string; period: string }> = {}) {
  const api = useApi();
  return useMutation({
    mutationFn: ({ tenantId, period }: { tenantId: string; period: string }) =>
      call<Blob>(loose(api).GET('/v1/reports', { params: { query: { tenant: tenantId, period, format: 'pdf' } }, parseAs: 'blob' })),
    onSuccess: reactions.onSuccess,
    onError: reactions.onError,
  });
}

export function useDelivery(tenantId: string | undefined, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: reportKeys.delivery(tenantId ?? ''),
    queryFn: () => call<DeliveryAnswer>(loose(api).GET('/v1/reports/delivery', { params: { query: { tenant: tenantId ?? '' } } })),
    enabled: Boolean(tenantId) && enabled,
  });
}

export function useSaveDelivery(tenantId: string, reactions: Reactions<DeliveryAnswer, DeliveryChange> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: DeliveryChange) =>
      call<DeliveryAnswer>(loose(api).PUT('/v1/reports/delivery', { params: { query: { tenant: tenantId } }, body })),
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
    queryFn: () =>
      call<{ deliveries: ReportSend[] }>(loose(api).GET('/v1/reports/deliveries', { params: { query: { tenant: tenantId ?? '' } } })),
    enabled: Boolean(tenantId) && enabled,
  });
}

export function useSendReport(tenantId: string, reactions: Reactions<ReportSend, string> = {}) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (period: string) =>
      call<ReportSend>(loose(api).POST('/v1/reports/send', { params: { query: { tenant: tenantId } }, body: { period } })),
    onSuccess: (record, period) => {
      void queryClient.invalidateQueries({ queryKey: reportKeys.deliveries(tenantId) });
      return reactions.onSuccess?.(record, period);
    },
    onError: reactions.onError,
  });
}
