import * as z from 'zod';
import type { Node } from 'constructs';

/**
 * Deployment configuration, read from CDK context (`cdk synth -c stage=prod -c dashboardOrigin=...`)
 * and validated once, so a typo fails before any construct is built.
 */
export const StageSchema = z.enum(['dev', 'prod']);
export type Stage = z.infer<typeof StageSchema>;

export const AppConfigSchema = z
  .object({
    stage: StageSchema.default('dev'),
    /** Where operational alarms are emailed (wired when monitoring lands). */
    alarmEmail: z.email().optional(),
    /** The dashboard's origin, allowed by CORS on the HTTP API. */
    dashboardOrigin: z.url().optional(),
  })
  .superRefine((config, ctx) => {
    // '*' is only acceptable while developing; production must name the dashboard it serves.
    if (config.stage === 'prod' && !config.dashboardOrigin) {
      ctx.addIssue({ code: 'custom', path: ['dashboardOrigin'], message: 'is required when stage is prod' });
    }
  })
  .transform((config) => ({ ...config, corsOrigin: config.dashboardOrigin ?? '*' }));

export type AppConfigInput = z.input<typeof AppConfigSchema>;
export type AppConfig = z.output<typeof AppConfigSchema>;

/** Parses a config object; throws one readable error listing every problem. */
export function parseConfig(input: unknown): AppConfig {
  const result = AppConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`).join('; ');
    throw new Error(`Invalid CDK context: ${problems}`);
  }
  return result.data;
}

/** Reads the config from the app's context (`-c key=value` or cdk.json "context"). */
export function loadConfig(node: Node): AppConfig {
  // Empty strings from `-c key=` count as unset.
  const read = (key: string): unknown => {
    const value: unknown = node.tryGetContext(key);
    return value === '' ? undefined : value;
  };
  return parseConfig({ stage: read('stage'), alarmEmail: read('alarmEmail'), dashboardOrigin: read('dashboardOrigin') });
}
