/** Helpers shared by the format adapters. */

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
