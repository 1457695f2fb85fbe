import { bcubed, bcubedByGroup, score, seedRuleGroups, type ScoredItem } from '../../scripts/bench/scoring';

const item = (truth: string | null, predicted: string | null, tenant = 't1', group?: string): ScoredItem => ({
  tenant,
  truth,
  predicted,
  ...(group ? { group } : {}),
});

describe('B-cubed', () => {
  test('a perfect clustering scores 1', () => {
    const items = [item('A', 'x'), item('A', 'x'), item('B', 'y')];
    expect(bcubed(items)).toEqual({ precision: 1, recall: 1, f1: 1 });
  });

  test('one cluster for everything: recall 1, precision by hand', () => {
    // Truth A = {1,2}, B = {3}; predicted one cluster {1,2,3}.
    // Precision: items 1,2 -> 2/3 each, item 3 -> 1/3: (2/3 + 2/3 + 1/3) / 3 = 5/9.
    const { precision, recall, f1 } = bcubed([item('A', 'x'), item('A', 'x'), item('B', 'x')]);
    expect(precision).toBeCloseTo(5 / 9, 10);
    expect(recall).toBe(1);
    expect(f1).toBeCloseTo((2 * (5 / 9)) / (5 / 9 + 1), 10);
  });

  test('every item alone: precision 1, recall by hand', () => {
    // Truth A = {1,2,3}, B = {4}: recall of 1..3 is 1/3 each, of 4 is 1: (1/3 * 3 + 1) / 4 = 1/2.
    const { precision, recall } = bcubed([item('A', 'p1'), item('A', 'p2'), item('A', 'p3'), item('B', 'p4')]);
    expect(precision).toBe(1);
    expect(recall).toBeCloseTo(0.5, 10);
  });

  test('the textbook mixed case', () => {
    // Truth A = {1,2,3}, B = {4,5}; predicted x = {1,2}, y = {3,4,5}.
    // Precision: 1,2 -> 1; 3 -> 1/3; 4,5 -> 2/3: (1 + 1 + 1/3 + 2/3 + 2/3) / 5 = 11/15.
    // Recall: 1,2 -> 2/3; 3 -> 1/3; 4,5 -> 1: (2/3 + 2/3 + 1/3 + 1 + 1) / 5 = 11/15.
    const { precision, recall } = bcubed([item('A', 'x'), item('A', 'x'), item('A', 'y'), item('B', 'y'), item('B', 'y')]);
    expect(precision).toBeCloseTo(11 / 15, 10);
    expect(recall).toBeCloseTo(11 / 15, 10);
  });

  test('an item in no predicted incident is a cluster of its own (and lost when it had a true incident)', () => {
    // Truth A = {1,2}; predicted x = {1}, item 2 in none: precision 1, recall (1/2 + 1/2) / 2 = 1/2.
    const items = [item('A', 'x'), item('A', null)];
    expect(bcubed(items)).toMatchObject({ precision: 1, recall: 0.5 });
    expect(score(items).lostAlerts).toBe(1);
  });

  test('items that should join nothing are singletons on the truth side, and not lost when they join nothing', () => {
    const items = [item(null, null), item(null, null), item('A', 'x')];
    expect(bcubed(items)).toMatchObject({ precision: 1, recall: 1 });
    expect(score(items)).toMatchObject({ lostAlerts: 0, trueIncidents: 1, predictedIncidents: 1 });
  });

  test('per group: averaged over the group items with clusters over all items', () => {
    const groups = bcubedByGroup([item('A', 'x', 't1', 'g1'), item('A', 'x', 't1', 'g1'), item('B', 'x', 't1', 'g2')]);
    expect(groups.get('g1')).toEqual({ items: 2, precision: 2 / 3, recall: 1 });
    expect(groups.get('g2')).toEqual({ items: 1, precision: 1 / 3, recall: 1 });
  });
});

describe('score', () => {
  test('noise reduction, false merges, splits and cross-tenant merges by hand', () => {
    const items = [
      // x merges true incidents A and B (one pair), across two tenants.
      item('A', 'x', 't1'),
      item('A', 'x', 't1'),
      item('B', 'x', 't2'),
      // C is split over y and z.
      item('C', 'y', 't1'),
      item('C', 'z', 't1'),
      // D, E, F all in w: three pairs.
      item('D', 'w', 't1'),
      item('E', 'w', 't1'),
      item('F', 'w', 't1'),
    ];
    const scores = score(items);
    expect(scores).toMatchObject({
      items: 8,
      trueIncidents: 6,
      predictedIncidents: 4,
      falseMerges: 1 + 3,
      mergedIncidents: 2,
      splits: 1,
      crossTenantMerges: 1,
      lostAlerts: 0,
    });
    expect(scores.noiseReduction).toBeCloseTo(1 - 4 / 8, 10);
    expect(scores.idealNoiseReduction).toBeCloseTo(1 - 6 / 8, 10);
  });
});

describe('the seed rule (same asset and signature within 15 minutes)', () => {
  const minute = 60_000;
  test('joins within the window, starts anew after a longer gap, keeps tenants, assets and signatures apart', () => {
    const groups = seedRuleGroups([
      { tenant: 't1', assetRef: 'db', signature: 'HighCPU', at: 0 },
      { tenant: 't1', assetRef: 'db', signature: 'HighCPU', at: 10 * minute },
      { tenant: 't1', assetRef: 'db', signature: 'HighCPU', at: 24 * minute }, // 14 min after the last: joins
      { tenant: 't1', assetRef: 'db', signature: 'HighCPU', at: 40 * minute }, // 16 min: new group
      { tenant: 't2', assetRef: 'db', signature: 'HighCPU', at: 40 * minute },
      { tenant: 't1', assetRef: 'db.acme.internal', signature: 'HighCPU', at: 40 * minute },
      { tenant: 't1', assetRef: 'db', signature: 'DiskSpaceLow', at: 40 * minute },
    ]);
    expect(groups[1]).toBe(groups[0]);
    expect(groups[2]).toBe(groups[0]);
    expect(groups[3]).not.toBe(groups[0]);
    expect(new Set(groups.slice(3)).size).toBe(4);
  });
});
