import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { parseTargetUrl } from './target-url';

/**
 * Outbound requests to URLs that tenants give us (their Slack, Teams and webhook targets) must only
 * ever reach the public internet (SSRF): not this host, the VPC, the instance metadata service
 * (169.254.169.254, fd00:ec2::254), nor anything else that is not globally routable. Checked twice:
 * - when the URL is saved (`urlTargetProblem`): literal addresses and names that can only be internal,
 *   so a tenant hears at once why a URL is refused;
 * - when it is used (`resolveTarget`): every address its name resolves to must be public, and the
 *   connection then goes to those very addresses (`pinnedLookup`), so a second DNS answer cannot swap
 *   in a private address between the check and the connect (DNS rebinding).
 * No message here repeats the URL or its host: webhook URLs are secrets.
 */

/** What a deployment allows besides public targets. */
export interface TargetPolicy {
  /** Loopback targets (127.0.0.0/8, ::1, localhost), plain http included: local receivers only. */
  allowLoopback: boolean;
}

/** The explicit opt-in for loopback targets: set to `local` by the local stack, never by the CDK stack. */
export const ALLOW_PRIVATE_WEBHOOKS_VARIABLE = 'AW_ALLOW_PRIVATE_WEBHOOKS';

/**
 * The policy from the environment: loopback targets only with `AW_ALLOW_PRIVATE_WEBHOOKS=local`, and
 * never inside Lambda (the runtime always sets AWS_LAMBDA_FUNCTION_NAME), so even a deployment that
 * somehow carried the variable cannot reach its own host.
 */
export function targetPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): TargetPolicy {
  return { allowLoopback: env[ALLOW_PRIVATE_WEBHOOKS_VARIABLE] === 'local' && !env.AWS_LAMBDA_FUNCTION_NAME };
}

// ---------------------------------------------------------------------------------------------------
// Addresses

interface AddressClass {
  label: string;
  list: BlockList;
  loopback?: boolean;
  /** For IPv6 blocks that carry an IPv4 address: where it is, so that address is judged instead. */
  embedded?: (groups: number[]) => string;
  /** How the embedding is named in a refusal. */
  embedding?: string;
}

function block(subnet: string, family: 'ipv4' | 'ipv6', label: string, extra: Partial<AddressClass> = {}): AddressClass {
  const [network, prefix] = subnet.split('/') as [string, string];
  const list = new BlockList();
  list.addSubnet(network, Number(prefix), family);
  return { label, list, ...extra };
}

const v4 = (subnet: string, label: string, extra?: Partial<AddressClass>) => block(subnet, 'ipv4', label, extra);
const v6 = (subnet: string, label: string, extra?: Partial<AddressClass>) => block(subnet, 'ipv6', label, extra);

/** The IPv4 address in two 16-bit groups. */
function ipv4Of(high: number, low: number): string {
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}
const lastTwoGroups = (groups: number[]) => ipv4Of(groups[6] ?? 0, groups[7] ?? 0);

/** Every IPv4 block that is not globally reachable (IANA special-purpose registry), broadcast before 240/4 for its name. */
const IPV4_CLASSES: readonly AddressClass[] = [
  v4('0.0.0.0/8', '"this network" (0.0.0.0/8)'),
  v4('10.0.0.0/8', 'private (10.0.0.0/8)'),
  v4('100.64.0.0/10', 'carrier-grade NAT (100.64.0.0/10)'),
  v4('127.0.0.0/8', 'loopback (127.0.0.0/8)', { loopback: true }),
  v4('169.254.0.0/16', 'link-local (169.254.0.0/16, cloud instance metadata)'),
  v4('172.16.0.0/12', 'private (172.16.0.0/12)'),
  v4('192.0.0.0/24', 'IETF protocol assignments (192.0.0.0/24)'),
  v4('192.0.2.0/24', 'documentation (192.0.2.0/24)'),
  v4('192.88.99.0/24', '6to4 relay anycast (192.88.99.0/24)'),
  v4('192.168.0.0/16', 'private (192.168.0.0/16)'),
  v4('198.18.0.0/15', 'benchmarking (198.18.0.0/15)'),
  v4('198.51.100.0/24', 'documentation (198.51.100.0/24)'),
  v4('203.0.113.0/24', 'documentation (203.0.113.0/24)'),
  v4('224.0.0.0/4', 'multicast (224.0.0.0/4)'),
  v4('255.255.255.255/32', 'broadcast (255.255.255.255)'),
  v4('240.0.0.0/4', 'reserved (240.0.0.0/4)'),
];

/** The IPv6 ones; blocks that embed an IPv4 address (mapped, NAT64, 6to4) are judged by that address. */
const IPV6_CLASSES: readonly AddressClass[] = [
  v6('::/128', 'unspecified (::)'),
  v6('::1/128', 'loopback (::1)', { loopback: true }),
  v6('::ffff:0:0/96', 'IPv4-mapped', { embedded: lastTwoGroups, embedding: 'IPv4-mapped' }),
  v6('::/96', 'IPv4-compatible (::/96, deprecated)'),
  v6('64:ff9b::/96', 'NAT64', { embedded: lastTwoGroups, embedding: 'NAT64' }),
  v6('64:ff9b:1::/48', 'local-use NAT64 (64:ff9b:1::/48)'),
  v6('100::/64', 'discard-only (100::/64)'),
  v6('2001:2::/48', 'benchmarking (2001:2::/48)'),
  v6('2001::/32', 'Teredo (2001::/32)'),
  v6('2001:db8::/32', 'documentation (2001:db8::/32)'),
  v6('2002::/16', '6to4', { embedded: (groups) => ipv4Of(groups[1] ?? 0, groups[2] ?? 0), embedding: '6to4' }),
  v6('fc00::/7', 'unique-local (fc00::/7)'),
  v6('fe80::/10', 'link-local (fe80::/10)'),
  v6('fec0::/10', 'site-local (fec0::/10, deprecated)'),
  v6('ff00::/8', 'multicast (ff00::/8)'),
];

/** The eight 16-bit groups of a valid IPv6 address (a zone id dropped, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest === undefined ? [] : rest ? rest.split(':') : [];
  const zeros = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16));
}

/**
 * Why an IP address may not be a target (its class, e.g. `private (10.0.0.0/8)`), or undefined when
 * it is public. Loopback passes only when the policy allows it (local receivers).
 */
export function addressProblem(address: string, policy: TargetPolicy): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const entry of family === 4 ? IPV4_CLASSES : IPV6_CLASSES) {
    if (!entry.list.check(address, type)) continue;
    if (entry.embedded) {
      const inner = entry.embedded(ipv6Groups(address));
      const problem = addressProblem(inner, policy);
      return problem && `${entry.embedding} ${problem}`;
    }
    if (entry.loopback && policy.allowLoopback) return undefined;
    return entry.label;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Names and URLs

/** Suffixes that only ever name something inside a network (RFC 6761, 6762, 8375; ICANN's .internal). */
const INTERNAL_SUFFIXES = ['.internal', '.local', '.localdomain', '.home.arpa'];

/** The host of a URL as DNS and isIP see it: no IPv6 brackets, no trailing dot, lower case. */
export function bareHost(hostname: string): string {
  return hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

const isLocalhostName = (host: string) => host === 'localhost' || host.endsWith('.localhost');

/**
 * Why a URL's host may not be a target without asking DNS: a literal address that is not public, or a
 * name that can only be internal (`localhost`, `*.localhost`, `*.internal`, `*.local`, a single label
 * that the network's search domains would complete). Undefined when DNS has to say (`resolveTarget`).
 */
export function hostProblem(hostname: string, policy: TargetPolicy): string | undefined {
  const host = bareHost(hostname);
  if (isIP(host)) {
    const problem = addressProblem(host, policy);
    return problem && `its host is not a public internet address: ${problem}`;
  }
  if (isLocalhostName(host))
    return policy.allowLoopback ? undefined : 'its host is a loopback name (localhost), not a public internet address';
  const suffix = INTERNAL_SUFFIXES.find((candidate) => host.endsWith(candidate) || host === candidate.slice(1));
  if (suffix) return `its host is an internal name (*${suffix}), not a public internet address`;
  if (!host.includes('.')) return 'its host is a single-label name, which only resolves inside a network';
  return undefined;
}

/** 127.0.0.0/8 and ::1; BlockList also matches their IPv4-mapped forms (::ffff:127.0.0.1). */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

function isLoopback(host: string): boolean {
  const family = isIP(host);
  if (family === 0) return isLocalhostName(host);
  return LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Why a target URL must not be used, judged without DNS (at save time, and first at send time), or
 * undefined: no credentials before the host, a host that may be public (`hostProblem`), and https
 * (plain http only to allowed loopback receivers).
 */
export function urlTargetProblem(url: string, policy: TargetPolicy): string | undefined {
  const parsed = parseTargetUrl(url);
  if (typeof parsed === 'string') return parsed;
  const host = bareHost(parsed.hostname);
  const problem = hostProblem(host, policy);
  if (problem) return `Refusing the target URL: ${problem}`;
  // Plain http only to a local receiver: anywhere else the URL (a secret) and the body travel in clear.
  const localHttp = parsed.protocol === 'http:' && policy.allowLoopback && isLoopback(host);
  if (parsed.protocol !== 'https:' && !localHttp) return 'Refusing a non-https target URL';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Resolution and connection

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

/** Every address of a name (IPv4 and IPv6, in the resolver's order), as getaddrinfo answers. */
export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export type ResolvedTarget =
  { ok: true; url: URL; host: string; addresses: LookupAddress[] } | { ok: false; problem: string; retryable: boolean };

/**
 * The URL checked (`urlTargetProblem`) and its host resolved, every address public (or allowed
 * loopback): the addresses to connect to. A name with any non-public address is refused outright,
 * not filtered: a name that mixes them is misconfigured or an attack, and either way not ours to
 * guess. A failed lookup may succeed later (retryable); a refusal will not.
 */
export async function resolveTarget(url: string, policy: TargetPolicy, resolve: Resolver = systemResolver): Promise<ResolvedTarget> {
  const problem = urlTargetProblem(url, policy);
  if (problem) return { ok: false, problem, retryable: false };
  const parsed = new URL(url);
  const host = bareHost(parsed.hostname);
  const family = isIP(host);
  if (family) return { ok: true, url: parsed, host, addresses: [{ address: host, family }] };
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code ?? 'error';
    return { ok: false, problem: `DNS lookup of the target failed (${code})`, retryable: true };
  }
  if (!addresses.length) return { ok: false, problem: 'DNS lookup of the target found no address', retryable: true };
  for (const { address } of addresses) {
    const refused = addressProblem(address, policy);
    if (refused) {
      return {
        ok: false,
        problem: `Refusing the target URL: its host resolves to ${address}, not a public internet address: ${refused}`,
        retryable: false,
      };
    }
  }
  return { ok: true, url: parsed, host, addresses };
}

/**
 * A `lookup` for http(s).request / net.connect that answers only `host` and only with the addresses
 * already checked: the socket connects to what was checked, whatever DNS would say now. Node asks
 * with `all: true` when it races IPv4 and IPv6 (autoSelectFamily), else for one address of a family.
 */
export function pinnedLookup(host: string, addresses: readonly LookupAddress[]): LookupFunction {
  return (hostname, options, callback) => {
    const refuse = (message: string) => callback(Object.assign(new Error(message), { code: 'ENOTFOUND' }), '', 0);
    if (bareHost(hostname) !== host) return refuse('Lookup of a host that was not checked');
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const usable = family === 4 || family === 6 ? addresses.filter((entry) => entry.family === family) : [...addresses];
    const first = usable[0];
    if (!first) return refuse('No checked address of the requested family');
    if (options.all) return callback(null, usable);
    return callback(null, first.address, first.family);
  };
}
