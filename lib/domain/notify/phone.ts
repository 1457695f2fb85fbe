import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { entitySchema, timestamp } from '../entity-schema';
import { e164Schema } from './sms-voice';

/**
 * A user's phone number for SMS and voice pages. A number is used only once its owner proved it is
 * theirs: a six-digit code sent to it by SMS, typed back within 10 minutes, at most 5 tries, a new code
 * at most once a minute. Only a hash of the code is stored.
 */
export const PHONE_CODE_TTL_MS = 10 * 60_000;
export const PHONE_CODE_MAX_ATTEMPTS = 5;
export const PHONE_CODE_RESEND_MS = 60_000;

export interface PendingPhone {
  number: string;
  /** SHA-256 of salt and code, hex. */
  codeHash: string;
  salt: string;
  sentAt: string;
  expiresAt: string;
  /** Wrong codes typed so far. */
  attempts: number;
}

export interface UserPhone {
  userId: string;
  /** The verified number, E.164. */
  number?: string;
  verifiedAt?: string;
  pending?: PendingPhone;
  updatedAt: string;
}

export const userPhoneSchema = entitySchema<UserPhone>({
  userId: z.string().min(1),
  number: e164Schema.optional(),
  verifiedAt: timestamp.optional(),
  pending: z
    .object({
      number: e164Schema,
      codeHash: z.string().regex(/^[0-9a-f]{64}$/),
      salt: z.string().min(8).max(64),
      sentAt: timestamp,
      expiresAt: timestamp,
      attempts: z.number().int().min(0),
    })
    .strict()
    .optional(),
  updatedAt: timestamp,
});

export const phoneRequestSchema = z.strictObject({ number: e164Schema });
export const phoneCodeSchema = z.strictObject({
  code: z
    .string()
    .max(16)
    .trim()
    .regex(/^\d{6}$/, 'must be the 6-digit code from the SMS'),
});

export function newPhoneCode(random: (max: number) => number = (max) => randomInt(max)): string {
  return String(random(1_000_000)).padStart(6, '0');
}

export function phoneCodeHash(code: string, salt: string): string {
  return createHash('sha256').update(`${salt}:${code}`).digest('hex');
}

export type CodeCheck = 'ok' | 'expired' | 'wrong' | 'locked';

/** Whether `code` proves the pending number, in constant time. */
export function checkPhoneCode(pending: PendingPhone, code: string, now: Date): CodeCheck {
  if (pending.attempts >= PHONE_CODE_MAX_ATTEMPTS) return 'locked';
  if (now.getTime() >= Date.parse(pending.expiresAt)) return 'expired';
  const given = Buffer.from(phoneCodeHash(code, pending.salt), 'hex');
  const stored = Buffer.from(pending.codeHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored) ? 'ok' : 'wrong';
}

/** How long before another code may be sent (0: now). */
export function resendWaitMs(pending: PendingPhone | undefined, now: Date): number {
  if (!pending) return 0;
  return Math.max(0, Date.parse(pending.sentAt) + PHONE_CODE_RESEND_MS - now.getTime());
}
