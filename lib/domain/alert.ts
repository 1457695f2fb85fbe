import * as z from 'zod';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Higher is worse; used to keep an incident's severity at its worst alert's. */
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function worstSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}

/** What a format adapter produces from one tool payload: the tool's view, before tenant context. */
export const normalizedAlertSchema = z.object({
  source: z.string().min(1).max(64),
  status: z.enum(ALERT_STATUSES),
  severity: z.enum(SEVERITIES),
  /** The host or resource as the tool names it (for a host-less alert, what the tool names instead: a job, a folder). */
  assetRef: z.string().min(1).max(512),
  /**
   * The alert names no host or resource (Alertmanager's Watchdog, a Grafana datasource error, a budget): it
   * gets no asset, is not an unknown asset to map, and correlates only with its own fingerprint.
   */
  hostless: z.literal(true).optional(),
  /** The rule, check or alarm name. */
  signature: z.string().min(1).max(256),
  message: z.string().max(4096),
  labels: z.record(z.string(), z.string()),
  dedupKey: z.string().min(1).max(1024),
  /** Event time from the payload (ISO 8601, UTC). */
  occurredAt: z.iso.datetime(),
});
export type NormalizedAlert = z.infer<typeof normalizedAlertSchema>;

/** The canonical alert, as stored and as queued for correlation. */
export const canonicalAlertSchema = normalizedAlertSchema.extend({
  id: z.string().min(1),
  tenantId: z.string().min(1),
  assetId: z.string().nullable(),
  receivedAt: z.iso.datetime(),
  deliveryId: z.string().min(1),
  /** The request that brought it (lib/http/http.ts correlationIdOf), carried into its incident's events. */
  correlationId: z.string().max(128).optional(),
});
export type CanonicalAlert = z.infer<typeof canonicalAlertSchema>;
