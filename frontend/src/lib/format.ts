/** Formatting shared by every page: one way to show a time, a duration, a share. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function formatDateTime(iso: string | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

export function formatTime(iso: string): string {
  return timeOnly.format(new Date(iso));
}

/** A UTC day (YYYY-MM-DD) as "Nov 24". */
export function formatDay(day: string): string {
  return dayLabel.format(new Date(`${day}T00:00:00Z`));
}

/** "3 min ago", "in 2 h". */
export function formatRelative(iso: string | undefined, now: number = Date.now()): string {
  if (!iso) return '—';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return relative.format(seconds, 'second');
  if (abs < 45 * 60) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 36 * 3600) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86400), 'day');
}

/** 95 s -> "1 min 35 s", 7,500 s -> "2 h 5 min". */
export function formatDuration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '—';
  const totalSeconds = Math.round(Math.abs(ms) / 1000);
  const days = Math.floor(totalSeconds / 86400);
  const hours = Math.floor((totalSeconds % 86400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (days) return `${days} d ${hours} h`;
  if (hours) return `${hours} h ${minutes} min`;
  if (minutes) return `${minutes} min${seconds ? ` ${seconds} s` : ''}`;
  return `${seconds} s`;
}

/** A percentage as the API gives it (87.5, or null when there is nothing to count) as "87.5 %". */
export function formatPercent(percent: number | undefined | null, digits = 1): string {
  return percent === undefined || percent === null || !Number.isFinite(percent) ? '—' : `${percent.toFixed(digits)} %`;
}

export function formatNumber(value: number | undefined | null): string {
  return value === undefined || value === null ? '—' : value.toLocaleString();
}

/** "db_prod_01" / "DiskSpaceLow" stay as they are; enum values like "route_to_technician" read as words. */
export function humanize(value: string): string {
  return value.replace(/[_-]+/g, ' ').replace(/^\w/, (letter) => letter.toUpperCase());
}

export const ROLE_LABELS: Record<'msp_admin' | 'company_admin' | 'technician' | 'client_viewer', string> = {
  msp_admin: 'MSP admin',
  company_admin: 'Company admin',
  technician: 'Technician',
  client_viewer: 'Client viewer',
};
