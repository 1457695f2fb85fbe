/**
 * The journals of the durable local emulators (SQS, EventBridge, Scheduler): JSON lines, one record each,
 * appended before a request is answered and replayed at start. A crash can tear the last line.
 */

/** A journal line as a record with an `op`, or undefined for a blank line or one torn by a crash mid-write. */
export function parseJournalLine<T extends { op: string }>(line: string): T | undefined {
  if (!line.trim()) return undefined;
  try {
    const record = JSON.parse(line) as T;
    return record && typeof record === 'object' && typeof record.op === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}
