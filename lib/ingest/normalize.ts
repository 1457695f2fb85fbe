import * as z from 'zod';
import type { Severity } from '../domain/alert';
import { isReservedKey } from '../util/input-limits';

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

/**
 * The label name a reserved key is stored under: `__proto__`, `constructor` and `prototype`
 * (lib/util/input-limits.ts) get a `_` appended (`constructor_`; more while the name is taken), so a
 * Prometheus label named `constructor` is kept, under a legal label name, and never breaks its alert:
 * as an own key it would be dropped by zod records and assignments (`__proto__`) or make the DynamoDB
 * marshaller refuse the whole item (`constructor`). Every other name is kept as sent.
 */
export function safeLabelName(key: string, taken: (name: string) => boolean): string {
  if (!isReservedKey(key)) return key;
  let name = `${key}_`;
  while (taken(name)) name += '_';
  return name;
}

/**
 * Flattens label values to strings and caps their number and size, so no payload is rejected for
 * extras. Every label is an own data property of the result (built from a Map, never by assignment) and
 * reserved names are renamed (safeLabelName): the map survives zod, JSON, spreads and the marshaller.
 * `input` is a parsed body's object (at most MAX_WEBHOOK_JSON_DEPTH deep, so stringifying a value is safe).
 */
export function capLabels(input: Record<string, unknown>): Record<string, string> {
  const labels = new Map<string, string>();
  const given = new Set(Object.keys(input).map((key) => key.slice(0, LABEL_LIMITS.maxKeyLength)));
  for (const [key, value] of Object.entries(input)) {
    if (labels.size >= LABEL_LIMITS.maxLabels) break;
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const name = safeLabelName(key.slice(0, LABEL_LIMITS.maxKeyLength), (candidate) => given.has(candidate) || labels.has(candidate));
    if (labels.has(name)) continue; // two keys the same once cut to length: the first wins
    labels.set(name, text.slice(0, LABEL_LIMITS.maxValueLength));
  }
  return Object.fromEntries(labels);
}

/**
 * A JSON object whose keys become labels, every own key kept as sent: zod's records and loose objects
 * drop a `__proto__` key, and labels keep it (renamed by capLabels). The values are checked by the
 * adapters that read them.
 */
export const labelSource = z.custom<Record<string, unknown>>(
  (value) => value !== null && typeof value === 'object' && !Array.isArray(value),
  'expected an object',
);

/** Any ISO 8601 instant (any offset) as UTC with milliseconds. */
export function toUtcIso(value: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new Error(`Not a date: ${value}`);
  return new Date(time).toISOString();
}
