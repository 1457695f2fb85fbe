import * as z from 'zod';
import { limitedRecord, refuseReservedKeys } from '../util/input-limits';

export const ASSET_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export const assetSchema = z.object({
  id: z.string().max(128).regex(ASSET_ID_PATTERN),
  name: z.string().min(1).max(256),
  type: z.string().min(1).max(64),
  /** Other names the monitoring tools use: FQDN, IP, EC2 instance id, ARN... */
  aliases: z.array(z.string().min(1).max(512)).max(64).default([]),
  /** Upstream assets this one needs (db <- app <- load balancer <- endpoint). */
  dependsOn: z.array(z.string().max(128).regex(ASSET_ID_PATTERN)).max(64).default([]),
  critical: z.boolean().default(false),
  /**
   * Free key/value tags (like AWS tags: 50 at most, keys up to 128 characters, values up to 256). A
   * reserved key (`__proto__`, `constructor`, `prototype`: lib/util/input-limits.ts) is refused (400).
   */
  tags: refuseReservedKeys(limitedRecord(z.string().min(1).max(128), z.string().max(256), 50).default({})),
  /** Where runbooks reach it: an SSM managed instance in the client's account (none: runbooks never target it). */
  ssm: z
    .object({
      /** EC2 instance id (`i-...`) or hybrid managed instance id (`mi-...`). */
      instanceId: z
        .string()
        .max(20)
        .regex(/^(?:i|mi)-[0-9a-f]{8,17}$/, 'an EC2 (i-...) or managed (mi-...) instance id'),
      accountId: z
        .string()
        .max(12)
        .regex(/^\d{12}$/, 'an AWS account id is 12 digits'),
      region: z
        .string()
        .max(32)
        .regex(/^[a-z]{2}(?:-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1'),
      platform: z.enum(['linux', 'windows']),
      /** The client's remediation role in that account (onboarding stack `roleName`); default AlertWhispererRemediation. */
      roleName: z
        .string()
        .max(64)
        .regex(/^AlertWhispererRemediation[\w+=,.@-]{0,38}$/, 'a role name starting with AlertWhispererRemediation')
        .optional(),
    })
    .strict()
    .optional(),
});
export type Asset = z.infer<typeof assetSchema>;

/**
 * The tenant's inventory with an alias index. Tools name hosts many ways (`db-prod-01`,
 * `db-prod-01.acme.internal`, `10.0.1.5:9100`, `i-0abc...`, an ARN): all resolve to one asset.
 */
export class Inventory {
  /** Names as registered (and without a port). */
  private readonly exact = new Map<string, Asset>();
  /** Short host names derived from FQDNs: only used when no name matches exactly. */
  private readonly derived = new Map<string, Asset>();
  readonly byId = new Map<string, Asset>();

  constructor(readonly assets: readonly Asset[]) {
    for (const asset of assets) {
      this.byId.set(asset.id, asset);
      for (const name of [asset.id, asset.name, ...asset.aliases]) {
        const [given, ...others] = aliasForms(name);
        if (!this.exact.has(given as string)) this.exact.set(given as string, asset);
        for (const form of others) if (!this.derived.has(form)) this.derived.set(form, asset);
      }
    }
  }

  resolve(assetRef: string): Asset | undefined {
    const forms = aliasForms(assetRef);
    for (const map of [this.exact, this.derived]) {
      for (const form of forms) {
        const asset = map.get(form);
        if (asset) return asset;
      }
    }
    return undefined;
  }
}

/** The lookup forms of a name: as given, without a port, and the short host name of an FQDN. */
export function aliasForms(raw: string): string[] {
  const name = raw.trim().toLowerCase();
  const forms = [name];
  const withoutPort = stripPort(name);
  if (withoutPort !== name) forms.push(withoutPort);
  const host = withoutPort;
  const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
  if (!isIp && !host.startsWith('arn:') && host.includes('.')) forms.push(host.split('.')[0] as string);
  return forms;
}

function stripPort(name: string): string {
  if (name.startsWith('arn:')) return name;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(name);
  if (bracketed) return bracketed[1] as string;
  const hostPort = /^([^:]+):\d+$/.exec(name);
  return hostPort ? (hostPort[1] as string) : name;
}
