import { DailyChart } from '../../components/chart';
import type { KpiReport } from './combine';

/** The period day by day: alerts against incidents, noise reduction, MTTR and SLA compliance. */
export function Trends({ report }: { report: KpiReport }) {
  const labels = report.days.map((day) => day.date);
  return (
    <section aria-labelledby="trends-heading" className="stack">
      <h2 id="trends-heading" className="ov-section-title">
        Trends by day
      </h2>
      <div className="grid grid-2">
        <div className="card">
          <DailyChart
            title="Firing alerts vs incidents"
            days={labels}
            yLabel="Count"
            series={[
              { name: 'Firing alerts', values: report.days.map((day) => day.firingEpisodes) },
              { name: 'Incidents', values: report.days.map((day) => day.incidents) },
            ]}
          />
        </div>
        <div className="card">
          <DailyChart
            title="Noise reduction"
            kind="line"
            days={labels}
            yLabel="Percent"
            maxValue={100}
            formatValue={(value) => `${value} %`}
            series={[{ name: 'Noise reduction', values: report.days.map((day) => day.noiseReductionPct), color: 'var(--chart-3)' }]}
          />
        </div>
        <div className="card">
          <DailyChart
            title="Mean time to resolve"
            kind="line"
            days={labels}
            yLabel="Minutes"
            formatValue={(value) => value.toLocaleString(undefined, { maximumFractionDigits: 2 })}
            series={[{ name: 'MTTR (minutes)', values: report.days.map((day) => day.mttrMinutes), color: 'var(--chart-2)' }]}
          />
        </div>
        <div className="card">
          <DailyChart
            title="SLA compliance"
            kind="line"
            days={labels}
            yLabel="Percent"
            maxValue={100}
            formatValue={(value) => `${value} %`}
            series={[
              { name: 'Response', values: report.days.map((day) => day.slaResponse.pct), color: 'var(--chart-1)' },
              { name: 'Resolution', values: report.days.map((day) => day.slaResolution.pct), color: 'var(--chart-4)' },
            ]}
          />
        </div>
      </div>
    </section>
  );
}
