import * as z from 'zod';
import { entitySchema, timestamp } from '../entity-schema';

/**
 * An incident held by a maintenance window or a silence, as the incident keeps it (lib/domain/incident.ts).
 * Apart from the windows themselves (window.ts, which expands recurrence rules with the rrule package), so
 * that every function reading incidents does not carry the rule expansion.
 */

export const WINDOW_KINDS = ['window', 'silence'] as const;

export const windowEffectsSchema = z
  .object({
    /** Notify people (routing, SLA warnings, escalation) about incidents in the window. */
    notify: z.boolean().default(false),
    /** Whether the incidents' SLA clocks run during the window. */
    slaClocks: z.enum(['paused', 'running']).default('paused'),
    /** Whether runbooks may run by themselves on the incidents in the window. */
    autoRemediation: z.enum(['off', 'allowed']).default('off'),
  })
  .strict();
export type WindowEffects = z.infer<typeof windowEffectsSchema>;

/** An incident in maintenance: which window holds it, until when, and what that means for it. */
export interface MaintenanceHold {
  windowId: string;
  name: string;
  kind: (typeof WINDOW_KINDS)[number];
  /** The end of the occurrence holding it: the window's end timer lifts the hold. */
  until: string;
  effects: WindowEffects;
  /** When the incident was found in it. */
  since: string;
  /** When the hold ended (the window ended, or an alert came from outside it), and why. */
  liftedAt?: string;
  liftReason?: string;
}

export const maintenanceHoldSchema = entitySchema<MaintenanceHold>({
  windowId: z.string().min(1),
  name: z.string(),
  kind: z.enum(WINDOW_KINDS),
  until: timestamp,
  effects: windowEffectsSchema,
  since: timestamp,
  liftedAt: timestamp.optional(),
  liftReason: z.string().optional(),
});

/** Whether the hold is in force: made, and not lifted. */
export function isHeld(hold: MaintenanceHold | null | undefined): hold is MaintenanceHold {
  return Boolean(hold && !hold.liftedAt);
}
