/**
 * An incident's timeline without what automation added (the remediation decision, approval requests,
 * executions, routing: actor 'automation'), for tests about correlation and operator actions. The
 * remediation entries have their own tests (remediation-e2e, api-remediation).
 */
export function withoutAutomation<T extends { actor?: string }>(timeline: readonly T[]): T[] {
  return timeline.filter((entry) => entry.actor !== 'automation');
}
