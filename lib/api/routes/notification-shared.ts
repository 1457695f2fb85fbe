/** What the notification resources (channels, deliveries, preferences) share. */

export const NOTIFICATIONS_TAG = 'notifications';

/** JSON with the object keys sorted: equal values compare equal whatever order their keys came in. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) =>
    entry && typeof entry === 'object' && !Array.isArray(entry)
      ? Object.fromEntries(Object.entries(entry).sort(([a], [b]) => a.localeCompare(b)))
      : entry,
  );
}

/** Equal values, whatever order their keys came in. */
export const same = (a: unknown, b: unknown) => stable(a) === stable(b);
