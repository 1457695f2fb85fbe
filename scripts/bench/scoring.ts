/**
 * Scoring of a correlation against a labelled truth (pure). The items are alerts: one per alert of each
 * delivery line (a retried line counts again: it is what the operator would otherwise see again).
 *
 * - `truth`: the item's true incident, or null when it should join no incident (a resolution whose
 *   firing alert was never sent). `predicted`: the incident it joined, or null (none).
 * - B-cubed (Bagga and Baldwin 1998, per item then averaged over all items): precision of an item is
 *   the share of its predicted cluster that has its true label, recall the share of its true cluster
 *   that is in its predicted cluster. An item with no predicted incident (or no true incident) is a
 *   cluster of its own on that side.
 * - Noise reduction: 1 - predicted incidents / items; ideal: 1 - true incidents / items.
 * - False merges: for each predicted incident holding k distinct true incidents, k(k-1)/2 pairs of
 *   true incidents wrongly merged; `mergedIncidents` counts the predicted incidents with k >= 2.
 * - Splits: for each true incident spread over m predicted incidents, m - 1.
 * - Cross-tenant merges: predicted incidents holding items of more than one tenant.
 * - Lost alerts: items with a true incident but no predicted incident.
 */
export interface ScoredItem {
  tenant: string;
  truth: string | null;
  predicted: string | null;
  /** For per-group breakdowns (the scenario). */
  group?: string;
}

export interface Scores {
  items: number;
  trueIncidents: number;
  predictedIncidents: number;
  noiseReduction: number;
  idealNoiseReduction: number;
  precision: number;
  recall: number;
  f1: number;
  falseMerges: number;
  mergedIncidents: number;
  splits: number;
  crossTenantMerges: number;
  lostAlerts: number;
}

export function f1Of(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** Per-item B-cubed precision and recall (singletons for null labels on either side). */
export function bcubedPerItem(items: readonly ScoredItem[]): Array<{ precision: number; recall: number }> {
  const predictedKey = (item: ScoredItem, index: number) => (item.predicted === null ? `\u0000p${index}` : `p:${item.predicted}`);
  const truthKey = (item: ScoredItem, index: number) => (item.truth === null ? `\u0000t${index}` : `t:${item.truth}`);
  const predictedSize = new Map<string, number>();
  const truthSize = new Map<string, number>();
  const overlap = new Map<string, number>();
  items.forEach((item, index) => {
    const p = predictedKey(item, index);
    const t = truthKey(item, index);
    predictedSize.set(p, (predictedSize.get(p) ?? 0) + 1);
    truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
    overlap.set(`${p}\u0001${t}`, (overlap.get(`${p}\u0001${t}`) ?? 0) + 1);
  });
  return items.map((item, index) => {
    const p = predictedKey(item, index);
    const t = truthKey(item, index);
    const both = overlap.get(`${p}\u0001${t}`) as number;
    return { precision: both / (predictedSize.get(p) as number), recall: both / (truthSize.get(t) as number) };
  });
}

export function bcubed(items: readonly ScoredItem[]): { precision: number; recall: number; f1: number } {
  if (!items.length) return { precision: 1, recall: 1, f1: 1 };
  const perItem = bcubedPerItem(items);
  const precision = perItem.reduce((sum, item) => sum + item.precision, 0) / items.length;
  const recall = perItem.reduce((sum, item) => sum + item.recall, 0) / items.length;
  return { precision, recall, f1: f1Of(precision, recall) };
}

export function score(items: readonly ScoredItem[]): Scores {
  const truthLabels = new Set<string>();
  const byPredicted = new Map<string, { truths: Set<string>; tenants: Set<string> }>();
  const byTruth = new Map<string, Set<string | null>>();
  let lostAlerts = 0;
  for (const item of items) {
    if (item.truth !== null) {
      truthLabels.add(item.truth);
      let predictedOfTruth = byTruth.get(item.truth);
      if (!predictedOfTruth) byTruth.set(item.truth, (predictedOfTruth = new Set()));
      predictedOfTruth.add(item.predicted);
      if (item.predicted === null) lostAlerts++;
    }
    if (item.predicted !== null) {
      let cluster = byPredicted.get(item.predicted);
      if (!cluster) byPredicted.set(item.predicted, (cluster = { truths: new Set(), tenants: new Set() }));
      if (item.truth !== null) cluster.truths.add(item.truth);
      cluster.tenants.add(item.tenant);
    }
  }
  let falseMerges = 0;
  let mergedIncidents = 0;
  let crossTenantMerges = 0;
  for (const cluster of byPredicted.values()) {
    const k = cluster.truths.size;
    falseMerges += (k * (k - 1)) / 2;
    if (k >= 2) mergedIncidents++;
    if (cluster.tenants.size > 1) crossTenantMerges++;
  }
  let splits = 0;
  for (const predicted of byTruth.values()) {
    // A lost item (predicted null) is not a split: it is counted as lost.
    const real = [...predicted].filter((value) => value !== null).length;
    splits += Math.max(0, real - 1);
  }
  const n = items.length;
  const { precision, recall, f1 } = bcubed(items);
  return {
    items: n,
    trueIncidents: truthLabels.size,
    predictedIncidents: byPredicted.size,
    noiseReduction: n ? 1 - byPredicted.size / n : 0,
    idealNoiseReduction: n ? 1 - truthLabels.size / n : 0,
    precision,
    recall,
    f1,
    falseMerges,
    mergedIncidents,
    splits,
    crossTenantMerges,
    lostAlerts,
  };
}

/** B-cubed averaged over the items of each group (clusters still computed over all items). */
export function bcubedByGroup(items: readonly ScoredItem[]): Map<string, { items: number; precision: number; recall: number }> {
  const perItem = bcubedPerItem(items);
  const groups = new Map<string, { items: number; precision: number; recall: number }>();
  items.forEach((item, index) => {
    const key = item.group ?? '(none)';
    const entry = groups.get(key) ?? { items: 0, precision: 0, recall: 0 };
    entry.items++;
    entry.precision += perItem[index]!.precision;
    entry.recall += perItem[index]!.recall;
    groups.set(key, entry);
  });
  for (const entry of groups.values()) {
    entry.precision /= entry.items;
    entry.recall /= entry.items;
  }
  return groups;
}

export interface BaselineAlert {
  tenant: string;
  assetRef: string;
  signature: string;
  /** Event time, ms. */
  at: number;
}

/**
 * The seed documents' rule: "same asset and signature within 15 minutes". Alerts in delivery order are
 * grouped by tenant + asset reference (as the tool names it) + signature; a new group starts when the
 * gap since the group's last alert exceeds the window. Returns a group id per alert.
 */
export function seedRuleGroups(alerts: readonly BaselineAlert[], windowMs = 15 * 60 * 1000): string[] {
  const open = new Map<string, { id: string; last: number }>();
  let next = 0;
  return alerts.map((alert) => {
    const key = `${alert.tenant}\u0000${alert.assetRef}\u0000${alert.signature}`;
    const group = open.get(key);
    if (group && Math.abs(alert.at - group.last) <= windowMs) {
      group.last = Math.max(group.last, alert.at);
      return group.id;
    }
    const fresh = { id: `seed-${++next}`, last: alert.at };
    open.set(key, fresh);
    return fresh.id;
  });
}

/** Rows as aligned text columns (the first row sets the column count). */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ')).join('\n');
}
