import type { NormalizedAlert } from '../domain/alert';
import { parseGeneric } from './generic';

/**
 * Format adapters, one per tool: each maps the payload the tool really sends to canonical alerts.
 * A payload that carries several alerts yields several. Adapters throw ZodError for invalid payloads.
 */
export type FormatAdapter = (body: unknown, receivedAt: Date) => NormalizedAlert[];

export const FORMAT_ADAPTERS: Record<string, FormatAdapter> = {
  generic: parseGeneric,
};

export type WebhookSource = keyof typeof FORMAT_ADAPTERS;

export function adapterFor(source: string): FormatAdapter | undefined {
  return Object.hasOwn(FORMAT_ADAPTERS, source) ? FORMAT_ADAPTERS[source] : undefined;
}
