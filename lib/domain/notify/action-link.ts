import crypto from 'node:crypto';
import * as z from 'zod';
import { entitySchema, timestamp } from '../entity-schema';

/**
 * One-tap action links: every notification of an incident (SMS, voice, email, Slack, Teams) carries a short
 * link `https://<api>/a/{token}` for its recipient, which acknowledges, resolves or escalates the incident
 * as that recipient (lib/notify/action-links.ts). Pure: no I/O.
 *
 * The token is short enough for an SMS: `linkId + mac`, 22 characters. `linkId` is 10 random characters of
 * Crockford's base32 (no I, L, O or U: nothing to misread), 50 bits; `mac` the first 12 characters (72 bits)
 * of base64url(HMAC-SHA256(link secret, "action-link:v1:" + linkId)). The link secret is derived from a key
 * of the JWT key set (deriveLinkSecret), never the JWT secret itself, and every key of the set verifies, so a
 * link outlives a key rotation. The token only names a stored link record: what it may do is in the record.
 */

export const ACTION_LINK_ACTIONS = ['acknowledge', 'resolve', 'escalate'] as const;
export type ActionLinkAction = (typeof ACTION_LINK_ACTIONS)[number];

export const ACTION_LINK_CHANNELS = ['sms', 'voice', 'email', 'slack', 'teams'] as const;
export type ActionLinkChannel = (typeof ACTION_LINK_CHANNELS)[number];

/** How long a link acts: a day after it was sent. */
export const ACTION_LINK_TTL_MS = 24 * 60 * 60 * 1000;

/** Crockford's base32 alphabet: 32 symbols, so each random byte's low 5 bits pick one without bias. */
const LINK_ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LINK_ID_LENGTH = 10;
const MAC_LENGTH = 12;
export const ACTION_LINK_TOKEN_LENGTH = LINK_ID_LENGTH + MAC_LENGTH;

const TOKEN_PATTERN = /^[0-9A-HJKMNP-TV-Z]{10}[A-Za-z0-9_-]{12}$/;
const MAC_DOMAIN = 'action-link:v1:';
const KEY_DOMAIN = 'alert-whisperer:action-link-key:v1';

/** The link secret of one JWT signing secret: an HMAC of a fixed label under it, so the JWT secret itself signs nothing here. */
export function deriveLinkSecret(jwtSecret: string): string {
  return crypto.createHmac('sha256', jwtSecret).update(KEY_DOMAIN).digest('base64url');
}

function macOf(secret: string, linkId: string): string {
  return crypto
    .createHmac('sha256', secret)
    .update(MAC_DOMAIN + linkId)
    .digest('base64url')
    .slice(0, MAC_LENGTH);
}

/** A new link id and its token, signed with `secret` (a link secret: deriveLinkSecret). `random` gives n random bytes. */
export function makeToken(
  secret: string,
  random: (size: number) => Uint8Array = (size) => crypto.randomBytes(size),
): { linkId: string; token: string } {
  const bytes = random(LINK_ID_LENGTH);
  if (bytes.length < LINK_ID_LENGTH) throw new Error(`makeToken needs ${LINK_ID_LENGTH} random bytes`);
  let linkId = '';
  for (let index = 0; index < LINK_ID_LENGTH; index++) linkId += LINK_ID_ALPHABET[bytes[index]! & 31];
  return { linkId, token: linkId + macOf(secret, linkId) };
}

/**
 * The link id a token names when one of `secrets` signed it, else null (a malformed token too; never
 * throws). Every secret is tried, each compared in constant time.
 */
export function verifyToken(token: unknown, secrets: readonly string[]): string | null {
  if (typeof token !== 'string' || token.length !== ACTION_LINK_TOKEN_LENGTH || !TOKEN_PATTERN.test(token)) return null;
  const linkId = token.slice(0, LINK_ID_LENGTH);
  const given = Buffer.from(token.slice(LINK_ID_LENGTH), 'utf8');
  let valid = false;
  for (const secret of secrets) {
    const expected = Buffer.from(macOf(secret, linkId), 'utf8');
    // Both are MAC_LENGTH ASCII characters (the pattern checked the given one).
    if (crypto.timingSafeEqual(expected, given)) valid = true;
  }
  return valid ? linkId : null;
}

/** When an action was taken through the link: each action once per link. */
export interface ActionLinkUse {
  at: string;
}

/** A link as stored (lib/store/action-links.ts): whom it speaks for, about which incident, until when. */
export interface ActionLink {
  linkId: string;
  tenantId: string;
  incidentId: string;
  /** The recipient: the link acts as this user. */
  userId: string;
  /** The user's access version when the link was made: deleting the user or changing their access revokes it. */
  accessVersion: number;
  /** The channel the link was sent on (SMS links answer two-way SMS replies). */
  channel: ActionLinkChannel;
  createdAt: string;
  expiresAt: string;
  /** The actions already taken through the link. */
  used: Partial<Record<ActionLinkAction, ActionLinkUse>>;
}

export const actionLinkSchema = entitySchema<ActionLink>({
  linkId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{10}$/),
  tenantId: z.string().min(1),
  incidentId: z.string().min(1),
  userId: z.string().min(1),
  accessVersion: z.number().int().min(0),
  channel: z.enum(ACTION_LINK_CHANNELS),
  createdAt: timestamp,
  expiresAt: timestamp,
  used: z.partialRecord(z.enum(ACTION_LINK_ACTIONS), z.object({ at: timestamp })),
});

/** What POST /a/{token} takes (as a form, `action=acknowledge`, or as JSON). */
export const actionLinkRequestSchema = z.strictObject({ action: z.enum(ACTION_LINK_ACTIONS) });

/** A two-way SMS reply that acknowledges (lib/notify/inbound-sms.ts): `1`, `ack` in any case, with spaces and trailing punctuation ("Ack.", " ACK! "). */
export function isAcknowledgeReply(body: string): boolean {
  const word = body
    .trim()
    .replace(/[\s.!,;:?…]+$/u, '')
    .toLowerCase();
  return word === '1' || word === 'ack';
}
