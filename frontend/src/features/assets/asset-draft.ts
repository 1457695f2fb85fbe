import * as z from 'zod';
import { assetSchema } from '../../../../lib/domain/asset';
import type { Schemas } from '../../api/client';
import type { AssetInput } from './hooks';

export type Asset = Schemas['Asset'];

export type Ssm = NonNullable<Asset['ssm']>;

export const ASSET_TYPES = [
  'server',
  'database',
  'load_balancer',
  'endpoint',
  'service',
  'container',
  'network',
  'storage',
  'queue',
  'cache',
  'firewall',
];

export interface Draft {
  id: string;
  name: string;
  type: string;
  env: string;
  critical: boolean;
  aliases: string;
  dependsOn: string[];
  automation: boolean;
  ssm: Ssm;
}

export function draftOf(asset: Asset | undefined): Draft {
  return {
    id: asset?.id ?? '',
    name: asset?.name ?? '',
    type: asset?.type ?? 'server',
    env: asset?.tags.env ?? '',
    critical: asset?.critical ?? false,
    aliases: (asset?.aliases ?? []).join('\n'),
    dependsOn: asset?.dependsOn ?? [],
    automation: Boolean(asset?.ssm),
    ssm: asset?.ssm ?? { instanceId: '', accountId: '', region: '', platform: 'linux' },
  };
}

/** The request body: trimmed names, one alias a line, the env tag kept beside the asset's other tags. */
export function inputOf(draft: Draft, asset: Asset | undefined): AssetInput {
  const tags = { ...(asset?.tags ?? {}) };
  if (draft.env.trim()) tags.env = draft.env.trim();
  else delete tags.env;
  const ssm: Ssm | undefined = draft.automation
    ? {
        instanceId: draft.ssm.instanceId.trim(),
        accountId: draft.ssm.accountId.trim(),
        region: draft.ssm.region.trim(),
        platform: draft.ssm.platform,
        ...(draft.ssm.roleName?.trim() ? { roleName: draft.ssm.roleName.trim() } : {}),
      }
    : undefined;
  return {
    // A disabled input (the id of an asset being edited) gives the form no value.
    id: asset?.id ?? draft.id.trim(),
    name: draft.name.trim(),
    type: draft.type.trim(),
    critical: draft.critical,
    aliases: draft.aliases
      .split('\n')
      .map((alias) => alias.trim())
      .filter(Boolean),
    dependsOn: draft.dependsOn,
    tags,
    ssm,
  };
}

export function slug(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_.:-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 128);
}

/**
 * The form's values checked as the body they become, against the API's own asset schema (lib/domain/asset.ts,
 * pure zod, so the dashboard imports it rather than a copy): the messages are the ones the API would send.
 */
export function assetFormSchema(asset: Asset | undefined) {
  return z
    .custom<Draft>()
    .transform((draft) => inputOf(draft, asset))
    .pipe(assetSchema);
}
