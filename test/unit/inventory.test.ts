// The tenant inventory resolves every way a monitoring tool names a host to one asset.
import { Inventory, aliasForms, assetSchema, type Asset } from '../../lib/domain/asset';

function asset(input: { id: string; name: string; aliases?: string[] }): Asset {
  return assetSchema.parse({ type: 'server', ...input });
}

const db = asset({
  id: 'db-prod-01',
  name: 'Primary database',
  aliases: [
    'db-prod-01.acme.internal',
    '10.0.1.5',
    'fe80::1',
    'i-0abc123def4567890',
    'arn:aws:rds:eu-west-1:123456789012:db:orders-prod.cluster-1',
  ],
});
const web = asset({ id: 'web-01', name: 'web-01', aliases: ['web-01.acme.internal', '10.0.2.7'] });
const inventory = new Inventory([db, web]);

describe('Inventory.resolve', () => {
  test.each([
    ['its id', 'db-prod-01'],
    ['its name', 'Primary database'],
    ['an FQDN alias', 'db-prod-01.acme.internal'],
    ['an IP alias', '10.0.1.5'],
    ['an IP:port (Prometheus instance label)', '10.0.1.5:9100'],
    ['a bracketed IPv6 with port', '[fe80::1]:9100'],
    ['a bare IPv6 alias', 'fe80::1'],
    ['an EC2 instance id', 'i-0abc123def4567890'],
    ['an ARN', 'arn:aws:rds:eu-west-1:123456789012:db:orders-prod.cluster-1'],
    ['an FQDN alias with a port', 'db-prod-01.acme.internal:9100'],
    ['the id with a port', 'db-prod-01:9100'],
  ])('finds the asset by %s (%p)', (_how, ref) => {
    expect(inventory.resolve(ref)?.id).toBe('db-prod-01');
  });

  test('finds the asset by the short host of an FQDN the inventory does not list', () => {
    // Only `web-01` is known; the tool reports the FQDN under another domain.
    expect(inventory.resolve('web-01.dmz.example.com')?.id).toBe('web-01');
  });

  test('finds the asset by the short host when only its FQDN is listed', () => {
    const fqdnOnly = new Inventory([asset({ id: 'a1', name: 'Mail', aliases: ['mail-01.acme.internal'] })]);
    expect(fqdnOnly.resolve('mail-01')?.id).toBe('a1');
  });

  test('is case-insensitive and ignores surrounding spaces', () => {
    expect(inventory.resolve('  DB-PROD-01.ACME.Internal ')?.id).toBe('db-prod-01');
    expect(inventory.resolve('PRIMARY DATABASE')?.id).toBe('db-prod-01');
    expect(inventory.resolve('I-0ABC123DEF4567890')?.id).toBe('db-prod-01');
  });

  test('does not split an ARN on its dots or colons', () => {
    expect(inventory.resolve('arn:aws:rds:eu-west-1:123456789012:db:orders-prod')).toBeUndefined();
    expect(inventory.resolve('arn')).toBeUndefined();
  });

  test('does not treat an IP as an FQDN (no "short host" of 10.0.1.5)', () => {
    const byShortIp = new Inventory([asset({ id: 'ten', name: '10' })]);
    expect(byShortIp.resolve('10.0.1.5')).toBeUndefined();
  });

  test('returns undefined for an unknown reference', () => {
    expect(inventory.resolve('mystery-host')).toBeUndefined();
    expect(inventory.resolve('10.9.9.9:9100')).toBeUndefined();
  });

  test('on an alias clash the first asset wins', () => {
    const first = asset({ id: 'first', name: 'First', aliases: ['shared.acme.internal'] });
    const second = asset({ id: 'second', name: 'Second', aliases: ['shared.acme.internal'] });
    expect(new Inventory([first, second]).resolve('shared.acme.internal')?.id).toBe('first');
    expect(new Inventory([second, first]).resolve('shared.acme.internal')?.id).toBe('second');
  });

  test('indexes every asset by id', () => {
    expect([...inventory.byId.keys()]).toEqual(['db-prod-01', 'web-01']);
  });
});

describe('aliasForms', () => {
  test('an FQDN gives itself and its short host', () => {
    expect(aliasForms('DB-01.Acme.Internal')).toEqual(['db-01.acme.internal', 'db-01']);
  });

  test('host:port gives itself, the host and the short host', () => {
    expect(aliasForms('db-01.acme.internal:9100')).toEqual(['db-01.acme.internal:9100', 'db-01.acme.internal', 'db-01']);
  });

  test('an IPv4 with port gives itself and the IP, never an octet', () => {
    expect(aliasForms('10.0.1.5:9100')).toEqual(['10.0.1.5:9100', '10.0.1.5']);
  });

  test('a bracketed IPv6 with port gives itself and the bare address', () => {
    expect(aliasForms('[FE80::1]:9100')).toEqual(['[fe80::1]:9100', 'fe80::1']);
  });

  test('a bare IPv6 address is not mistaken for host:port', () => {
    expect(aliasForms('2001:db8::1')).toEqual(['2001:db8::1']);
  });

  test('an ARN is a single form', () => {
    expect(aliasForms('arn:aws:ec2:us-east-1:123456789012:instance/i-0abc')).toEqual([
      'arn:aws:ec2:us-east-1:123456789012:instance/i-0abc',
    ]);
  });

  test('a plain name is a single, lower-cased form', () => {
    expect(aliasForms(' Web-01 ')).toEqual(['web-01']);
  });
});

test('an exact name beats a short host name derived from another asset’s FQDN alias', () => {
  const inventory = new Inventory([
    { id: 'fqdn-owner', name: 'fqdn-owner', type: 'server', aliases: ['web.acme.internal'], dependsOn: [], critical: false, tags: {} },
    { id: 'named-web', name: 'web', type: 'server', aliases: [], dependsOn: [], critical: false, tags: {} },
  ]);
  expect(inventory.resolve('web')?.id).toBe('named-web');
  expect(inventory.resolve('web.acme.internal')?.id).toBe('fqdn-owner');
  expect(inventory.resolve('web.other.example')?.id).toBe('named-web');
});
