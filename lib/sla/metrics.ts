/**
 * The SLA timers' lateness (a timer's start minus its due time), published by the sla function in
 * CloudWatch's embedded metric format and watched by the SlaTimers-TimerLag alarm.
 */
/** In seconds: the lag alarm's threshold (Monitoring.watchSlaTimerLag) is in seconds. */
export const SLA_TIMER_LAG_METRIC = { namespace: 'AlertWhisperer/Sla', name: 'TimerLagSeconds', dimension: 'Stage' } as const;

/** One EMF log line carrying the lag of a timer that fired. */
export function timerLagRecord(stage: string, lagMs: number, at = Date.now()): string {
  return JSON.stringify({
    _aws: {
      Timestamp: at,
      CloudWatchMetrics: [
        {
          Namespace: SLA_TIMER_LAG_METRIC.namespace,
          Dimensions: [[SLA_TIMER_LAG_METRIC.dimension]],
          Metrics: [{ Name: SLA_TIMER_LAG_METRIC.name, Unit: 'Seconds' }],
        },
      ],
    },
    [SLA_TIMER_LAG_METRIC.dimension]: stage,
    [SLA_TIMER_LAG_METRIC.name]: lagMs / 1000,
  });
}
