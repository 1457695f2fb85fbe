import { recurrenceInstants, recurrenceProblem } from '../../util/recurrence';
import { recurrenceSchema, type Recurrence, type StoredOccurrence } from './window';

/**
 * Expanding a window's recurrence rule into the occurrences stored with it (window.ts `occurrences`). Only
 * what writes windows needs this (the API and the sla function, with the rrule package); everything that
 * reads them works from the stored occurrences.
 */

/** A recurrence as a request gives it: the rule checked too. */
export const recurrenceRequestSchema = recurrenceSchema.safeExtend({
  rrule: recurrenceSchema.shape.rrule.superRefine((rule, context) => {
    const problem = recurrenceProblem(rule);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  }),
});

const DAY_MS = 86_400_000;
/** Stored from a day back (an alert delivered late is checked at the time it happened) to two months ahead. */
const BACK_MS = DAY_MS;
const AHEAD_MS = 61 * DAY_MS;
/** A rule that names its next occurrences far apart (yearly) is searched this far for two of them. */
const SEARCH_MS = 800 * DAY_MS;
/** At most this many are stored (an hourly rule over two months would be 1,464); each occurrence's end stores the next ones. */
export const MAX_STORED_OCCURRENCES = 400;

/**
 * The occurrences to store for a rule counting from `anchorMs` (the window's creation): those overlapping
 * a day before `nowMs` to two months after, and at least the next two.
 */
export function plannedOccurrences(recurrence: Recurrence, anchorMs: number, nowMs: number): StoredOccurrence[] {
  const duration = recurrence.durationMinutes * 60_000;
  const expand = (to: number) =>
    recurrenceInstants(recurrence.rrule, recurrence.timeZone, anchorMs, nowMs - BACK_MS - duration, to)
      .map((start) => ({ start, end: start + duration }))
      .filter((occurrence) => occurrence.end > nowMs - BACK_MS);
  const near = expand(nowMs + AHEAD_MS);
  const starts = new Set(near.map((occurrence) => occurrence.start));
  const occurrences =
    near.filter((occurrence) => occurrence.start > nowMs).length >= 2
      ? near
      : [
          ...near,
          ...expand(nowMs + SEARCH_MS)
            .filter((occurrence) => occurrence.start > nowMs && !starts.has(occurrence.start))
            .slice(0, 2),
        ].sort((a, b) => a.start - b.start);
  return occurrences
    .slice(0, MAX_STORED_OCCURRENCES)
    .map((occurrence) => ({ startsAt: new Date(occurrence.start).toISOString(), endsAt: new Date(occurrence.end).toISOString() }));
}
