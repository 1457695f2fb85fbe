/**
 * The periods the Reports page offers: the last twelve months and the last four quarters, the one in
 * progress included (its figures so far), named as the API names them (`2026-11`, `2026-Q4`).
 */

export interface PeriodChoice {
  /** `2026-11` or `2026-Q4`. */
  value: string;
  label: string;
}

const monthName = new Intl.DateTimeFormat('en', { month: 'long', year: 'numeric', timeZone: 'UTC' });

const pad = (value: number) => String(value).padStart(2, '0');

export function monthChoices(now: Date = new Date(), count = 12): PeriodChoice[] {
  const choices: PeriodChoice[] = [];
  for (let back = 0; back < count; back++) {
    const at = new Date(Date.UTC(now.getFullYear(), now.getMonth() - back, 1));
    const label = monthName.format(at);
    choices.push({ value: `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}`, label: back === 0 ? `${label} (so far)` : label });
  }
  return choices;
}

export function quarterChoices(now: Date = new Date(), count = 4): PeriodChoice[] {
  const choices: PeriodChoice[] = [];
  const current = now.getFullYear() * 4 + Math.floor(now.getMonth() / 3);
  for (let back = 0; back < count; back++) {
    const index = current - back;
    const year = Math.floor(index / 4);
    const quarter = (index % 4) + 1;
    choices.push({ value: `${year}-Q${quarter}`, label: `Q${quarter} ${year}${back === 0 ? ' (so far)' : ''}` });
  }
  return choices;
}

/** The default: last month, the latest whole one. */
export function lastMonth(now: Date = new Date()): string {
  return (monthChoices(now, 2)[1] as PeriodChoice).value;
}

/** Whether a value names a period the page offers. */
export function isPeriod(value: string | null | undefined): value is string {
  return typeof value === 'string' && /^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/.test(value);
}
