import type { NormalizedAlert } from '../domain/alert';

/**
 * One alert as an adapter sees it, plus the tool's own id for it when the tool has one (an SNS
 * MessageId, an Alertmanager fingerprint with status and startsAt...). Ingestion uses that id to
 * recognise a repeat when the delivery carries no X-Delivery-ID.
 */
export type AdaptedAlert = NormalizedAlert & { toolDeliveryId?: string };

/**
 * Format adapters, one per tool: each maps the payload the tool really sends to canonical alerts.
 * A payload that carries several alerts yields several. Adapters are pure and throw ZodError for a
 * payload that is not valid for their tool.
 */
export type FormatAdapter = (body: unknown, receivedAt: Date) => AdaptedAlert[];
