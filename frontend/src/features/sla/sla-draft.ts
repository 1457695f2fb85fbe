import * as z from 'zod';
import { slaPolicySchema } from '../../../../lib/domain/sla/policy';
import type { PolicyDraft, PolicyForm } from '../policies/versioned-policy-form';
import type { Severity, SlaPolicy } from './types';

/** Both windows of a severity as the number inputs' text; the clock they run on (set on the Calendars tab) kept as it is. */
interface TargetValues {
  responseMinutes: string;
  resolutionMinutes: string;
  coverage: SlaPolicy['targets'][Severity]['coverage'];
}

/**
 * The SLA policy as typed. The fields are named as the ones they become, so a message of the schema or the
 * API lands on its input; the short-window fraction is shown as a percentage (80 for 0.8).
 */
export interface SlaValues {
  targets: Record<Severity, TargetValues>;
  warning: { leadMinutes: string; shortWindowFraction: string };
}

/** One value per severity, every severity named, so a new one fails to compile here rather than vanish from the form. */
function bySeverity<T>(make: (severity: Severity) => T): Record<Severity, T> {
  return { critical: make('critical'), high: make('high'), medium: make('medium'), low: make('low'), info: make('info') };
}

function slaValuesOf(policy: SlaPolicy): SlaValues {
  return {
    targets: bySeverity((severity) => ({
      responseMinutes: String(policy.targets[severity].responseMinutes),
      resolutionMinutes: String(policy.targets[severity].resolutionMinutes),
      coverage: policy.targets[severity].coverage,
    })),
    warning: {
      leadMinutes: String(policy.warning.leadMinutes),
      shortWindowFraction: String(Math.round(policy.warning.shortWindowFraction * 100)),
    },
  };
}

/** What this form changes: the service calendar is the Calendars tab's, and is not sent (nor reset) from here. */
const targetsAndWarning = slaPolicySchema.omit({ calendar: true });

function slaPolicyOf(values: SlaValues): z.input<typeof targetsAndWarning> {
  return {
    targets: bySeverity((severity) => ({
      responseMinutes: Number(values.targets[severity].responseMinutes),
      resolutionMinutes: Number(values.targets[severity].resolutionMinutes),
      coverage: values.targets[severity].coverage,
    })),
    warning: {
      leadMinutes: Number(values.warning.leadMinutes),
      shortWindowFraction: Number(values.warning.shortWindowFraction) / 100,
    },
  };
}

type CheckedSlaPolicy = z.output<typeof targetsAndWarning>;

/** Checked as the whole policy it becomes, against the API's own SLA schema (lib/domain/sla/policy.ts). */
export const slaDraft: PolicyDraft<SlaPolicy, SlaValues, CheckedSlaPolicy> = {
  valuesOf: slaValuesOf,
  schema: z.custom<SlaValues>().transform(slaPolicyOf).pipe(targetsAndWarning),
};

export type SlaForm = PolicyForm<SlaValues, CheckedSlaPolicy>;
