import * as z from 'zod';
import { CATEGORIES, DEFAULT_RELATED_CATEGORIES } from './categories';

const seconds = (max: number) => z.number().int().min(0).max(max);
const DAY = 24 * 3600;

/**
 * A tenant's correlation policy. Every field has a default that works on day one;
 * a tenant stores only what it changes, and the stored policy is parsed through this schema, so a
 * field added later takes its default for tenants that never set it.
 */
export const correlationPolicySchema = z
  .object({
    rules: z
      .object({
        /** Different signatures on one asset join when their categories are related (same category or a causal pair). */
        sameAsset: z.boolean().default(true),
        /** Alerts on assets linked by `dependsOn` join the upstream root's incident within the cascade window. */
        topology: z.boolean().default(true),
        /** A fingerprint firing again within the flap window after its incident resolved reopens that incident. */
        reopenOnFlap: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Related signatures on one asset join while the incident's alerts on it are this recent. */
    burstWindowSeconds: seconds(DAY).default(15 * 60),
    /** Downstream symptoms join the upstream root's incident within this long of the root's activity. */
    cascadeWindowSeconds: seconds(DAY).default(10 * 60),
    /** After an incident resolves, a recurrence this soon reopens it; later, it is a new episode. */
    flapWindowSeconds: seconds(7 * DAY).default(30 * 60),
    /** A fingerprint silent this long without a resolution starts a new episode when it fires again. */
    quietPeriodSeconds: seconds(7 * DAY).default(60 * 60),
    /** When the last firing alert of an incident resolves, the incident resolves after this grace period unless one fires again. */
    graceSeconds: seconds(DAY).default(5 * 60),
    /** Event times older than this before receipt count as this late (a stuck queue must not rewrite history). */
    maxLatenessSeconds: seconds(DAY).default(15 * 60),
    /** Category pairs with a known causal chain on one asset (both directions). */
    relatedCategories: z
      .array(z.tuple([z.enum(CATEGORIES), z.enum(CATEGORIES)]))
      .max(64)
      .default(() => DEFAULT_RELATED_CATEGORIES.map(([a, b]) => [a, b] as [(typeof CATEGORIES)[number], (typeof CATEGORIES)[number]])),
  })
  .strict();

export type CorrelationPolicy = z.infer<typeof correlationPolicySchema>;
/** What a tenant may send: every field optional. */
export type CorrelationPolicyInput = z.input<typeof correlationPolicySchema>;

export const DEFAULT_POLICY: CorrelationPolicy = correlationPolicySchema.parse({});

/** The policy with a partial change applied (nested `rules` merged), validated as a whole. */
export function mergePolicy(current: CorrelationPolicy, change: CorrelationPolicyInput): CorrelationPolicy {
  return correlationPolicySchema.parse({ ...current, ...change, rules: { ...current.rules, ...(change.rules ?? {}) } });
}

/** The fields that differ between two policies, as `{before, after}` with the same shape as the policy (rules field by field). */
export function policyDifference(
  before: CorrelationPolicy,
  after: CorrelationPolicy,
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const was: Record<string, unknown> = {};
  const is: Record<string, unknown> = {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const field of Object.keys(after) as Array<keyof CorrelationPolicy>) {
    if (field === 'rules') {
      const rules = Object.keys(after.rules).filter(
        (rule) => !same(before.rules[rule as keyof CorrelationPolicy['rules']], after.rules[rule as keyof CorrelationPolicy['rules']]),
      ) as Array<keyof CorrelationPolicy['rules']>;
      if (rules.length) {
        was.rules = Object.fromEntries(rules.map((rule) => [rule, before.rules[rule]]));
        is.rules = Object.fromEntries(rules.map((rule) => [rule, after.rules[rule]]));
      }
    } else if (!same(before[field], after[field])) {
      was[field] = before[field];
      is[field] = after[field];
    }
  }
  return { before: was, after: is };
}
