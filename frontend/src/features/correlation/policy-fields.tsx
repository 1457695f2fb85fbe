import type { Schemas } from '../../api/client';
import { humanize } from '../../lib/format';

type Policy = Schemas['CorrelationPolicy'];

export type Category = Policy['relatedCategories'][number][number];

export type Pair = Policy['relatedCategories'][number];

export type WindowField =
  'burstWindowSeconds' | 'cascadeWindowSeconds' | 'flapWindowSeconds' | 'quietPeriodSeconds' | 'graceSeconds' | 'maxLatenessSeconds';

const DAY = 86_400;

const CATEGORY_LABELS: Partial<Record<Category, string>> = { cpu: 'CPU' };

export const categoryLabel = (category: Category) => CATEGORY_LABELS[category] ?? humanize(category);

export const WINDOWS: { field: WindowField; label: string; hint: string; max: number }[] = [
  {
    field: 'burstWindowSeconds',
    label: 'Burst window',
    hint: 'Related signatures on one asset join while its incident’s alerts are this recent.',
    max: DAY,
  },
  {
    field: 'cascadeWindowSeconds',
    label: 'Cascade window',
    hint: 'Downstream symptoms join the upstream root’s incident within this long of the root’s activity.',
    max: DAY,
  },
  {
    field: 'flapWindowSeconds',
    label: 'Flap window',
    hint: 'A recurrence this soon after resolving reopens the incident; later it is a new one.',
    max: 7 * DAY,
  },
  {
    field: 'quietPeriodSeconds',
    label: 'Quiet period',
    hint: 'A fingerprint silent this long without a resolution starts a new episode.',
    max: 7 * DAY,
  },
  {
    field: 'graceSeconds',
    label: 'Grace period',
    hint: 'An incident resolves this long after its last alert resolves (0: at once).',
    max: DAY,
  },
  {
    field: 'maxLatenessSeconds',
    label: 'Maximum lateness',
    hint: 'Older event times count as this late, so replayed events cannot rewrite history.',
    max: DAY,
  },
];

export const RULES: { field: keyof Policy['rules']; label: string; hint: string }[] = [
  { field: 'sameAsset', label: 'Same asset', hint: 'Different signatures on one asset join when their categories are related.' },
  { field: 'topology', label: 'Topology', hint: 'Alerts on assets linked by “depends on” join the upstream root’s incident.' },
  { field: 'reopenOnFlap', label: 'Reopen on flap', hint: 'A fingerprint firing again within the flap window reopens its incident.' },
];

/** The answer as openapi-fetch types it (the category pairs lose their tuple type on the way). */
export type LoosePolicy = Omit<Policy, 'relatedCategories'> & { relatedCategories: Category[][] };

export type Answer = { policy: LoosePolicy; defaults: LoosePolicy; updatedAt?: string; updatedBy?: string };
