// Automatic assignment: skill match, then on call, then least loaded; never over the
// workload cap, never a technician of another company; every choice explained.
import { pickAssignee, routingConfigSchema, skillsFor, technicianSchema, type Technician } from '../../lib/domain/oncall/routing';

const tech = (userId: string, skills: string[], change: Partial<Technician> = {}): Technician =>
  technicianSchema.parse({ userId, name: userId.toUpperCase(), skills, tenantIds: ['acme'], ...change });

const incident = (categories: string[], change: { sources?: string[]; tenantId?: string } = {}) => ({
  tenantId: change.tenantId ?? 'acme',
  categories,
  severity: 'high' as const,
  sources: change.sources ?? ['generic'],
});

describe('skillsFor', () => {
  test.each([
    [['network'], ['Network']],
    [['database'], ['Database']],
    [['security'], ['Security']],
    [['cpu'], ['Server']],
    [['memory', 'disk', 'service'], ['Server']],
    [
      ['disk', 'database'],
      ['Server', 'Database'],
    ],
    [['other'], []],
  ])('%p wants %p', (categories, skills) => {
    expect(skillsFor(incident(categories))).toEqual(skills);
  });

  test('a cloud tool adds Cloud', () => {
    expect(skillsFor(incident(['cpu'], { sources: ['cloudwatch'] }))).toEqual(['Server', 'Cloud']);
    expect(skillsFor(incident(['cpu'], { sources: ['azure', 'zabbix'] }))).toEqual(['Server', 'Cloud']);
  });

  test('the map is configurable', () => {
    const config = routingConfigSchema.parse({ categorySkills: { disk: 'Storage' }, cloudSources: [] });
    expect(skillsFor(incident(['disk'], { sources: ['cloudwatch'] }), config)).toEqual(['Storage']);
  });
});

describe('pickAssignee', () => {
  test('a skill match beats being on call and a lighter load', () => {
    const technicians = [tech('net', ['Network']), tech('srv', ['Server'])];
    const result = pickAssignee(incident(['network']), technicians, ['srv'], { net: 3, srv: 0 });
    expect(result.assignee).toEqual({ userId: 'net', name: 'NET' });
    expect(result.reasons[0]).toBe('skill match: Network (wanted Network)');
    expect(result.reasons).toContain('not on call, but nobody better suited is');
  });

  test('skill matching ignores case', () => {
    const result = pickAssignee(incident(['database']), [tech('a', ['server']), tech('b', ['DATABASE'])], [], {});
    expect(result.assignee?.userId).toBe('b');
  });

  test('among skilled technicians, the one on call wins', () => {
    const technicians = [tech('a', ['Server']), tech('b', ['Server'])];
    const result = pickAssignee(incident(['disk']), technicians, new Set(['b']), { a: 0, b: 2 });
    expect(result.assignee?.userId).toBe('b');
    expect(result.reasons).toContain('on call now');
  });

  test('then more matching skills, then the fewest open incidents', () => {
    const technicians = [tech('one', ['Server']), tech('two', ['Server', 'Database']), tech('idle', ['Server'])];
    expect(pickAssignee(incident(['disk', 'database']), technicians, [], { one: 0, two: 3, idle: 0 }).assignee?.userId).toBe('two');
    const result = pickAssignee(
      incident(['disk']),
      technicians,
      [],
      new Map([
        ['one', 2],
        ['two', 1],
        ['idle', 0],
      ]),
    );
    expect(result.assignee?.userId).toBe('idle');
    expect(result.reasons).toContain('0 open of 5 allowed');
    expect(result.candidates.map((candidate) => candidate.userId)).toEqual(['idle', 'two', 'one']);
  });

  test('equal candidates are ordered by id (deterministic)', () => {
    const technicians = [tech('b', ['Server']), tech('a', ['Server'])];
    expect(pickAssignee(incident(['cpu']), technicians, [], {}).assignee?.userId).toBe('a');
  });

  test('never over the workload cap, even for the best match', () => {
    const technicians = [tech('expert', ['Network'], { maxOpenIncidents: 2 }), tech('other', [])];
    const result = pickAssignee(incident(['network']), technicians, ['expert'], { expert: 2, other: 4 });
    expect(result.assignee?.userId).toBe('other');
    expect(result.reasons[0]).toBe('no available technician has Network');
    expect(result.candidates.find((candidate) => candidate.userId === 'expert')?.note).toBe('at the workload cap (2/2 open)');
  });

  test('only technicians of the company, and only active ones', () => {
    const technicians = [
      tech('elsewhere', ['Network'], { tenantIds: ['globex'] }),
      tech('away', ['Network'], { active: false }),
      tech('here', []),
    ];
    const result = pickAssignee(incident(['network']), technicians, [], {});
    expect(result.assignee?.userId).toBe('here');
    const notes = Object.fromEntries(result.candidates.map((candidate) => [candidate.userId, candidate.note]));
    expect(notes.elsewhere).toBe('does not work for this company');
    expect(notes.away).toBe('inactive');
  });

  test('nobody fits: a null assignee with the reasons', () => {
    const technicians = [tech('full', ['Server'], { maxOpenIncidents: 1 }), tech('elsewhere', ['Server'], { tenantIds: ['globex'] })];
    const result = pickAssignee(incident(['cpu']), technicians, [], { full: 1 });
    expect(result.assignee).toBeNull();
    expect(result.reasons[0]).toBe('nobody fits a high incident of acme');
    expect(result.reasons[1]).toContain('FULL: at the workload cap (1/1 open)');
    expect(result.reasons[1]).toContain('ELSEWHERE: does not work for this company');
  });

  test('no technicians at all', () => {
    const result = pickAssignee(incident(['cpu']), [], [], {});
    expect(result.assignee).toBeNull();
    expect(result.reasons).toEqual(['nobody fits a high incident of acme', 'no technicians']);
  });

  test('an incident without a known skill goes to the on-call, least loaded technician', () => {
    const technicians = [tech('a', ['Network']), tech('b', ['Database'])];
    const result = pickAssignee(incident(['other']), technicians, ['b'], { a: 0, b: 4 });
    expect(result.assignee?.userId).toBe('b');
    expect(result.reasons[0]).toBe('the incident needs no particular skill');
    expect(result.reasons.at(-1)).toBe('ahead of A (no matching skill, not on call, 0 open)');
  });

  test('technician defaults: cap 5, active, no tenants', () => {
    expect(technicianSchema.parse({ userId: 'u', name: 'U' })).toEqual({
      userId: 'u',
      name: 'U',
      skills: [],
      maxOpenIncidents: 5,
      tenantIds: [],
      active: true,
    });
    expect(technicianSchema.safeParse({ userId: 'u', name: 'U', maxOpenIncidents: 0 }).success).toBe(false);
  });
});
