import * as z from 'zod';
import { correlationPolicySchema } from '../../../../lib/domain/correlation/policy';
import type { PolicyDraft, PolicyForm } from '../policies/versioned-policy-form';
import type { Category, LoosePolicy, Pair, WindowField } from './policy-fields';

/**
 * The policy as typed. The windows are shown in minutes but keep the names of the fields (in seconds) they
 * become, so a message of the schema or the API lands on its input.
 */
export type CorrelationValues = Record<WindowField, string> & {
  rules: LoosePolicy['rules'];
  relatedCategories: Pair[];
};

/** One value per window, every window named, so a new one fails to compile here rather than vanish from the form. */
function byWindow<T>(make: (field: WindowField) => T): Record<WindowField, T> {
  return {
    burstWindowSeconds: make('burstWindowSeconds'),
    cascadeWindowSeconds: make('cascadeWindowSeconds'),
    flapWindowSeconds: make('flapWindowSeconds'),
    quietPeriodSeconds: make('quietPeriodSeconds'),
    graceSeconds: make('graceSeconds'),
    maxLatenessSeconds: make('maxLatenessSeconds'),
  };
}

/** 90 s -> "1.5". */
function minutesOf(seconds: number): string {
  return String(Math.round((seconds / 60) * 100) / 100);
}

const pairOf = (first: Category, second: Category): Pair => [first, second];

function correlationValuesOf(policy: LoosePolicy): CorrelationValues {
  return {
    ...byWindow((field) => minutesOf(policy[field])),
    rules: policy.rules,
    // The client types a pair as a list: only a pair of two is one.
    relatedCategories: policy.relatedCategories.flatMap(([first, second]) => (first && second ? [pairOf(first, second)] : [])),
  };
}

function correlationPolicyOf(values: CorrelationValues): z.input<typeof correlationPolicySchema> {
  return {
    ...byWindow((field) => Math.round(Number(values[field]) * 60)),
    rules: values.rules,
    relatedCategories: values.relatedCategories,
  };
}

type CheckedCorrelationPolicy = z.output<typeof correlationPolicySchema>;

/** Checked as the whole policy it becomes, against the engine's own schema (lib/domain/correlation/policy.ts). */
export const correlationDraft: PolicyDraft<LoosePolicy, CorrelationValues, CheckedCorrelationPolicy> = {
  valuesOf: correlationValuesOf,
  schema: z.custom<CorrelationValues>().transform(correlationPolicyOf).pipe(correlationPolicySchema),
};

export type CorrelationForm = PolicyForm<CorrelationValues, CheckedCorrelationPolicy>;
