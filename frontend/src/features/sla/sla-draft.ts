import * as z from 'zod';
import { slaPolicySchema } from '../../../../lib/domain/sla/policy';
import type { PolicyDraft, PolicyForm } from '../policies/versioned-policy-form';
import type { Severity, SlaPolicy } from './types';

/** Both windows of a severity as the number inputs' text. */
interface TargetValues {
  responseMinutes: string;
  resolutionMinutes: string;
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
    })),
    warning: {
      leadMinutes: String(policy.warning.leadMinutes),
      shortWindowFraction: String(Math.round(policy.warning.shortWindowFraction * 100)),
    },
  };
}

function slaPolicyOf(values: SlaValues): z.input<typeof slaPolicySchema> {
  return {
    targets: bySeverity((severity) => ({
      responseMinutes: Number(values.targets[severity].responseMinutes),
      resolutionMinutes: Number(values.targets[severity].resolutionMinutes),
    })),
    warning: {
      leadMinutes: Number(values.warning.leadMinutes),
      shortWindowFraction: Number(values.warning.shortWindowFraction) / 100,
    },
  };
}

type CheckedSlaPolicy = z.output<typeof slaPolicySchema>;

/** Checked as the whole policy it becomes, against the API's own SLA schema (lib/domain/sla/policy.ts). */
export const slaDraft: PolicyDraft<SlaPolicy, SlaValues, CheckedSlaPolicy> = {
  valuesOf: slaValuesOf,
  schema: z.custom<SlaValues>().transform(slaPolicyOf).pipe(slaPolicySchema),
};

export type SlaForm = PolicyForm<SlaValues, CheckedSlaPolicy>;
