import type { Severity } from '../domain/alert';

/** Helpers shared by the format adapters. */

/**
 * The words tools use for severity, and what they mean here. One table for every adapter, so
 * `warning` or `P2` means the same whichever tool sent it.
 */
const SEVERITY_WORDS: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  fatal: 'critical',
  disaster: 'critical',
  emergency: 'critical',
  page: 'critical',
  sev1: 'critical',
  p1: 'critical',
  high: 'high',
  error: 'high',
  major: 'high',
  sev2: 'high',
  p2: 'high',
  medium: 'medium',
  warning: 'medium',
  warn: 'medium',
  average: 'medium',
  moderate: 'medium',
  sev3: 'medium',
  p3: 'medium',
  low: 'low',
  minor: 'low',
  sev4: 'low',
  p4: 'low',
  info: 'info',
  informational: 'info',
  information: 'info',
  none: 'info',
  sev5: 'info',
  p5: 'info',
};

/** A severity word in any case, or undefined when it is not one. */
export function severityFromWord(word: string | undefined): Severity | undefined {
  const key = word?.trim().toLowerCase() ?? '';
  return Object.hasOwn(SEVERITY_WORDS, key) ? SEVERITY_WORDS[key] : undefined;
}

/** `key:value` tags as labels: a bare tag has an empty value; repeated keys join their values with ','. */
export function parseTags(items: readonly string[]): Record<string, string> {
  const labels = new Map<string, string>();
  for (const item of items) {
    const tag = item.trim();
    if (!tag) continue;
    const colon = tag.indexOf(':');
    const key = (colon === -1 ? tag : tag.slice(0, colon)).trim();
    const value = colon === -1 ? '' : tag.slice(colon + 1).trim();
    if (!key) continue;
    const previous = labels.get(key);
    labels.set(key, previous === undefined || previous === value ? value : `${previous},${value}`);
  }
  return Object.fromEntries(labels);
}

export const LABEL_LIMITS = { maxLabels: 64, maxKeyLength: 128, maxValueLength: 1024 } as const;

/** Flattens label values to strings and caps their number and size, so no payload is rejected for extras. */
export function capLabels(input: Record<string, unknown>): Record<string, string> {
  const entries: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(input)) {
    if (entries.length >= LABEL_LIMITS.maxLabels) break;
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    entries.push([key.slice(0, LABEL_LIMITS.maxKeyLength), text.slice(0, LABEL_LIMITS.maxValueLength)]);
  }
  // fromEntries defines own properties, so a label named like `__proto__` is kept, not swallowed.
  return Object.fromEntries(entries);
}

/** Any ISO 8601 instant (any offset) as UTC with milliseconds. */
export function toUtcIso(value: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new Error(`Not a date: ${value}`);
  return new Date(time).toISOString();
}
