import * as z from 'zod';
import { SEVERITIES } from '../alert';

/**
 * Automatic assignment: among the technicians who serve the incident's company and
 * are under their workload cap, prefer one with a matching skill, then one on call, then one with
 * more of the wanted skills, then the least loaded; every choice explained.
 */

export const technicianSchema = z
  .object({
    userId: z.string().min(1),
    name: z.string().min(1).max(128),
    skills: z.array(z.string().min(1).max(64)).max(50).default([]),
    /** Open incidents (open or acknowledged, assigned to them) at most. */
    maxOpenIncidents: z.number().int().min(1).max(1000).default(5),
    /** The companies they work for. */
    tenantIds: z.array(z.string().min(1)).max(1000).default([]),
    /** Off (holiday, left the company): never picked. */
    active: z.boolean().default(true),
  })
  .strict();
export type Technician = z.infer<typeof technicianSchema>;

/** Alert category (lib/correlation/categories) to the skill that handles it. */
export const DEFAULT_CATEGORY_SKILLS: Readonly<Record<string, string>> = {
  network: 'Network',
  database: 'Database',
  security: 'Security',
  certificate: 'Security',
  cpu: 'Server',
  memory: 'Server',
  disk: 'Server',
  service: 'Server',
  time: 'Server',
  patching: 'Server',
  backup: 'Storage',
  cloud: 'Cloud',
};

/** Sources whose alerts are about cloud resources: they also want the Cloud skill. */
export const DEFAULT_CLOUD_SOURCES = ['cloudwatch', 'azure'] as const;

export const routingConfigSchema = z
  .object({
    categorySkills: z.record(z.string(), z.string().min(1)).default({ ...DEFAULT_CATEGORY_SKILLS }),
    cloudSources: z.array(z.string()).default([...DEFAULT_CLOUD_SOURCES]),
  })
  .strict();
export type RoutingConfig = z.infer<typeof routingConfigSchema>;

export const DEFAULT_ROUTING: RoutingConfig = routingConfigSchema.parse({});

export const routableIncidentSchema = z.object({
  tenantId: z.string().min(1),
  /** The categories of its alerts (the root's first). */
  categories: z.array(z.string()).default([]),
  severity: z.enum(SEVERITIES),
  /** The tools that reported it. */
  sources: z.array(z.string()).default([]),
});
export type RoutableIncident = z.input<typeof routableIncidentSchema>;

export interface Candidate {
  userId: string;
  name: string;
  eligible: boolean;
  matchedSkills: string[];
  onCall: boolean;
  openIncidents: number;
  /** Why they were left out, or how they ranked. */
  note: string;
}

export interface Assignment {
  assignee: { userId: string; name: string } | null;
  /** The reasons for the choice, in words an operator reads. */
  reasons: string[];
  /** The skills the incident wants. */
  wantedSkills: string[];
  /** Everyone considered, best first among the eligible. */
  candidates: Candidate[];
}

/** The skills an incident wants: its categories' skills, and Cloud for a cloud tool's alert. */
export function skillsFor(incident: RoutableIncident, config: RoutingConfig = DEFAULT_ROUTING): string[] {
  const wanted: string[] = [];
  const add = (skill: string | undefined) => {
    if (skill && !wanted.some((known) => known.toLowerCase() === skill.toLowerCase())) wanted.push(skill);
  };
  for (const category of incident.categories ?? []) add(config.categorySkills[category]);
  if ((incident.sources ?? []).some((source) => config.cloudSources.includes(source))) add(config.categorySkills.cloud ?? 'Cloud');
  return wanted;
}

/**
 * Picks the assignee. `onCallUserIds` are the users on call now (lib/oncall/schedule), `openCounts`
 * each technician's open incidents. Never picks someone at or over their cap, inactive, or not
 * working for the incident's company; returns a null assignee with the reasons when nobody fits.
 */
export function pickAssignee(
  incident: RoutableIncident,
  technicians: readonly Technician[],
  onCallUserIds: ReadonlySet<string> | readonly string[],
  openCounts: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
  config: RoutingConfig = DEFAULT_ROUTING,
): Assignment {
  const wantedSkills = skillsFor(incident, config);
  const wanted = new Set(wantedSkills.map((skill) => skill.toLowerCase()));
  const onCall = new Set(onCallUserIds);
  const openOf = (userId: string) =>
    (openCounts instanceof Map ? openCounts.get(userId) : (openCounts as Record<string, number>)[userId]) ?? 0;

  const candidates: Candidate[] = technicians.map((technician) => {
    const openIncidents = openOf(technician.userId);
    const matchedSkills = technician.skills.filter((skill) => wanted.has(skill.toLowerCase()));
    const base = { userId: technician.userId, name: technician.name, matchedSkills, onCall: onCall.has(technician.userId), openIncidents };
    if (!technician.active) return { ...base, eligible: false, note: 'inactive' };
    if (!technician.tenantIds.includes(incident.tenantId)) return { ...base, eligible: false, note: 'does not work for this company' };
    if (openIncidents >= technician.maxOpenIncidents) {
      return { ...base, eligible: false, note: `at the workload cap (${openIncidents}/${technician.maxOpenIncidents} open)` };
    }
    return { ...base, eligible: true, note: '' };
  });

  const eligible = candidates
    .filter((candidate) => candidate.eligible)
    .sort(
      (a, b) =>
        Number(b.matchedSkills.length > 0) - Number(a.matchedSkills.length > 0) ||
        Number(b.onCall) - Number(a.onCall) ||
        b.matchedSkills.length - a.matchedSkills.length ||
        a.openIncidents - b.openIncidents ||
        a.userId.localeCompare(b.userId),
    );
  eligible.forEach((candidate, index) => {
    candidate.note = `rank ${index + 1}: ${describe(candidate)}`;
  });
  const ordered = [...eligible, ...candidates.filter((candidate) => !candidate.eligible)];

  const best = eligible[0];
  if (!best) {
    const reasons = [`nobody fits a ${incident.severity} incident of ${incident.tenantId}`];
    const left = candidates.map((candidate) => `${candidate.name}: ${candidate.note}`);
    reasons.push(left.length > 0 ? left.join('; ') : 'no technicians');
    return { assignee: null, reasons, wantedSkills, candidates: ordered };
  }

  const reasons: string[] = [];
  if (wantedSkills.length === 0) reasons.push('the incident needs no particular skill');
  else if (best.matchedSkills.length > 0) reasons.push(`skill match: ${best.matchedSkills.join(', ')} (wanted ${wantedSkills.join(', ')})`);
  else reasons.push(`no available technician has ${wantedSkills.join(' or ')}`);
  reasons.push(best.onCall ? 'on call now' : 'not on call, but nobody better suited is');
  reasons.push(`${best.openIncidents} open of ${technicianCap(technicians, best.userId)} allowed`);
  const runnerUp = eligible[1];
  if (runnerUp) reasons.push(`ahead of ${runnerUp.name} (${describe(runnerUp)})`);
  return { assignee: { userId: best.userId, name: best.name }, reasons, wantedSkills, candidates: ordered };
}

function describe(candidate: Candidate): string {
  const skills = candidate.matchedSkills.length > 0 ? `skills ${candidate.matchedSkills.join(', ')}` : 'no matching skill';
  return `${skills}, ${candidate.onCall ? 'on call' : 'not on call'}, ${candidate.openIncidents} open`;
}

function technicianCap(technicians: readonly Technician[], userId: string): number {
  return technicians.find((technician) => technician.userId === userId)?.maxOpenIncidents ?? 0;
}
