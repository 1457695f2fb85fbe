import { randomBytes } from 'node:crypto';
import { AppError, badRequest, conflict } from '../errors';
import {
  checkPhoneCode,
  newPhoneCode,
  PHONE_CODE_MAX_ATTEMPTS,
  PHONE_CODE_TTL_MS,
  phoneCodeHash,
  resendWaitMs,
  type UserPhone,
} from '../domain/notify/phone';
import { maskPhoneNumber } from '../domain/notify/sms-voice';
import { logger } from '../observability';
import { confirmPhone, getUserPhone, PhoneTakenError, putPendingPhone, putPhoneState, removeUserPhone } from '../store/phones';
import type { TableRef } from '../store/table-ref';
import type { Sender } from './channels';
import type { PhoneTarget, SmsMessage } from './sms-voice';

/**
 * Proving a phone number before any page goes to it: a code by SMS, typed back on the dashboard. A
 * number nobody proved is never texted or called by a notification (lib/notify/deliver.ts reads only
 * verified numbers).
 */
export interface PhoneVerificationDeps {
  table: TableRef;
  now: () => Date;
  sendSms: Sender<SmsMessage, PhoneTarget>;
  /** The stack's origination identity and configuration set. */
  origination: Omit<PhoneTarget, 'to'>;
  productName: string;
}

/** What the API shows of a user's phone: the number (theirs), whether it is verified, a verification under way. */
export function phoneView(phone: UserPhone | undefined) {
  return {
    number: phone?.number ?? null,
    verifiedAt: phone?.verifiedAt ?? null,
    pending: phone?.pending ? { number: phone.pending.number, expiresAt: phone.pending.expiresAt } : null,
  };
}

export async function requestPhoneCode(deps: PhoneVerificationDeps, userId: string, number: string) {
  if (!deps.origination.originationIdentity) {
    throw new AppError(
      409,
      'not_configured',
      'SMS is not set up on this installation: the MSP admin sets smsOriginationIdentityArn (docs/deploy.md)',
    );
  }
  const now = deps.now();
  const current = await getUserPhone(deps.table, userId);
  if (current?.number === number && current.verifiedAt) return phoneView(current);
  const wait = resendWaitMs(current?.pending, now);
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    throw new AppError(429, 'too_many_requests', `A code was sent less than a minute ago: try again in ${seconds} s`, undefined, {
      'retry-after': String(seconds),
    });
  }
  const code = newPhoneCode();
  const salt = randomBytes(12).toString('base64url');
  const pending = {
    number,
    codeHash: phoneCodeHash(code, salt),
    salt,
    sentAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + PHONE_CODE_TTL_MS).toISOString(),
    attempts: 0,
  };
  const attempt = await deps.sendSms(
    { body: `${deps.productName}: your verification code is ${code}. It expires in 10 minutes.` },
    { ...deps.origination, to: number },
  );
  if (!attempt.ok) {
    logger.warn('Phone verification SMS failed', { userId, number: maskPhoneNumber(number), error: attempt.error });
    throw new AppError(
      attempt.retryable ? 503 : 400,
      attempt.retryable ? 'unavailable' : 'bad_request',
      `The code could not be sent: ${attempt.error ?? 'unknown error'}`,
    );
  }
  await putPendingPhone(deps.table, userId, pending, now);
  return phoneView({ ...(current ?? { userId, updatedAt: now.toISOString() }), pending });
}

export async function confirmPhoneCode(deps: Pick<PhoneVerificationDeps, 'table' | 'now'>, userId: string, code: string) {
  const now = deps.now();
  const current = await getUserPhone(deps.table, userId);
  const pending = current?.pending;
  if (!current || !pending) throw conflict('No verification is under way: ask for a code first');
  const check = checkPhoneCode(pending, code, now);
  if (check === 'locked') throw new AppError(429, 'too_many_requests', `${PHONE_CODE_MAX_ATTEMPTS} wrong codes: ask for a new code`);
  if (check === 'expired') throw new AppError(410, 'expired', 'The code expired: ask for a new one');
  if (check === 'wrong') {
    const attempts = pending.attempts + 1;
    await putPhoneState(deps.table, { ...current, pending: { ...pending, attempts }, updatedAt: now.toISOString() });
    throw badRequest(`Wrong code (${Math.max(0, PHONE_CODE_MAX_ATTEMPTS - attempts)} tries left)`);
  }
  try {
    return phoneView(await confirmPhone(deps.table, current, now));
  } catch (error) {
    if (error instanceof PhoneTakenError) throw conflict('Another user verified this number');
    throw error;
  }
}

export async function removePhone(deps: Pick<PhoneVerificationDeps, 'table'>, userId: string): Promise<void> {
  await removeUserPhone(deps.table, userId);
}
