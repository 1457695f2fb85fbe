import * as z from 'zod';
import { SEVERITIES } from '../domain/alert';
import { LOGO_TYPES } from '../domain/report/branding';
import { HEADLINE_FIGURES } from '../domain/report/report';
import { kpiRow } from './schemas';

/** The answers of the client report and branding routes (lib/domain/report/report.ts ClientReport; docs/reports.md). */

const instant = z.iso.datetime();
const count = z.number().int().min(0);

const reportPeriod = z
  .object({
    kind: z.enum(['month', 'quarter', 'custom']),
    label: z.string().describe('"November 2026", "Q4 2026", "2026-11-03 to 2026-11-20"'),
    from: instant.describe("The first day's local midnight (included)"),
    to: instant.describe('The local midnight after the last day (excluded)'),
    firstDay: z.iso.date(),
    lastDay: z.iso.date(),
    timeZone: z.string().describe("The tenant's service calendar's time zone (UTC without one)"),
  })
  .meta({ id: 'ReportPeriod' });

const slaBreach = z.object({
  incidentId: z.string(),
  title: z.string(),
  severity: z.enum(SEVERITIES),
  clock: z.enum(['response', 'resolution']),
  deadline: instant,
  metAt: instant
    .nullable()
    .describe('The first response (response) or the resolution (resolution) after the deadline; null while still open'),
  stillOpen: z.boolean(),
  lateMinutes: count.describe("How late: to metAt, or to the report's time while still open"),
  reason: z.string().describe('"acknowledged 47 min after the deadline", "not acknowledged", "resolved 2 h late"'),
});

export const clientReportResponse = z
  .object({
    tenant: z.object({ id: z.string(), name: z.string() }),
    msp: z.object({ name: z.string(), hasLogo: z.boolean() }),
    period: reportPeriod,
    generatedAt: instant,
    totals: kpiRow.describe('The same as GET /v1/kpis totals for the period and time zone'),
    bySeverity: z.array(kpiRow.extend({ severity: z.enum(SEVERITIES) })).describe("Each severity's incidents (and alerts)"),
    breaches: z.array(slaBreach).describe('Every missed SLA clock of the incidents opened in the period, by deadline'),
    selfHealing: z.object({
      resolved: count,
      selfHealed: count,
      pct: z.number().nullable(),
      runbooks: z.array(z.object({ runbookId: z.string(), name: z.string(), incidents: count })),
    }),
    noisyAssets: z.array(z.object({ asset: z.string(), assetId: z.string().nullable(), firingEpisodes: count })).max(5),
    noisySignatures: z.array(z.object({ signature: z.string(), firingEpisodes: count })).max(5),
    maintenanceWindows: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        kind: z.string(),
        reason: z.string(),
        occurrences: count,
        firstStartsAt: instant,
        lastEndsAt: instant,
        heldIncidents: count,
      }),
    ),
    previous: z.object({ period: reportPeriod, totals: kpiRow }),
    changes: z.array(
      z.object({
        figure: z.enum(HEADLINE_FIGURES),
        label: z.string(),
        current: z.number().nullable(),
        previous: z.number().nullable(),
        change: z.number().nullable().describe('current - previous (percentage points for a percentage)'),
        direction: z.enum(['better', 'worse', 'same']).nullable(),
      }),
    ),
  })
  .meta({ id: 'ClientReport' });

export const brandingResponse = z.object({
  name: z.string(),
  logo: z.object({ contentType: z.enum(LOGO_TYPES), data: z.string().describe('The image, base64') }).nullable(),
  updatedAt: instant.optional(),
  updatedBy: z.string().optional(),
});
