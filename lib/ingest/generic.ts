import * as z from 'zod';
import { SEVERITIES, type NormalizedAlert, type Severity } from '../domain/alert';
import { capLabels, labelSource, severityFromWord, toUtcIso } from './normalize';

/**
 * The `generic` webhook format: `{asset_name, signature, severity, message, tool_source}` with optional
 * `status`, `timestamp`, `dedup_key` and `labels`. Unknown extra fields are kept in labels (capped).
 */

const severity = z
  .string()
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.string().refine((value) => severityFromWord(value) !== undefined, { message: `expected one of ${SEVERITIES.join(', ')}` }))
  .transform((value) => severityFromWord(value) as Severity);

const labelValue = z.union([z.string(), z.number(), z.boolean()]);

const KNOWN_FIELDS = ['asset_name', 'signature', 'severity', 'message', 'tool_source', 'status', 'timestamp', 'dedup_key', 'labels'];

export const genericPayloadSchema = z.looseObject({
  asset_name: z.string().trim().min(1).max(512),
  signature: z.string().trim().min(1).max(256),
  severity,
  message: z.string().max(4096),
  tool_source: z.string().trim().min(1).max(64),
  status: z.enum(['firing', 'resolved']).default('firing'),
  timestamp: z.iso.datetime({ offset: true }).optional(),
  dedup_key: z.string().trim().min(1).max(1024).optional(),
  /** Every key kept (a `__proto__` or `constructor` label is renamed by capLabels, never dropped); values are scalars. */
  labels: labelSource
    .superRefine((labels, context) => {
      for (const [key, value] of Object.entries(labels)) {
        if (!labelValue.safeParse(value).success)
          context.addIssue({ code: 'custom', path: [key], message: 'expected a string, a number or a boolean', input: value });
      }
    })
    .optional(),
});

/** The dedup key the service derives when the tool sends none: the same tool, asset and signature. */
export function derivedDedupKey(tool: string, asset: string, signature: string): string {
  return [tool, asset, signature].map((part) => part.trim().toLowerCase()).join('|');
}

export function parseGeneric(body: unknown, receivedAt: Date): NormalizedAlert[] {
  const items = Array.isArray(body) ? body : [body];
  return items.map((item) => {
    const payload = genericPayloadSchema.parse(item);
    const extras = Object.fromEntries(Object.entries(payload).filter(([key]) => !KNOWN_FIELDS.includes(key)));
    return {
      source: payload.tool_source.toLowerCase(),
      status: payload.status,
      severity: payload.severity,
      assetRef: payload.asset_name,
      signature: payload.signature,
      message: payload.message,
      labels: capLabels({ ...payload.labels, ...extras }),
      dedupKey: payload.dedup_key ?? derivedDedupKey(payload.tool_source, payload.asset_name, payload.signature),
      occurredAt: payload.timestamp ? toUtcIso(payload.timestamp) : receivedAt.toISOString(),
    };
  });
}
