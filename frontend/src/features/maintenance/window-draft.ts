import * as z from 'zod';
import { windowEffectsSchema } from '../../../../lib/domain/maintenance/hold';
import { recurrenceRequestSchema } from '../../../../lib/domain/maintenance/recurrence';
import { MATCHER_OPS, timingProblem, windowScopeSchema } from '../../../../lib/domain/maintenance/window';
import type { MaintenanceWindow, WindowBody } from './hooks';

/*
 * The maintenance window form's values and the body they become, checked by the API's own request schemas
 * from lib/domain/maintenance (the scope with its matchers, the effects, the service's timing rule, and the
 * recurrence as a request gives it: `recurrenceRequestSchema`, which checks the rule with the rrule package),
 * so a field shows the API's message before any request. The name, reason and instants are the route's own
 * limits (lib/api/routes/maintenance.ts, which imports the store): a copy. The values keep the names of the
 * fields they become, so the API's messages (`recurrence.rrule`, `scope.matchers.0.value`) land on the same
 * inputs.
 *
 * The rrule package (about 45 kB minified, 14 kB gzipped) comes with the rule check: only the Maintenance
 * page's chunk, loaded on demand, imports this module (and the timeline, which expands rules as the API does).
 */

type Matcher = NonNullable<MaintenanceWindow['scope']['matchers']>[number];
export type Effects = MaintenanceWindow['effects'];

export { MATCHER_OPS };

export interface MatcherValues {
  field: string;
  op: Matcher['op'];
  value: string;
}

export interface WindowValues {
  /** The company it is for (fixed once made). */
  tenantId: string;
  name: string;
  reason: string;
  timing: 'once' | 'recurring';
  /** `<input type="datetime-local">` values, in the browser's time zone. */
  startsAt: string;
  endsAt: string;
  recurrence: { rrule: string; durationMinutes: string; timeZone: string };
  scope: { assetIds: string[]; includeDependents: boolean; matchers: MatcherValues[] };
  effects: Effects;
}

/** The browser's own time zone, the default of a recurring window. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const pad = (value: number) => String(value).padStart(2, '0');

/** An instant as a datetime-local input's value (local time, to the minute). */
export function localInputOf(instant: string | number | Date): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local value as the instant the API takes; '' stays '' (left out of the body). */
function instantOf(local: string): string {
  if (!local) return '';
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}

export const DEFAULT_EFFECTS: Effects = { notify: false, slaClocks: 'paused', autoRemediation: 'off' };

export const newMatcher: MatcherValues = { field: 'signature', op: '=', value: '' };

/** A new window: from the next full hour, for two hours; nobody paged, SLA clocks paused, no runbook by itself. */
export function newWindowValues(tenantId: string, now = Date.now()): WindowValues {
  const start = new Date(now);
  start.setMinutes(0, 0, 0);
  start.setHours(start.getHours() + 1);
  return {
    tenantId,
    name: '',
    reason: '',
    timing: 'once',
    startsAt: localInputOf(start),
    endsAt: localInputOf(start.getTime() + 2 * 3_600_000),
    recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2', durationMinutes: '120', timeZone: browserTimeZone() },
    scope: { assetIds: [], includeDependents: false, matchers: [] },
    effects: DEFAULT_EFFECTS,
  };
}

/** A stored window as the form's values. */
export function windowValuesOf(window: MaintenanceWindow): WindowValues {
  const fresh = newWindowValues(window.tenantId);
  return {
    tenantId: window.tenantId,
    name: window.name,
    reason: window.reason,
    timing: window.recurrence ? 'recurring' : 'once',
    startsAt: window.startsAt ? localInputOf(window.startsAt) : fresh.startsAt,
    endsAt: window.endsAt ? localInputOf(window.endsAt) : fresh.endsAt,
    recurrence: window.recurrence
      ? {
          rrule: window.recurrence.rrule,
          durationMinutes: String(window.recurrence.durationMinutes),
          timeZone: window.recurrence.timeZone,
        }
      : fresh.recurrence,
    scope: {
      assetIds: window.scope.assetIds ?? [],
      includeDependents: window.scope.includeDependents ?? false,
      matchers: (window.scope.matchers ?? []).map((matcher) => ({ ...matcher })),
    },
    effects: { ...DEFAULT_EFFECTS, ...window.effects },
  };
}

/** The body: trimmed text, an empty reason left out, only the timing chosen, the scope's parts only when given. */
export function windowBodyOf(values: WindowValues): WindowBody {
  const reason = values.reason.trim();
  const matchers = values.scope.matchers.map((matcher) => ({ field: matcher.field.trim(), op: matcher.op, value: matcher.value }));
  const assetIds = values.scope.assetIds;
  const duration = values.recurrence.durationMinutes.trim();
  return {
    name: values.name.trim(),
    ...(reason ? { reason } : {}),
    scope: {
      ...(assetIds.length ? { assetIds } : {}),
      ...(assetIds.length && values.scope.includeDependents ? { includeDependents: true } : {}),
      ...(matchers.length ? { matchers } : {}),
    },
    ...(values.timing === 'once'
      ? {
          ...(values.startsAt ? { startsAt: instantOf(values.startsAt) } : {}),
          ...(values.endsAt ? { endsAt: instantOf(values.endsAt) } : {}),
        }
      : {
          recurrence: {
            rrule: values.recurrence.rrule.trim(),
            // An empty or non-numeric duration stays NaN: the schema names the field.
            durationMinutes: duration === '' ? Number.NaN : Number(duration),
            timeZone: values.recurrence.timeZone.trim(),
          },
        }),
    effects: values.effects,
  };
}

/** The route's instants: ISO 8601 with an offset, at most 40 characters (a copy: the route imports the store). */
const instant = z.iso.datetime({ offset: true }).max(40);

/**
 * The body as the API checks it: the route's name, reason and instants (copied), the domain's scope,
 * recurrence and effects (imported), then the service's timing rule on the field it is about.
 */
export const windowBodySchema = z
  .object({
    name: z.string().trim().min(1).max(120),
    reason: z.string().max(1000).optional(),
    scope: windowScopeSchema.optional(),
    startsAt: instant.optional(),
    endsAt: instant.optional(),
    recurrence: recurrenceRequestSchema.optional(),
    effects: windowEffectsSchema.partial().optional(),
  })
  .strict()
  .superRefine((body, context) => {
    if (body.recurrence) return;
    const problem = timingProblem(body);
    if (!problem) return;
    // "startsAt and endsAt are required" names the one missing; the others are about the end.
    const path = problem.startsWith('startsAt and endsAt') && !body.startsAt ? 'startsAt' : 'endsAt';
    context.addIssue({ code: 'custom', path: [path], message: problem });
  });

/** The form's values checked as the body they become: what a save and a preview send. */
export const windowFormSchema = z.custom<WindowValues>().transform(windowBodyOf).pipe(windowBodySchema);

/** The checked body, or undefined while a field is not valid (the preview waits for a valid draft). */
export function checkedBody(values: WindowValues): WindowBody | undefined {
  const result = windowFormSchema.safeParse(values);
  return result.success ? (result.data as WindowBody) : undefined;
}

/** Rules to start from: the RRULE grammar is the API's, these only save typing. */
export const RULE_EXAMPLES = [
  { rule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2', label: 'Sundays at 02:00' },
  { rule: 'FREQ=DAILY;BYHOUR=3', label: 'Every day at 03:00' },
  { rule: 'FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=22;BYMINUTE=30', label: 'Tuesdays and Thursdays at 22:30' },
  { rule: 'FREQ=MONTHLY;BYDAY=1SA;BYHOUR=23', label: 'First Saturday of the month at 23:00' },
];

/** What a matcher may look at (label.<name> for any label). */
export const MATCHER_FIELDS = ['signature', 'source', 'severity', 'label.'];
