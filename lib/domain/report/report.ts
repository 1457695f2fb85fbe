import type { Severity } from '../alert';
import type { KpiRow } from '../kpi';
import type { ReportPeriod } from './period';

/**
 * A client report: what an MSP shows a client company in its monthly or quarterly review (docs/reports.md
 * says what each part means). The service (lib/reports/report.ts) fills it from the same figures as
 * `GET /v1/kpis`; the renderers (html.ts, lib/reports/pdf.ts) only lay it out.
 */

export type SlaClockName = 'response' | 'resolution';

export interface SlaBreach {
  incidentId: string;
  title: string;
  severity: Severity;
  clock: SlaClockName;
  /** The deadline (ISO). */
  deadline: string;
  /** When the clock was met after all (the first response, the resolution; ISO), or null while it is not. */
  metAt: string | null;
  /** Neither responded to (response) nor resolved (resolution) when the report was made. */
  stillOpen: boolean;
  /** How late: to `metAt`, or to the report's time while still open (whole minutes). */
  lateMinutes: number;
  /** Why, in words: "acknowledged 47 min after the deadline", "not acknowledged", "resolved 2 h late". */
  reason: string;
}

export interface RunbookShare {
  runbookId: string;
  /** The tenant's own runbook's name, else the id (the built-in runbooks' ids name them). */
  name: string;
  /** Incidents of the period it resolved. */
  incidents: number;
}

export interface NoisyAsset {
  /** The asset as the tools name it. */
  asset: string;
  /** The inventory's id, or null when the inventory does not know it. */
  assetId: string | null;
  firingEpisodes: number;
}

export interface NoisySignature {
  signature: string;
  firingEpisodes: number;
}

export interface ReportMaintenanceWindow {
  id: string;
  name: string;
  kind: string;
  reason: string;
  /** Its occurrences that overlapped the period, and the first start and last end of those (ISO). */
  occurrences: number;
  firstStartsAt: string;
  lastEndsAt: string;
  /** Incidents of the period it held (left out of SLA compliance). */
  heldIncidents: number;
}

/** The figures a review compares with the period before. */
export const HEADLINE_FIGURES = [
  'incidents',
  'firingEpisodes',
  'noiseReductionPct',
  'mttaMinutes',
  'mttrMinutes',
  'selfHealedPct',
  'slaResponsePct',
  'slaResolutionPct',
] as const;
export type HeadlineFigure = (typeof HEADLINE_FIGURES)[number];

const FIGURE_LABELS: Readonly<Record<HeadlineFigure, string>> = {
  incidents: 'Incidents',
  firingEpisodes: 'Alert episodes',
  noiseReductionPct: 'Noise reduction (%)',
  mttaMinutes: 'MTTA (min)',
  mttrMinutes: 'MTTR (min)',
  selfHealedPct: 'Self-healed (%)',
  slaResponsePct: 'Response SLA met (%)',
  slaResolutionPct: 'Resolution SLA met (%)',
};

/** Fewer is better for these; more for the others. */
const LOWER_IS_BETTER: ReadonlySet<HeadlineFigure> = new Set(['incidents', 'firingEpisodes', 'mttaMinutes', 'mttrMinutes']);

export interface FigureChange {
  figure: HeadlineFigure;
  label: string;
  current: number | null;
  previous: number | null;
  /** current - previous (percentage points for a percentage), null when either is null. */
  change: number | null;
  /** Whether the change is good news for the client; null when there is none or nothing to compare. */
  direction: 'better' | 'worse' | 'same' | null;
}

export interface ClientReport {
  tenant: { id: string; name: string };
  msp: { name: string; hasLogo: boolean };
  period: ReportPeriod;
  generatedAt: string;
  totals: KpiRow;
  /** Per severity, the incidents of that severity and the alerts of that severity. */
  bySeverity: Array<KpiRow & { severity: Severity }>;
  breaches: SlaBreach[];
  selfHealing: { resolved: number; selfHealed: number; pct: number | null; runbooks: RunbookShare[] };
  noisyAssets: NoisyAsset[];
  noisySignatures: NoisySignature[];
  maintenanceWindows: ReportMaintenanceWindow[];
  previous: { period: ReportPeriod; totals: KpiRow };
  changes: FigureChange[];
}

const MINUTE_MS = 60_000;

/** A duration in words a client reads: "47 min", "2 h", "2 h 5 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / MINUTE_MS));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) return minutes % 60 === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  const hours = Math.round(minutes / 60);
  return hours % 24 === 0 ? `${hours / 24} d` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export interface BreachFacts {
  clock: SlaClockName;
  /** Epoch milliseconds, as are the others. */
  due: number;
  /** When the clock was met after the deadline: the first response, or the resolution. */
  metAt?: number;
  /** The first response was the acknowledgement (rather than an assignment, a note...). */
  metByAcknowledgement?: boolean;
  /** When the incident resolved, if it did. */
  resolvedAt?: number;
  now: number;
}

/** How late a missed clock is, and why, in words. */
export function describeBreach(facts: BreachFacts): { reason: string; lateMinutes: number; stillOpen: boolean } {
  const { clock, due, metAt, resolvedAt, now } = facts;
  const late = (until: number) => Math.max(0, until - due);
  const minutes = (ms: number) => Math.round(ms / MINUTE_MS);
  if (clock === 'response') {
    if (metAt !== undefined) {
      const what = facts.metByAcknowledgement ? 'acknowledged' : 'first acted on';
      return { reason: `${what} ${formatDuration(late(metAt))} after the deadline`, lateMinutes: minutes(late(metAt)), stillOpen: false };
    }
    if (resolvedAt !== undefined) {
      return {
        reason: `not acknowledged; resolved without a person ${formatDuration(late(resolvedAt))} after the deadline`,
        lateMinutes: minutes(late(resolvedAt)),
        stillOpen: false,
      };
    }
    return { reason: 'not acknowledged', lateMinutes: minutes(late(now)), stillOpen: true };
  }
  if (metAt !== undefined)
    return { reason: `resolved ${formatDuration(late(metAt))} late`, lateMinutes: minutes(late(metAt)), stillOpen: false };
  return { reason: `not resolved, ${formatDuration(late(now))} past the deadline`, lateMinutes: minutes(late(now)), stillOpen: true };
}

const round1 = (value: number) => Math.round(value * 10) / 10;

function figureOf(row: KpiRow, figure: HeadlineFigure): number | null {
  if (figure === 'slaResponsePct') return row.slaResponse.pct;
  if (figure === 'slaResolutionPct') return row.slaResolution.pct;
  return row[figure];
}

/** Each headline figure now and in the period before, and whether it moved the right way. */
export function figureChanges(current: KpiRow, previous: KpiRow): FigureChange[] {
  return HEADLINE_FIGURES.map((figure) => {
    const now = figureOf(current, figure);
    const before = figureOf(previous, figure);
    const change = now === null || before === null ? null : round1(now - before);
    const direction =
      change === null ? null : change === 0 ? 'same' : change < 0 === LOWER_IS_BETTER.has(figure) ? 'better' : ('worse' as const);
    return { figure, label: FIGURE_LABELS[figure], current: now, previous: before, change, direction };
  });
}
