import { createHash } from 'node:crypto';
import { worstSeverity, type CanonicalAlert, type Severity } from '../alert';
import { categorize, nameWords, related, STANDALONE, SYMPTOMS, type Category } from './categories';
import type { CorrelationPolicy } from './policy';
import { unknownAssetKey, type Topology } from './topology';

export { DEFAULT_POLICY, type CorrelationPolicy } from './policy';

/**
 * The correlation engine: a pure function of (tenant policy, inventory topology,
 * the open incident state of the alert's scope, the new alert, the clock) giving a decision with its
 * reason, the scope state after it and every incident it changed with timeline entries.
 *
 * A scope is the unit of correlation state: the connected component of the dependency graph the
 * alert's asset belongs to (every rule joins alerts within it, topology rules across its assets), or
 * the asset reference when the inventory does not know the asset. The handler applies a decision
 * with one DynamoDB transaction guarded by the scope's version, so two alerts of one group processed
 * at the same moment can never open two incidents: the loser re-reads and decides again.
 *
 * Rules, in order, for a firing alert:
 *  1. dedup: the same fingerprint joins its incident; after a resolution it joins again within the
 *     flap window (reopening the incident if it had resolved); silent longer than the quiet period
 *     without a resolution, or resolved longer ago than the flap window, it is a new episode;
 *  2. asset: a related category (same, or a causal pair) on the same asset while its alerts there are recent;
 *  3. topology: a symptom on an asset that depends on an open incident's root, while the root is active,
 *     joins it; an alert on an asset that an open cascade's root depends on joins it and becomes its
 *     root (several such cascades merge into the oldest);
 *  4. otherwise a new incident.
 * A resolution marks its alert resolved; when none of an incident's alerts fires any more, the
 * incident resolves after the grace period unless one fires again (`settle`).
 */

/** One alert fingerprint within an incident. */
export interface Member {
  /** Hash of the dedup key (keys can be 1 kB; the state item must stay small). */
  key: string;
  assetId: string | null;
  assetRef: string;
  category: Category;
  signature: string;
  source: string;
  state: 'firing' | 'resolved' | 'ended';
  firstAt: string;
  /** Last firing notification's event time. */
  lastAt: string;
  /** The episode's first firing notification's own event time, unbounded (a tool's re-notifications repeat it). */
  episodeStart?: string;
  resolvedAt?: string;
}

export interface ScopeIncident {
  id: string;
  status: 'open' | 'resolved';
  title: string;
  rootAssetId: string | null;
  rootAssetRef: string;
  rootCategory: Category;
  severity: Severity;
  openedAt: string;
  lastEventAt: string;
  /** Set while every alert has resolved: the incident resolves at this time unless one fires again. */
  resolvesAt?: string;
  resolvedAt?: string;
  reopenCount: number;
  /** Distinct alerts (fingerprints) that joined: what an operator calls "its alerts". */
  alertCount: number;
  /** Firing notifications received for them (repeats included, resolutions not): how loud it was. */
  occurrences?: number;
  sources: string[];
  signatures: string[];
  members: Member[];
  /** The correlation id of the alert that opened it (its request's): its later events and notifications carry it. */
  correlationId?: string;
  /**
   * Incidents merged into this one (and those merged into them). Their alerts keep their membership
   * items under the incident they joined; the incident's detail lists those too.
   */
  absorbed?: string[];
}

/** Incidents an incident remembers absorbing at most (merges are rare; the list stays a small part of the state). */
export const MAX_ABSORBED = 50;

export interface ScopeState {
  version: number;
  incidents: ScopeIncident[];
  /**
   * Resolutions that matched no firing alert, kept for the lateness bound: when the firing they end
   * arrives late (delivered after its own resolution), it is resolved at once.
   */
  earlyResolutions?: EarlyResolution[];
}

export interface EarlyResolution {
  key: string;
  at: string;
  alertId: string;
}

export const EMPTY_SCOPE: ScopeState = { version: 0, incidents: [] };

export type Decision =
  | { kind: 'open'; incidentId: string; reason: string }
  | { kind: 'join'; incidentId: string; reason: string }
  | { kind: 'reopen'; incidentId: string; reason: string }
  | {
      kind: 'resolve-alert';
      incidentId: string;
      reason: string;
      resolvesIncident: boolean;
      /**
       * The fingerprint whose row this resolution belongs to when it is not its own: another tool reporting
       * a condition cleared that this incident holds (it resolves nothing by itself).
       */
      row?: string;
    }
  | { kind: 'unmatched-resolution'; reason: string };

export type TimelineKind =
  'incident-opened' | 'incident-reopened' | 'incident-resolved' | 'incident-merged' | 'root-changed' | 'resolution-pending' | 'alert-ended';

export interface TimelineDraft {
  type: TimelineKind;
  at: string;
  reason: string;
  alertId?: string;
  /** For merges: the other incident. */
  incidentId?: string;
  /** The operator behind the change. */
  actor?: string;
  /** Its place in the order things happened within one commit (set by the committer: lib/correlation/correlate.ts). */
  seq?: number;
}

export interface IncidentChange {
  /** The incident after the decision (for a merged-away incident, as it was, with `mergedInto`). */
  incident: ScopeIncident;
  isNew: boolean;
  mergedInto?: string;
  timeline: TimelineDraft[];
}

export interface Outcome {
  decision: Decision;
  /** The alert's category, as the rules saw it (stored on its membership). */
  category: Category;
  /** The alert's fingerprint (the hash of its dedup key): its row in the incident. */
  key: string;
  next: ScopeState;
  /** Every incident whose stored summary must be written, in order. */
  changes: IncidentChange[];
}

export interface DecideContext {
  policy: CorrelationPolicy;
  /** The tenant's dependency graph (undefined: no inventory, no topology rules). */
  topology?: Topology;
  /** Processing time (a replay's delivery receipt time): grace periods that ran out by then are settled. */
  now: Date;
  newIncidentId: () => string;
  /** Words of the tenant's name and id, ignored when categorising signatures. */
  tenantWords?: ReadonlySet<string>;
}

/** Incidents kept in a scope's state at most: the oldest resolved ones go first. */
const MAX_INCIDENTS = 200;
/** Early resolutions kept per scope at most. */
const MAX_EARLY_RESOLUTIONS = 100;
/** Fingerprints kept per incident at most: the oldest non-firing ones go first. */
const MAX_MEMBERS = 100;
/** Event times ahead of receipt by more than this are taken as the receipt time (a tool with a fast clock). */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * The scope an alert is correlated in: its asset's part of the dependency graph, else the asset as the
 * tool names it, else (an alert that names no host) its own fingerprint: such alerts group only with
 * their own repeats, never with other host-less alerts through a shared pseudo-asset.
 */
export function scopeOf(alert: Pick<CanonicalAlert, 'assetId' | 'assetRef' | 'dedupKey' | 'hostless'>, topology?: Topology): string {
  if (alert.hostless) return `alert:${fingerprintOf(alert.dedupKey)}`;
  if (alert.assetId) return `group:${topology ? topology.componentOf(alert.assetId) : alert.assetId}`;
  return `ref:${unknownAssetKey(alert.assetRef)}`;
}

export function fingerprintOf(dedupKey: string): string {
  return createHash('sha256').update(dedupKey).digest('base64url').slice(0, 22);
}

/** The alert's event time, bounded: never more than the policy's lateness before its receipt, nor well after it. */
export function eventTimeOf(alert: Pick<CanonicalAlert, 'occurredAt' | 'receivedAt'>, policy: CorrelationPolicy): number {
  const occurred = Date.parse(alert.occurredAt);
  const received = Date.parse(alert.receivedAt);
  return Math.min(Math.max(occurred, received - policy.maxLatenessSeconds * 1000), received + MAX_CLOCK_SKEW_MS);
}

function categoryOf(alert: CanonicalAlert, context: Pick<DecideContext, 'topology' | 'tenantWords'>): Category {
  const asset = alert.assetId ? context.topology?.asset(alert.assetId) : undefined;
  const names = nameWords(alert.assetRef, asset?.name, asset?.id, ...(asset?.aliases ?? []));
  for (const word of context.tenantWords ?? []) names.add(word);
  return categorize(alert, names);
}

/** Resolves incidents whose grace period has run out by `now`. */
export function settle(state: ScopeState, now: Date, policy: CorrelationPolicy): { next: ScopeState; changes: IncidentChange[] } {
  const work = new Work(state, policy);
  work.settleDue(now.getTime());
  return { next: work.result(now.getTime()), changes: work.changeList() };
}

/** What an operator does to an incident that correlation must know about (the rest is not correlation's). */
export type OperatorAction =
  { kind: 'resolve'; at: Date; actor: string; code: string; note?: string } | { kind: 'reopen'; at: Date; actor: string; reason?: string };

/**
 * An operator resolves or reopens an incident. Resolving ends its alerts' episodes: one that fires
 * again within the flap window reopens the incident (the problem is not gone), later it is a new
 * incident. Returns undefined when the incident is not in this scope's state any more (resolved long
 * ago, or never correlated here): the caller then changes only the stored incident.
 */
export function applyOperatorAction(
  state: ScopeState,
  incidentId: string,
  action: OperatorAction,
  policy: CorrelationPolicy,
): { next: ScopeState; changes: IncidentChange[] } | undefined {
  const work = new Work(state, policy);
  const incident = work.incidents.find((candidate) => candidate.id === incidentId);
  if (!incident) return undefined;
  const at = action.at.toISOString();
  if (action.kind === 'resolve') {
    const resolved: ScopeIncident = {
      ...incident,
      status: 'resolved',
      resolvedAt: at,
      members: incident.members.map((member) =>
        member.state === 'firing' ? { ...member, state: 'ended' as const, resolvedAt: at } : member,
      ),
    };
    delete resolved.resolvesAt;
    const note = action.note ? `: ${action.note}` : '';
    work.replace(resolved, {
      type: 'incident-resolved',
      at,
      actor: action.actor,
      reason: `resolved by ${action.actor} (${action.code})${note}`,
    });
  } else {
    const reopened: ScopeIncident = { ...incident, status: 'open', reopenCount: incident.reopenCount + 1 };
    delete reopened.resolvedAt;
    delete reopened.resolvesAt;
    const reason = action.reason ? `: ${action.reason}` : '';
    work.replace(reopened, { type: 'incident-reopened', at, actor: action.actor, reason: `reopened by ${action.actor}${reason}` });
  }
  return { next: work.result(action.at.getTime()), changes: work.changeList() };
}

/** Decides what one alert does and returns the scope state after it. */
export function decide(alert: CanonicalAlert, state: ScopeState, context: DecideContext): Outcome {
  const { policy } = context;
  const work = new Work(state, policy);
  const nowMs = context.now.getTime();
  work.settleDue(nowMs);
  const t = eventTimeOf(alert, policy);
  const category = categoryOf(alert, context);
  const key = fingerprintOf(alert.dedupKey);
  const decision =
    alert.status === 'resolved'
      ? (resolveAlert(work, alert.id, key, t) ?? reportedCleared(work, alert, category, t))
      : fireAlert(work, alert, { key, t, category, topology: context.topology, newIncidentId: context.newIncidentId });
  if (decision.kind === 'unmatched-resolution') work.early.push({ key, at: iso(t), alertId: alert.id });
  if (alert.status === 'firing') {
    // Its resolution came first (delivered before this firing): resolve it now, at the resolution's time.
    const early = work.early.find((entry) => entry.key === key && Date.parse(entry.at) >= t);
    if (early) {
      work.early = work.early.filter((entry) => entry !== early);
      resolveAlert(work, early.alertId, key, Date.parse(early.at));
    }
  }
  return { decision, category, key, next: work.result(nowMs), changes: work.changeList() };
}

// --- Resolutions -------------------------------------------------------------------------------------------

/** What a resolution of fingerprint `key` does; undefined when no incident has that alert (another tool's may match). */
function resolveAlert(work: Work, alertId: string, key: string, t: number): Decision | undefined {
  const firing = work.latestWith(key, (member) => member.state === 'firing');
  if (!firing) {
    const earlier = work.latestWith(key, () => true);
    if (earlier) {
      // A repeated or late resolution of an alert already resolved: it belongs to that incident, changes nothing.
      work.replace(touched(earlier.incident, t));
      return {
        kind: 'resolve-alert',
        incidentId: earlier.incident.id,
        reason: 'repeat of a resolution already recorded',
        resolvesIncident: false,
      };
    }
    return undefined;
  }
  const { incident } = firing;
  if (t < Date.parse(firing.member.lastAt)) {
    // Older than the alert's latest firing notification (out of order): it does not end the episode.
    work.replace(touched(incident, t));
    return {
      kind: 'resolve-alert',
      incidentId: incident.id,
      reason: 'a late resolution: the alert fired again after it',
      resolvesIncident: false,
    };
  }
  const members = incident.members.map((member) =>
    member.key === key ? { ...member, state: 'resolved' as const, resolvedAt: iso(Math.max(t, Date.parse(member.firstAt))) } : member,
  );
  const stillFiring = members.some((member) => member.state === 'firing');
  let updated: ScopeIncident = { ...incident, members, lastEventAt: latest(incident.lastEventAt, iso(t)) };
  if (stillFiring || incident.status === 'resolved') {
    work.replace(updated);
    return { kind: 'resolve-alert', incidentId: incident.id, reason: 'alert resolved; others still firing', resolvesIncident: false };
  }
  const graceMs = work.policy.graceSeconds * 1000;
  if (graceMs === 0) {
    updated = { ...updated, status: 'resolved', resolvedAt: iso(t) };
    delete updated.resolvesAt;
    work.replace(updated, { type: 'incident-resolved', at: iso(t), reason: 'all its alerts resolved', alertId });
    return { kind: 'resolve-alert', incidentId: incident.id, reason: 'its last firing alert resolved', resolvesIncident: true };
  }
  updated = { ...updated, resolvesAt: iso(t + graceMs) };
  const minutes = formatDuration(graceMs);
  work.replace(updated, {
    type: 'resolution-pending',
    at: iso(t),
    reason: `all its alerts resolved; it resolves in ${minutes} unless one fires again`,
    alertId,
  });
  return {
    kind: 'resolve-alert',
    incidentId: incident.id,
    reason: `its last firing alert resolved; the incident resolves after a ${minutes} grace period`,
    resolvesIncident: false,
  };
}

/**
 * A resolution whose own alert no incident has: another tool may have fired this condition (two tools
 * watching one host). It attaches to the open incident where the same condition (category) fires on the
 * same asset, reported by another tool, and resolves nothing there: that tool's own resolution, or a
 * person, does. Otherwise it matches nothing.
 */
function reportedCleared(work: Work, alert: CanonicalAlert, category: Category, t: number): Decision {
  if (!alert.hostless) {
    let best: { incident: ScopeIncident; member: Member } | undefined;
    for (const incident of work.incidents) {
      if (incident.status !== 'open') continue;
      for (const member of incident.members) {
        if (member.state !== 'firing' || member.source === alert.source || member.category !== category || !sameAsset(member, alert))
          continue;
        if (!best || Date.parse(member.lastAt) > Date.parse(best.member.lastAt)) best = { incident, member };
      }
    }
    if (best) {
      work.replace(touched(best.incident, t));
      return {
        kind: 'resolve-alert',
        incidentId: best.incident.id,
        reason: `${alert.source} reports ${best.member.signature} cleared (${category}); ${best.member.source}, which fired it, has not resolved it`,
        resolvesIncident: false,
        row: best.member.key,
      };
    }
  }
  return { kind: 'unmatched-resolution', reason: 'no incident has this alert, or its condition on this asset, firing' };
}

// --- Firing alerts -----------------------------------------------------------------------------------------

interface Firing {
  key: string;
  t: number;
  category: Category;
  topology: Topology | undefined;
  newIncidentId: () => string;
}

function fireAlert(work: Work, alert: CanonicalAlert, firing: Firing): Decision {
  const { key, t } = firing;
  const { policy } = work;
  const seen = work.latestWith(key, () => true);

  // 1. Dedup and episodes.
  if (seen) {
    const { incident, member } = seen;
    if (member.state === 'firing') {
      const silentMs = t - Date.parse(member.lastAt);
      if (silentMs <= policy.quietPeriodSeconds * 1000) {
        work.replace(withAlert(incident, alert, firing, member));
        return { kind: 'join', incidentId: incident.id, reason: 'same fingerprint' };
      }
      if (member.episodeStart && Date.parse(member.episodeStart) === Date.parse(alert.occurredAt)) {
        // A re-notification of the same firing (Alertmanager's repeat_interval keeps startsAt): however
        // long the silence, it is the same episode.
        work.replace(withAlert(incident, alert, firing, member));
        return {
          kind: 'join',
          incidentId: incident.id,
          reason: `same fingerprint (re-notified after ${formatDuration(silentMs)}, same start)`,
        };
      }
      // Silent for longer than the quiet period and never resolved: the old episode ended unseen.
      // Its incident stays a candidate for the other rules only while something else there still fires.
      work.endMember(incident.id, key, t, `no notification for ${formatDuration(silentMs)} and no resolution: a new episode starts`);
    } else {
      const resolvedAt = Date.parse(member.resolvedAt ?? member.lastAt);
      const sinceMs = t - resolvedAt;
      if (sinceMs < 0 && Date.parse(member.firstAt) <= t) {
        // Sent before its resolution and delivered after it (out of order): part of that episode, changes nothing.
        work.replace(repeated(incident, t));
        return { kind: 'join', incidentId: incident.id, reason: 'same fingerprint (sent before its resolution, delivered after it)' };
      }
      if (incident.status === 'open' && sinceMs <= policy.flapWindowSeconds * 1000) {
        work.replace(withAlert(incident, alert, firing, member));
        return {
          kind: 'join',
          incidentId: incident.id,
          reason: `same fingerprint fired again ${formatDuration(sinceMs)} after resolving (flapping)`,
        };
      }
      if (
        incident.status === 'resolved' &&
        policy.rules.reopenOnFlap &&
        t - Date.parse(incident.resolvedAt as string) <= policy.flapWindowSeconds * 1000
      ) {
        const since = formatDuration(t - Date.parse(incident.resolvedAt as string));
        const reopened: ScopeIncident = {
          ...withAlert(incident, alert, firing, member),
          status: 'open',
          reopenCount: incident.reopenCount + 1,
        };
        delete reopened.resolvedAt;
        work.replace(reopened, {
          type: 'incident-reopened',
          at: iso(t),
          reason: `${alert.signature} fired again ${since} after the incident resolved (within the ${formatDuration(policy.flapWindowSeconds * 1000)} flap window)`,
          alertId: alert.id,
        });
        return { kind: 'reopen', incidentId: incident.id, reason: `same fingerprint fired again ${since} after the incident resolved` };
      }
      // Otherwise a new episode: its old incident takes it only through the other rules, if it is still open.
    }
  }

  // 2. Related signature on the same asset.
  if (policy.rules.sameAsset) {
    const match = sameAssetMatch(work, alert, firing);
    if (match) {
      work.replace(withAlert(match.incident, alert, firing));
      return { kind: 'join', incidentId: match.incident.id, reason: match.reason };
    }
  }

  // 3. Topology.
  if (policy.rules.topology && firing.topology && alert.assetId && !STANDALONE.has(firing.category)) {
    const joined = topologyMatch(work, alert, firing);
    if (joined) return joined;
  }

  // 4. A new incident.
  const assetName = firing.topology?.nameOf(alert.assetId, alert.assetRef) ?? alert.assetRef;
  const incident: ScopeIncident = {
    id: firing.newIncidentId(),
    status: 'open',
    title: titleOf(alert, assetName),
    rootAssetId: alert.assetId,
    rootAssetRef: alert.assetRef,
    rootCategory: firing.category,
    severity: alert.severity,
    openedAt: iso(t),
    lastEventAt: iso(t),
    reopenCount: 0,
    alertCount: 0,
    occurrences: 0,
    sources: [],
    signatures: [],
    members: [],
    ...(alert.correlationId ? { correlationId: alert.correlationId } : {}),
  };
  const reason = seen ? 'same fingerprint, new episode (its last one ended)' : 'no open incident matches';
  work.add(withAlert(incident, alert, firing), { type: 'incident-opened', at: iso(t), reason, alertId: alert.id });
  return { kind: 'open', incidentId: incident.id, reason };
}

function sameAsset(member: Member, alert: CanonicalAlert): boolean {
  return alert.assetId
    ? member.assetId === alert.assetId
    : !member.assetId && unknownAssetKey(member.assetRef) === unknownAssetKey(alert.assetRef);
}

/** Whether a fingerprint counts as happening around `t`: firing and not silent too long, or resolved within `windowMs`. */
function active(member: Member, t: number, windowMs: number, quietMs: number): boolean {
  if (member.state === 'firing') return t - Date.parse(member.lastAt) <= quietMs;
  if (member.state === 'resolved') return Math.abs(t - Date.parse(member.resolvedAt ?? member.lastAt)) <= windowMs;
  return false;
}

function sameAssetMatch(work: Work, alert: CanonicalAlert, firing: Firing): { incident: ScopeIncident; reason: string } | undefined {
  const { policy } = work;
  const windowMs = policy.burstWindowSeconds * 1000;
  const quietMs = policy.quietPeriodSeconds * 1000;
  let best: { incident: ScopeIncident; member: Member; activity: number } | undefined;
  for (const incident of work.incidents) {
    if (incident.status !== 'open') continue;
    for (const member of incident.members) {
      if (!sameAsset(member, alert) || !related(member.category, firing.category, policy.relatedCategories)) continue;
      // Close in time: still firing (not silent past the quiet period), or resolved within the burst window.
      if (!active(member, firing.t, windowMs, quietMs) || firing.t < Date.parse(member.firstAt) - windowMs) continue;
      const activity = Date.parse(member.resolvedAt ?? member.lastAt);
      if (!best || activity > best.activity) best = { incident, member, activity };
    }
  }
  if (!best) return undefined;
  const { member } = best;
  const ago = describeGap(firing.t, Date.parse(member.firstAt));
  const sameCategory = member.category === firing.category;
  const reason =
    sameCategory && member.source !== alert.source
      ? `same asset and condition (${firing.category}): ${member.source} reported it as ${member.signature} ${ago}`
      : sameCategory
        ? `same asset, same kind of problem (${firing.category}) as ${member.signature} ${ago}`
        : `same asset; ${firing.category} follows from ${member.category} (${member.signature} ${ago})`;
  return { incident: best.incident, reason };
}

function topologyMatch(work: Work, alert: CanonicalAlert, firing: Firing): Decision | undefined {
  const { policy } = work;
  const topology = firing.topology as Topology;
  const assetId = alert.assetId as string;
  const cascadeMs = policy.cascadeWindowSeconds * 1000;
  const quietMs = policy.quietPeriodSeconds * 1000;
  const upstream = topology.upstreamOf(assetId);
  const open = work.incidents.filter((incident) => incident.status === 'open');

  // a) Downstream symptom of an active root: join the nearest such root's incident.
  let target: { incident: ScopeIncident; distance: number; rootFirst: number; via: string } | undefined;
  if (SYMPTOMS.has(firing.category)) {
    for (const incident of open) {
      if (!incident.rootAssetId) continue;
      const path = upstream.get(incident.rootAssetId);
      if (!path) continue;
      const rootMembers = incident.members.filter((member) => member.assetId === incident.rootAssetId);
      if (!rootMembers.some((member) => active(member, firing.t, cascadeMs, quietMs))) continue;
      const rootFirst = Math.min(...rootMembers.map((member) => Date.parse(member.firstAt)));
      if (firing.t < rootFirst - cascadeMs) continue;
      if (!target || path.distance < target.distance || (path.distance === target.distance && rootFirst > target.rootFirst)) {
        target = { incident, distance: path.distance, rootFirst, via: path.via };
      }
    }
  }

  // b) Cascades whose root depends on this asset: this asset is their root.
  const rootCandidates = STANDALONE.has(firing.category)
    ? []
    : open.filter(
        (incident) =>
          incident !== target?.incident &&
          incident.rootAssetId !== null &&
          incident.rootAssetId !== assetId &&
          topology.upstreamOf(incident.rootAssetId).has(assetId) &&
          Math.abs(firing.t - Date.parse(incident.openedAt)) <= cascadeMs &&
          incident.members.every((member) => SYMPTOMS.has(member.category)),
      );

  const assetName = topology.nameOf(assetId, alert.assetRef);
  if (target) {
    const rootName = topology.nameOf(target.incident.rootAssetId, target.incident.rootAssetRef);
    const via = target.distance > 1 ? ` (through ${topology.nameOf(target.via, target.via)})` : '';
    const reason = `${assetName} depends on ${rootName}${via}, which fired ${describeGap(firing.t, target.rootFirst)}`;
    work.replace(withAlert(target.incident, alert, firing));
    for (const other of rootCandidates)
      work.merge(
        other.id,
        target.incident.id,
        iso(firing.t),
        `its root ${topology.nameOf(other.rootAssetId, other.rootAssetRef)} depends on ${rootName}`,
      );
    return { kind: 'join', incidentId: target.incident.id, reason };
  }
  if (!rootCandidates.length) return undefined;
  const [survivor, ...others] = [...rootCandidates].sort(
    (a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt) || (a.id < b.id ? -1 : 1),
  ) as [ScopeIncident, ...ScopeIncident[]];
  const formerRoot = topology.nameOf(survivor.rootAssetId, survivor.rootAssetRef);
  const reason = `${formerRoot}, which fired ${describeGap(firing.t, Date.parse(survivor.openedAt))}, depends on ${assetName}: ${assetName} is the root`;
  const rerooted: ScopeIncident = {
    ...withAlert(survivor, alert, firing),
    rootAssetId: assetId,
    rootAssetRef: alert.assetRef,
    rootCategory: firing.category,
    title: `${alert.signature} on ${assetName}`,
  };
  work.replace(rerooted, {
    type: 'root-changed',
    at: iso(firing.t),
    reason: `root moved from ${formerRoot} to ${assetName}: ${formerRoot} depends on it`,
    alertId: alert.id,
  });
  for (const other of others)
    work.merge(
      other.id,
      survivor.id,
      iso(firing.t),
      `its root ${topology.nameOf(other.rootAssetId, other.rootAssetRef)} also depends on ${assetName}`,
    );
  return { kind: 'join', incidentId: survivor.id, reason };
}

/** "HighCPU on db-prod-01"; a host-less alert is not "on" anything: "Watchdog", "TargetDown (node)". */
function titleOf(alert: CanonicalAlert, assetName: string): string {
  if (!alert.hostless) return `${alert.signature} on ${assetName}`;
  return alert.assetRef === 'unknown' ? alert.signature : `${alert.signature} (${alert.assetRef})`;
}

/** The incident with a notification's time noted and nothing else changed (a resolution that changes nothing). */
function touched(incident: ScopeIncident, t: number): ScopeIncident {
  return { ...incident, lastEventAt: latest(incident.lastEventAt, iso(t)) };
}

/** A firing notification of an alert the incident has, that changes nothing but counts as an occurrence. */
function repeated(incident: ScopeIncident, t: number): ScopeIncident {
  return { ...touched(incident, t), occurrences: occurrencesOf(incident) + 1 };
}

/** Incidents stored before occurrences were counted apart counted every notification as an alert. */
function occurrencesOf(incident: Pick<ScopeIncident, 'occurrences' | 'alertCount'>): number {
  return incident.occurrences ?? incident.alertCount;
}

/** The incident with the alert added (its fingerprint firing, counters, severity, sources). */
function withAlert(incident: ScopeIncident, alert: CanonicalAlert, firing: Firing, existing?: Member): ScopeIncident {
  const at = iso(firing.t);
  const member: Member = existing
    ? {
        ...existing,
        state: 'firing',
        lastAt: latest(existing.lastAt, at),
        ...(existing.state === 'firing' ? {} : { firstAt: at, episodeStart: alert.occurredAt }),
      }
    : {
        key: firing.key,
        assetId: alert.assetId,
        assetRef: alert.assetRef,
        category: firing.category,
        signature: alert.signature,
        source: alert.source,
        state: 'firing',
        firstAt: at,
        lastAt: at,
        episodeStart: alert.occurredAt,
      };
  delete member.resolvedAt;
  const members = existing
    ? incident.members.map((candidate) => (candidate.key === member.key ? member : candidate))
    : [...incident.members, member];
  const updated: ScopeIncident = {
    ...incident,
    severity: worstSeverity(incident.severity, alert.severity),
    alertCount: incident.alertCount + (existing ? 0 : 1),
    occurrences: occurrencesOf(incident) + 1,
    lastEventAt: latest(incident.lastEventAt, at),
    sources: addOnce(incident.sources, alert.source),
    signatures:
      incident.signatures.length >= 20
        ? addOnce(incident.signatures, alert.signature).slice(-20)
        : addOnce(incident.signatures, alert.signature),
    members: capMembers(members),
  };
  // A firing alert cancels a pending resolution.
  delete updated.resolvesAt;
  return updated;
}

function capMembers(members: Member[]): Member[] {
  if (members.length <= MAX_MEMBERS) return members;
  const removable = members
    .filter((member) => member.state !== 'firing')
    .sort((a, b) => Date.parse(a.lastAt) - Date.parse(b.lastAt))
    .slice(0, members.length - MAX_MEMBERS);
  const drop = new Set(removable.map((member) => member.key));
  return members.filter((member) => !drop.has(member.key));
}

// --- Working state -----------------------------------------------------------------------------------------

/** The scope state being changed by one decision, with the changes it records. */
class Work {
  incidents: ScopeIncident[];
  early: EarlyResolution[];
  private readonly changes = new Map<string, IncidentChange>();
  private readonly created = new Set<string>();

  constructor(
    private readonly state: ScopeState,
    readonly policy: CorrelationPolicy,
  ) {
    this.incidents = [...state.incidents];
    this.early = [...(state.earlyResolutions ?? [])];
  }

  /** The most recently seen fingerprint `key` in any incident (newest incident first) passing `test`. */
  latestWith(key: string, test: (member: Member) => boolean): { incident: ScopeIncident; member: Member } | undefined {
    let found: { incident: ScopeIncident; member: Member } | undefined;
    for (const incident of this.incidents) {
      const member = incident.members.find((candidate) => candidate.key === key);
      if (!member || !test(member)) continue;
      if (!found || Date.parse(member.lastAt) > Date.parse(found.member.lastAt)) found = { incident, member };
    }
    return found;
  }

  add(incident: ScopeIncident, entry: TimelineDraft): void {
    this.incidents.push(incident);
    this.created.add(incident.id);
    this.record(incident, entry);
  }

  replace(incident: ScopeIncident, entry?: TimelineDraft): void {
    this.incidents = this.incidents.map((candidate) => (candidate.id === incident.id ? incident : candidate));
    this.record(incident, entry);
  }

  /** A fingerprint's episode ended without a resolution; its incident resolves if nothing else fires. */
  endMember(id: string, key: string, t: number, reason: string): void {
    const incident = this.incidents.find((candidate) => candidate.id === id) as ScopeIncident;
    const members = incident.members.map((member) => (member.key === key ? { ...member, state: 'ended' as const } : member));
    const ended = members.find((member) => member.key === key) as Member;
    const entries: TimelineDraft[] = [{ type: 'alert-ended', at: iso(t), reason: `${ended.signature}: ${reason}` }];
    let updated: ScopeIncident = { ...incident, members };
    if (incident.status === 'open' && !members.some((member) => member.state === 'firing')) {
      const at = latest(ended.lastAt, incident.lastEventAt);
      updated = { ...updated, status: 'resolved', resolvedAt: at };
      delete updated.resolvesAt;
      entries.push({ type: 'incident-resolved', at: iso(t), reason: 'none of its alerts has fired for longer than the quiet period' });
    }
    this.replace(updated);
    const change = this.changes.get(id) as IncidentChange;
    change.timeline.push(...entries);
  }

  /** Moves every fingerprint of incident `from` into `into` and retires `from`. */
  merge(from: string, into: string, at: string, reason: string): void {
    const source = this.incidents.find((candidate) => candidate.id === from) as ScopeIncident;
    const target = this.incidents.find((candidate) => candidate.id === into) as ScopeIncident;
    const keys = new Set(target.members.map((member) => member.key));
    const merged: ScopeIncident = {
      ...target,
      severity: worstSeverity(target.severity, source.severity),
      alertCount: target.alertCount + source.alertCount - source.members.filter((member) => keys.has(member.key)).length,
      occurrences: occurrencesOf(target) + occurrencesOf(source),
      openedAt: Date.parse(source.openedAt) < Date.parse(target.openedAt) ? source.openedAt : target.openedAt,
      lastEventAt: latest(target.lastEventAt, source.lastEventAt),
      sources: source.sources.reduce(addOnce, target.sources),
      signatures: source.signatures.reduce(addOnce, target.signatures).slice(-20),
      members: capMembers([...target.members, ...source.members.filter((member) => !keys.has(member.key))]),
      absorbed: [...(target.absorbed ?? []), from, ...(source.absorbed ?? [])].slice(0, MAX_ABSORBED),
    };
    this.incidents = this.incidents.filter((candidate) => candidate.id !== from);
    this.replace(merged, { type: 'incident-merged', at, reason: `absorbed ${from}: ${reason}`, incidentId: from });
    const change = this.changes.get(from);
    const entry: TimelineDraft = { type: 'incident-merged', at, reason: `merged into ${into}: ${reason}`, incidentId: into };
    if (change) {
      change.mergedInto = into;
      change.timeline.push(entry);
    } else {
      this.changes.set(from, { incident: source, isNew: this.created.has(from), mergedInto: into, timeline: [entry] });
    }
  }

  settleDue(nowMs: number): void {
    for (const incident of this.incidents) {
      if (incident.status !== 'open' || !incident.resolvesAt || Date.parse(incident.resolvesAt) > nowMs) continue;
      const resolved: ScopeIncident = { ...incident, status: 'resolved', resolvedAt: incident.resolvesAt };
      delete resolved.resolvesAt;
      this.replace(resolved, {
        type: 'incident-resolved',
        at: incident.resolvesAt,
        reason: `all its alerts resolved and none fired again within the ${formatDuration(this.policy.graceSeconds * 1000)} grace period`,
      });
    }
  }

  changeList(): IncidentChange[] {
    return [...this.changes.values()];
  }

  /** The next state: resolved incidents past every window are forgotten; the list is capped. */
  result(nowMs: number): ScopeState {
    const policy = this.policy;
    const keepMs =
      Math.max(policy.flapWindowSeconds, policy.burstWindowSeconds, policy.cascadeWindowSeconds, policy.maxLatenessSeconds) * 1000;
    let incidents = this.incidents.filter(
      (incident) => incident.status === 'open' || nowMs - Date.parse(incident.resolvedAt ?? incident.lastEventAt) <= keepMs,
    );
    if (incidents.length > MAX_INCIDENTS) {
      const byAge = [...incidents].sort((a, b) =>
        a.status === b.status ? Date.parse(a.lastEventAt) - Date.parse(b.lastEventAt) : a.status === 'resolved' ? -1 : 1,
      );
      const drop = new Set(byAge.slice(0, incidents.length - MAX_INCIDENTS).map((incident) => incident.id));
      incidents = incidents.filter((incident) => !drop.has(incident.id));
    }
    const lateMs = policy.maxLatenessSeconds * 1000;
    const early = this.early.filter((entry) => nowMs - Date.parse(entry.at) <= lateMs).slice(-MAX_EARLY_RESOLUTIONS);
    return { version: this.state.version + 1, incidents, ...(early.length ? { earlyResolutions: early } : {}) };
  }

  private record(incident: ScopeIncident, entry?: TimelineDraft): void {
    const change = this.changes.get(incident.id);
    if (change) {
      change.incident = incident;
      if (entry) change.timeline.push(entry);
    } else {
      this.changes.set(incident.id, { incident, isNew: this.created.has(incident.id), timeline: entry ? [entry] : [] });
    }
  }
}

// --- Small helpers -----------------------------------------------------------------------------------------

function addOnce(values: string[], value: string): string[] {
  return values.includes(value) ? values : [...values, value];
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function latest(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** "40 s", "3 min", "2 h 5 min". */
export function formatDuration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** When `other` happened, seen from `t`: "40 s earlier", "15 s later", "at the same moment". */
function describeGap(t: number, other: number): string {
  const gap = t - other;
  if (Math.abs(gap) < 1000) return 'at the same moment';
  return gap > 0 ? `${formatDuration(gap)} earlier` : `${formatDuration(gap)} later`;
}
