// The incident priority score: severity base + critical asset + repeats + several tools +
// blast radius - age decay, bounded to 0-100, each part shown.
import { priorityOf, type PriorityInput } from '../../lib/domain/incident';
import { SEVERITIES } from '../../lib/domain/alert';

const NOW = new Date('2026-03-02T12:00:00.000Z');
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000).toISOString();

const base: PriorityInput = {
  severity: 'medium',
  occurrences: 1,
  sources: ['generic'],
  lastEventAt: NOW.toISOString(),
  status: 'open',
  critical: false,
  dependents: 0,
};
const parts = (change: Partial<PriorityInput>) => priorityOf({ ...base, ...change }, NOW).parts;

describe('priorityOf', () => {
  test('the score is the sum of its parts', () => {
    const priority = priorityOf(
      { ...base, severity: 'high', occurrences: 8, sources: ['a', 'b'], dependents: 2, lastEventAt: hoursAgo(2) },
      NOW,
    );
    expect(priority.parts).toEqual({ severity: 38, criticalAsset: 0, repeat: 6, multiTool: 5, blastRadius: 6, ageDecay: -4 });
    expect(priority.score).toBe(38 + 6 + 5 + 6 - 4);
  });

  test('severity base: 5 to 50, worse is higher', () => {
    const bases = SEVERITIES.map((severity) => parts({ severity }).severity);
    expect(bases).toEqual([50, 38, 25, 12, 5]);
  });

  test('critical asset: 15 or nothing', () => {
    expect(parts({ critical: true }).criticalAsset).toBe(15);
    expect(parts({ critical: false }).criticalAsset).toBe(0);
  });

  test.each([
    [0, 0],
    [1, 0],
    [2, 2],
    [4, 4],
    [8, 6],
    [32, 10],
    [10_000, 10],
  ])('repeat: %p alerts give %p (logarithmic, at most 10)', (occurrences, repeat) => {
    expect(parts({ occurrences }).repeat).toBe(repeat);
  });

  test.each([
    [[], 0],
    [['generic'], 0],
    [['generic', 'cloudwatch'], 5],
    [['generic', 'cloudwatch', 'datadog'], 10],
    [['generic', 'cloudwatch', 'datadog', 'zabbix', 'azure'], 10],
  ])('multi-tool: %p give %p', (sources, multiTool) => {
    expect(parts({ sources }).multiTool).toBe(multiTool);
  });

  test.each([
    [0, 0],
    [1, 3],
    [4, 12],
    [5, 15],
    [50, 15],
  ])('blast radius: %p dependents give %p', (dependents, blastRadius) => {
    expect(parts({ dependents }).blastRadius).toBe(blastRadius);
  });

  test.each([
    [0, 0],
    [0.4, 0],
    [0.5, -1],
    [1, -2],
    [3.9, -7],
    [10, -20],
    [72, -20],
  ])('age decay: quiet for %p h gives %p', (hours, ageDecay) => {
    expect(parts({ lastEventAt: hoursAgo(hours) }).ageDecay + 0).toBe(ageDecay);
  });

  test('no age decay once resolved, nor for an event time ahead of now', () => {
    expect(parts({ lastEventAt: hoursAgo(30), status: 'resolved' }).ageDecay + 0).toBe(0);
    expect(parts({ lastEventAt: hoursAgo(-2) }).ageDecay + 0).toBe(0);
  });

  test('the highest possible score is 100', () => {
    const top = priorityOf(
      { ...base, severity: 'critical', critical: true, occurrences: 1000, sources: ['a', 'b', 'c'], dependents: 10 },
      NOW,
    );
    expect({ ...top.parts, ageDecay: top.parts.ageDecay + 0 }).toEqual({
      severity: 50,
      criticalAsset: 15,
      repeat: 10,
      multiTool: 10,
      blastRadius: 15,
      ageDecay: 0,
    });
    expect(top.score).toBe(100);
  });

  test('the score never goes below 0', () => {
    const bottom = priorityOf({ ...base, severity: 'info', lastEventAt: hoursAgo(48) }, NOW);
    expect(bottom.parts.severity + bottom.parts.ageDecay).toBe(-15);
    expect(bottom.score).toBe(0);
  });

  test('every combination stays within 0-100 and each part within its range', () => {
    for (const severity of SEVERITIES)
      for (const critical of [false, true])
        for (const occurrences of [0, 1, 3, 100, 1e6])
          for (const sources of [[], ['a'], ['a', 'b', 'c', 'd']])
            for (const dependents of [0, 2, 100])
              for (const hours of [0, 1, 5, 100])
                for (const status of ['open', 'resolved']) {
                  const { score, parts: p } = priorityOf(
                    { severity, critical, occurrences, sources, dependents, lastEventAt: hoursAgo(hours), status },
                    NOW,
                  );
                  expect(score).toBeGreaterThanOrEqual(0);
                  expect(score).toBeLessThanOrEqual(100);
                  expect(Number.isInteger(score)).toBe(true);
                  expect(p.severity >= 5 && p.severity <= 50).toBe(true);
                  expect([0, 15]).toContain(p.criticalAsset);
                  expect(p.repeat >= 0 && p.repeat <= 10).toBe(true);
                  expect(p.multiTool >= 0 && p.multiTool <= 10).toBe(true);
                  expect(p.blastRadius >= 0 && p.blastRadius <= 15).toBe(true);
                  expect(p.ageDecay >= -20 && p.ageDecay <= 0).toBe(true);
                }
  });
});
