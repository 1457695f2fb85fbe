import { formatDay } from '../lib/format';

export interface Series {
  name: string;
  values: (number | null)[];
  /** A CSS colour; defaults to the palette in order. */
  color?: string;
}

const PALETTE = ['var(--chart-1)', 'var(--chart-2)', 'var(--chart-3)', 'var(--chart-4)'];
const WIDTH = 640;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 16, bottom: 44, left: 52 };

/** Round tick values from 0 to at least `max` (1, 2 or 5 times a power of ten apart). */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough) ?? rough;
  const ticks: number[] = [];
  for (let value = 0; value < max + step / 2; value += step) ticks.push(Number(value.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}

/**
 * A per-day chart in SVG (bars side by side, or lines), with labelled axes, a legend and the numbers in
 * a table for screen readers. No chart library: a few dozen lines draw what the overview needs.
 */
export function DailyChart({
  title,
  days,
  series,
  kind = 'bar',
  yLabel,
  formatValue = (value) => value.toLocaleString(),
  maxValue,
}: {
  title: string;
  days: string[];
  series: Series[];
  kind?: 'bar' | 'line';
  yLabel: string;
  formatValue?: (value: number) => string;
  /** Fix the top of the axis (100 for percentages). */
  maxValue?: number;
}) {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const dataMax = Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const ticks = niceTicks(maxValue ?? dataMax);
  const top = ticks[ticks.length - 1]!;
  const y = (value: number) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const slot = plotWidth / Math.max(1, days.length);
  const xCenter = (index: number) => MARGIN.left + slot * index + slot / 2;
  const labelEvery = Math.ceil(days.length / 8);
  const barWidth = Math.max(2, (slot * 0.7) / Math.max(1, series.length));

  return (
    <figure className="chart">
      <figcaption className="chart-title">{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}: ${yLabel} by day`} preserveAspectRatio="xMidYMid meet">
        {ticks.map((tick) => (
          <g key={tick} className="chart-grid">
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} />
            <text x={MARGIN.left - 8} y={y(tick)} dy="0.32em" textAnchor="end">
              {formatValue(tick)}
            </text>
          </g>
        ))}
        {days.map((day, index) =>
          index % labelEvery === 0 ? (
            <text key={day} className="chart-axis-label" x={xCenter(index)} y={HEIGHT - MARGIN.bottom + 16} textAnchor="middle">
              {formatDay(day)}
            </text>
          ) : null,
        )}
        <text className="chart-axis-title" x={MARGIN.left + plotWidth / 2} y={HEIGHT - 6} textAnchor="middle">
          Day
        </text>
        <text className="chart-axis-title" transform={`translate(14 ${MARGIN.top + plotHeight / 2}) rotate(-90)`} textAnchor="middle">
          {yLabel}
        </text>
        {series.map((s, seriesIndex) => {
          const color = s.color ?? PALETTE[seriesIndex % PALETTE.length];
          if (kind === 'bar') {
            return (
              <g key={s.name} fill={color}>
                {s.values.map((value, index) =>
                  value === null ? null : (
                    <rect
                      key={days[index]}
                      x={xCenter(index) - (barWidth * series.length) / 2 + barWidth * seriesIndex}
                      y={y(value)}
                      width={barWidth}
                      height={Math.max(0, MARGIN.top + plotHeight - y(value))}
                      rx={2}
                    >
                      <title>{`${s.name}, ${formatDay(days[index]!)}: ${formatValue(value)}`}</title>
                    </rect>
                  ),
                )}
              </g>
            );
          }
          // A gap (null) lifts the pen: the line never pretends to know a missing day.
          let path = '';
          let penDown = false;
          s.values.forEach((value, index) => {
            if (value === null) return void (penDown = false);
            path += `${penDown ? 'L' : 'M'}${xCenter(index)},${y(value)} `;
            penDown = true;
          });
          return (
            <g key={s.name}>
              <path d={path} fill="none" stroke={color} strokeWidth={2.5} strokeLinejoin="round" />
              {s.values.map((value, index) =>
                value === null ? null : (
                  <circle key={days[index]} cx={xCenter(index)} cy={y(value)} r={3.5} fill={color}>
                    <title>{`${s.name}, ${formatDay(days[index]!)}: ${formatValue(value)}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
        <line className="chart-axis" x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={MARGIN.top + plotHeight} y2={MARGIN.top + plotHeight} />
      </svg>
      {series.length > 1 ? (
        <ul className="chart-legend">
          {series.map((s, index) => (
            <li key={s.name}>
              <span className="chart-swatch" style={{ background: s.color ?? PALETTE[index % PALETTE.length] }} aria-hidden="true" />
              {s.name}
            </li>
          ))}
        </ul>
      ) : null}
      <table className="visually-hidden">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {series.map((s) => (
              <th key={s.name} scope="col">
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {days.map((day, index) => (
            <tr key={day}>
              <th scope="row">{day}</th>
              {series.map((s) => (
                <td key={s.name}>{s.values[index] === null ? '—' : formatValue(s.values[index]!)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** One KPI: its value, what it means, and an optional comparison line. */
export function KpiCard({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="kpi">
      <span className="kpi-label">{label}</span>
      <span className="kpi-value">{value}</span>
      {hint ? <span className="kpi-hint">{hint}</span> : null}
    </div>
  );
}
