// The runbook library: every runbook valid under the schema tenants use too, every Linux
// script valid bash and shellcheck-clean at error level (shellcheck is required: .ci/run installs it), parameter
// substitution that refuses injection and quotes exactly, and matching that picks the right runbook for
// the platform.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATEGORIES, type Category } from '../../lib/domain/correlation/categories';
import { LIBRARY_IDS, RUNBOOK_LIBRARY, libraryRunbook } from '../../lib/remediation/library';
import {
  RunbookParameterError,
  defineRunbook,
  exampleParams,
  matchRunbooks,
  quoteBash,
  quotePowerShell,
  renderCommands,
  runbookSchema,
  toScript,
  type Runbook,
  type RunbookInput,
} from '../../lib/domain/remediation/runbook';

const SECTIONS = ['preChecks', 'commands', 'verification', 'rollback'] as const;
const linux = RUNBOOK_LIBRARY.filter((runbook) => runbook.platform === 'linux');
const windows = RUNBOOK_LIBRARY.filter((runbook) => runbook.platform === 'windows');
const hasShellcheck = spawnSync('sh', ['-c', 'command -v shellcheck'], { encoding: 'utf8' }).status === 0;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbooks-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A minimal valid runbook to vary in schema tests. */
function sample(overrides: Partial<RunbookInput> = {}): RunbookInput {
  return {
    id: 'tenant-sample',
    name: 'Sample',
    description: 'A tenant runbook',
    platform: 'linux',
    risk: 'low',
    match: { categories: ['service'] },
    parameters: [{ name: 'value', type: 'string', description: 'Anything printable', pattern: '.*', example: 'x' }],
    preChecks: ['true'],
    commands: ['VALUE={{value}}', 'printf %s "$VALUE"'],
    verification: ['true'],
    rollback: ['true'],
    rollbackNote: 'Nothing to restore',
    timeoutSeconds: 60,
    maxTargets: 1,
    ...overrides,
  };
}

describe('the library', () => {
  test('has at least 20 runbooks with unique ids, both platforms and every risk level', () => {
    expect(RUNBOOK_LIBRARY.length).toBeGreaterThanOrEqual(20);
    expect(new Set(RUNBOOK_LIBRARY.map((runbook) => runbook.id)).size).toBe(RUNBOOK_LIBRARY.length);
    expect(LIBRARY_IDS.size).toBe(RUNBOOK_LIBRARY.length);
    expect(linux.length).toBeGreaterThanOrEqual(15);
    expect(windows.length).toBeGreaterThanOrEqual(10);
    for (const risk of ['low', 'medium', 'high'] as const) expect(RUNBOOK_LIBRARY.some((runbook) => runbook.risk === risk)).toBe(true);
  });

  test.each(RUNBOOK_LIBRARY.map((runbook) => [runbook.id, runbook] as const))('%s parses with the runbook schema', (_id, runbook) => {
    const parsed = runbookSchema.safeParse(runbook);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(libraryRunbook(runbook.id)).toBe(runbook);
  });

  test('every runbook has pre-checks, commands and verification, and a rollback unless it is read-only', () => {
    for (const runbook of RUNBOOK_LIBRARY) {
      expect(runbook.preChecks.length).toBeGreaterThan(0);
      expect(runbook.commands.length).toBeGreaterThan(0);
      expect(runbook.verification.length).toBeGreaterThan(0);
      expect(runbook.rollback.length === 0).toBe(runbook.readOnly);
      if (runbook.readOnly) expect(runbook.rollbackNote).toMatch(/none needed: read-only/i);
    }
  });

  test('the main remediations exist on both platforms where both are real', () => {
    const ids = [...LIBRARY_IDS];
    for (const id of ['disk-cleanup', 'service-restart', 'network-diagnostics', 'time-sync', 'kill-runaway-process']) {
      expect(ids).toEqual(expect.arrayContaining([`linux-${id}`, `windows-${id}`]));
    }
  });

  test('an unknown id is not found', () => {
    expect(libraryRunbook('no-such-runbook')).toBeUndefined();
  });
});

describe('Linux scripts', () => {
  const cases = linux.flatMap((runbook) => {
    const rendered = renderCommands(runbook, exampleParams(runbook), { executionId: 'exec-01' });
    return SECTIONS.filter((section) => rendered[section].length > 0).map(
      (section) => [`${runbook.id} ${section}`, toScript('linux', rendered[section])] as const,
    );
  });

  test.each(cases)('%s passes bash -n', (name, text) => {
    const file = join(dir, `${name.replace(/\s/g, '.')}.sh`);
    writeFileSync(file, text);
    const result = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(text).not.toContain('{{');
  });

  test('shellcheck is installed (apt-get install shellcheck; .ci/run installs it)', () => {
    expect(hasShellcheck).toBe(true);
  });
  test.each(cases)('%s passes shellcheck -S error', (name, text) => {
    if (!hasShellcheck) throw new Error('shellcheck is not installed');
    const file = join(dir, `${name.replace(/\s/g, '.')}.sc.sh`);
    writeFileSync(file, text);
    const result = spawnSync('shellcheck', ['-s', 'bash', '-S', 'error', file], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('Windows scripts', () => {
  /** Braces, brackets and parentheses balance outside strings and comments (no PowerShell parser here). */
  function balanced(text: string): boolean {
    const stack: string[] = [];
    const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    for (const line of text.split('\n')) {
      let quote: string | null = null;
      for (let index = 0; index < line.length; index++) {
        const char = line[index] as string;
        if (quote) {
          if (char === '`' && quote === '"') index++;
          else if (char === quote) quote = null;
          continue;
        }
        if (char === '#') break;
        if (char === "'" || char === '"') quote = char;
        else if ('([{'.includes(char)) stack.push(char);
        else if (char in pairs && stack.pop() !== pairs[char]) return false;
      }
      if (quote) return false;
    }
    return stack.length === 0;
  }

  test.each(windows.map((runbook) => [runbook.id, runbook] as const))(
    '%s renders balanced PowerShell with every placeholder filled',
    (_id, runbook) => {
      const rendered = renderCommands(runbook, exampleParams(runbook), { executionId: 'exec-01' });
      expect(rendered.documentName).toBe('AWS-RunPowerShellScript');
      for (const section of SECTIONS) {
        const text = toScript('windows', rendered[section]);
        expect(text).not.toContain('{{');
        expect(balanced(text)).toBe(true);
      }
    },
  );
});

describe('parameter substitution', () => {
  const restart = libraryRunbook('linux-service-restart') as Runbook;
  const windowsRestart = libraryRunbook('windows-service-restart') as Runbook;

  test.each([
    ['a command separator', 'nginx; rm -rf /'],
    ['a command substitution', '$(reboot)'],
    ['backticks', '`reboot`'],
    ['a newline', 'nginx\nreboot'],
    ['a carriage return', 'nginx\rreboot'],
    ['a pipe', 'nginx | sh'],
    ['an option', '--help'],
    ['quotes', "nginx' ; reboot '"],
    ['an empty value', ''],
  ])('refuses %s', (_what, value) => {
    expect(() => renderCommands(restart, { service: value })).toThrow(RunbookParameterError);
    expect(() => renderCommands(windowsRestart, { serviceName: value })).toThrow(RunbookParameterError);
    try {
      renderCommands(restart, { service: value });
    } catch (error) {
      expect((error as RunbookParameterError).issues).toEqual([expect.objectContaining({ name: 'service' })]);
      expect((error as RunbookParameterError).status).toBe(422);
    }
  });

  test('refuses control characters and a leading dash even when the pattern allows anything', () => {
    const loose = defineRunbook(sample());
    for (const value of ['a\nb', 'a\u0000b', 'a\u2028b', '-rf']) {
      expect(() => renderCommands(loose, { value })).toThrow(RunbookParameterError);
    }
  });

  test('single-quotes strings for bash so that the shell sees exactly the value', () => {
    const loose = defineRunbook(sample());
    const value = `it's $(rm -rf /) \`id\` ; "q" \\ $HOME *`;
    const rendered = renderCommands(loose, { value });
    expect(rendered.commands[0]).toBe(`VALUE=${quoteBash(value)}`);
    expect(quoteBash("it's")).toBe(`'it'\\''s'`);
    const result = spawnSync('bash', ['-c', rendered.commands.join('\n')], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(value);
  });

  test('quotes strings for PowerShell as verbatim strings, typographic quotes included', () => {
    expect(quotePowerShell("it's $env:PATH `n")).toBe("'it''s $env:PATH `n'");
    expect(quotePowerShell('a\u2019b')).toBe("'a\u2019\u2019b'");
    const rendered = renderCommands(windowsRestart, { serviceName: 'MSSQL$SQLEXPRESS' });
    expect(rendered.commands[0]).toBe("$Name = 'MSSQL$SQLEXPRESS'");
  });

  test('writes integers bare and validates their range; enums only from their values', () => {
    const cleanup = libraryRunbook('linux-disk-cleanup') as Runbook;
    expect(renderCommands(cleanup, { logAgeDays: '30' }).commands.join('\n')).toContain('-mtime +30 ');
    expect(() => renderCommands(cleanup, { logAgeDays: '30; reboot' })).toThrow(/logAgeDays must be an integer/);
    expect(() => renderCommands(cleanup, { logAgeDays: 0 })).toThrow(/between 1 and 365/);
    const docker = libraryRunbook('linux-docker-cleanup') as Runbook;
    expect(renderCommands(docker, { allImages: 'yes' }).commands[0]).toBe("ALL_IMAGES='yes'");
    expect(() => renderCommands(docker, { allImages: 'yes; reboot' })).toThrow(/must be one of no, yes/);
  });

  test('applies defaults, requires parameters without one and refuses unknown ones', () => {
    const rendered = renderCommands(restart, { service: 'nginx.service' }, { executionId: 'run-1' });
    expect(rendered.params).toEqual({ service: 'nginx.service', settleSeconds: 10 });
    expect(rendered.preChecks).toContain("STATE_DIR=/var/tmp/alert-whisperer/'run-1'");
    expect(rendered.documentName).toBe('AWS-RunShellScript');
    expect(() => renderCommands(restart, {})).toThrow(/service is required/);
    expect(() => renderCommands(restart, { service: 'nginx', extra: 'x' })).toThrow(/extra unknown parameter/);
    expect(() => renderCommands(restart, { service: 'nginx' }, { executionId: '../etc' })).toThrow(/executionId/);
  });

  test('keeps the permission fix within its allowed prefixes', () => {
    const fix = libraryRunbook('linux-permission-fix') as Runbook;
    const base = { owner: 'www-data', group: 'www-data' };
    expect(() => renderCommands(fix, { ...base, path: '/var/www/html/uploads' })).not.toThrow();
    for (const path of ['/etc/shadow', '/var/www', '/var/www/../../etc', '/srv/a/./b', '/opt/app/x;id', '/data/a b']) {
      expect(() => renderCommands(fix, { ...base, path })).toThrow(RunbookParameterError);
    }
    expect(() => renderCommands(fix, { ...base, path: '/srv/app', fileMode: '0666' })).toThrow(/fileMode/);
    expect(() => renderCommands(fix, { ...base, path: '/srv/app', dirMode: '4755' })).toThrow(/dirMode/);
  });
});

describe('the schema', () => {
  const issues = (input: RunbookInput) => {
    const parsed = runbookSchema.safeParse(input);
    return parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
  };

  test('accepts a tenant runbook', () => {
    expect(issues(sample())).toEqual([]);
  });

  test.each<[string, Partial<RunbookInput>, RegExp]>([
    ['an id that is not a slug', { id: 'Disk Cleanup' }, /slug/],
    ['an unknown placeholder', { commands: ['echo {{other}}'] }, /Unknown placeholder \{\{other\}\}/],
    ['a placeholder inside quotes', { commands: ['echo "{{value}}"'] }, /inside quotes/],
    ['a broken placeholder', { commands: ['echo {{ value }}'] }, /not a \{\{parameter\}\} placeholder/],
    ['a read-only runbook with a rollback', { readOnly: true }, /read-only runbook has no rollback/],
    ['a changing runbook without a rollback', { rollback: [] }, /needs a rollback/],
    ['no pre-checks', { preChecks: [] }, /too small|>=1/i],
    ['a regular expression that does not compile', { match: { signaturePatterns: ['(unclosed'] } }, /Invalid regular expression/],
    ['a catastrophic regular expression', { match: { signaturePatterns: ['(a+)+$'] } }, /backtracks catastrophically/],
    ['match rules with nothing to match', { match: { labels: [{ key: 'env', equals: 'prod' }] } }, /at least one category/],
    [
      'the built-in executionId as a parameter',
      { parameters: [{ name: 'executionId', type: 'integer', description: 'x', min: 0, max: 1, default: 0 }] },
      /built in/,
    ],
    [
      'duplicate parameters',
      {
        parameters: [
          { name: 'value', type: 'integer', description: 'x', min: 0, max: 1, default: 0 },
          { name: 'value', type: 'integer', description: 'y', min: 0, max: 1, default: 0 },
        ],
      },
      /Duplicate parameter value/,
    ],
    [
      'a default outside the pattern',
      { parameters: [{ name: 'value', type: 'string', description: 'x', pattern: '[a-z]+', default: 'A1' }] },
      /default: must match/,
    ],
    [
      'a default outside the range',
      { parameters: [{ name: 'value', type: 'integer', description: 'x', min: 1, max: 5, default: 9 }] },
      /between 1 and 5/,
    ],
    ['an unknown field', { shell: 'zsh' } as Partial<RunbookInput>, /Unrecognized key/],
  ])('refuses %s', (_what, overrides, message) => {
    expect(issues(sample(overrides)).join('\n')).toMatch(message);
  });
});

describe('matching', () => {
  const match = (categories: Category[], signatures: string[], platform?: 'linux' | 'windows', labels: Record<string, string> = {}) =>
    matchRunbooks({ categories, signatures, labels, platform }, RUNBOOK_LIBRARY);

  test('picks the disk cleanup for a disk incident on Linux, with its reasons', () => {
    const [best, ...rest] = match(['disk'], ['NodeFilesystemAlmostOutOfSpace'], 'linux', { mountpoint: '/', device: '/dev/nvme0n1p1' });
    expect(best?.runbook.id).toBe('linux-disk-cleanup');
    expect(best?.score).toBe(1);
    expect(best?.reasons).toEqual(
      expect.arrayContaining(['addresses the root category disk', 'parameter mountPoint from label mountpoint']),
    );
    expect(best?.params).toMatchObject({ mountPoint: '/', journalDays: 7 });
    expect(best?.missingParams).toEqual([]);
    expect(rest.map((candidate) => candidate.runbook.id)).not.toContain('linux-docker-cleanup');
  });

  test('picks the Windows disk cleanup for a Windows disk alert', () => {
    expect(match(['disk'], ['LogicalDisk % Free Space low'], 'windows', { volume: 'C:' })[0]?.runbook.id).toBe('windows-disk-cleanup');
  });

  test('never proposes a Linux runbook for a Windows target (nor the reverse)', () => {
    for (const category of CATEGORIES) {
      const signatures = [`${category} problem`, 'NginxDown', 'PostgresDown', 'DockerDiskFull', 'PermissionDenied', 'ProcessHighCpu'];
      expect(match([category], signatures, 'windows').every((candidate) => candidate.runbook.platform === 'windows')).toBe(true);
      expect(match([category], signatures, 'linux').every((candidate) => candidate.runbook.platform === 'linux')).toBe(true);
    }
  });

  test('a specific runbook needs its signal; then it outranks the generic one', () => {
    const generic = match(['service'], ['InstanceDown'], 'linux').map((candidate) => candidate.runbook.id);
    expect(generic).toContain('linux-service-restart');
    expect(generic).not.toContain('linux-nginx-reload');
    const nginx = match(['service'], ['NginxDown'], 'linux');
    expect(nginx[0]?.runbook.id).toBe('linux-nginx-reload');
  });

  test('takes parameter values from labels when they fit, and reports the missing ones', () => {
    const withLabel = match(['service'], ['NodeSystemdServiceFailed'], 'linux', { name: 'postfix.service' }).find(
      (candidate) => candidate.runbook.id === 'linux-service-restart',
    );
    expect(withLabel?.params.service).toBe('postfix.service');
    expect(withLabel?.missingParams).toEqual([]);
    const badLabel = match(['service'], ['NodeSystemdServiceFailed'], 'linux', { name: 'x; reboot' }).find(
      (candidate) => candidate.runbook.id === 'linux-service-restart',
    );
    expect(badLabel?.missingParams).toEqual(['service']);
    expect(badLabel?.reasons.join(' ')).toMatch(/label name does not fit parameter service/);
  });

  test('a root category outranks another member category; ties go to the lower risk', () => {
    const root = match(['memory', 'service'], ['HostOutOfMemory'], 'linux');
    expect(root[0]?.reasons[0]).toBe('addresses the root category memory');
    const scores = root.map((candidate) => candidate.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const tied = root.filter((candidate) => candidate.score === root[0]?.score).map((candidate) => candidate.runbook.risk);
    expect(tied).toEqual([...tied].sort((a, b) => ['low', 'medium', 'high'].indexOf(a) - ['low', 'medium', 'high'].indexOf(b)));
  });

  test('label conditions must all hold', () => {
    const prodOnly = defineRunbook(
      sample({ id: 'prod-only', match: { categories: ['service'], labels: [{ key: 'env', in: ['prod', 'production'] }] } }),
    );
    expect(matchRunbooks({ categories: ['service'], signatures: ['Down'], labels: { env: 'prod' } }, [prodOnly])[0]?.score).toBe(0.6);
    expect(matchRunbooks({ categories: ['service'], signatures: ['Down'], labels: { env: 'dev' } }, [prodOnly])).toEqual([]);
    expect(matchRunbooks({ categories: ['service'], signatures: ['Down'] }, [prodOnly])).toEqual([]);
  });

  test('a label condition on a name such as toString finds only a label of that name, never the prototype', () => {
    const needsLabel = defineRunbook(
      sample({ id: 'needs-tostring', match: { categories: ['service'], labels: [{ key: 'toString', exists: true }] } }),
    );
    expect(matchRunbooks({ categories: ['service'], signatures: ['Down'], labels: {} }, [needsLabel])).toEqual([]);
    expect(matchRunbooks({ categories: ['service'], signatures: ['Down'], labels: { toString: 'x' } }, [needsLabel])).toHaveLength(1);
  });

  test('an unrelated incident matches nothing', () => {
    expect(match(['other'], ['SomethingOdd'], 'linux')).toEqual([]);
  });
});
