import { X509Certificate, verify as verifySignature } from 'node:crypto';
import * as z from 'zod';
import { AppError } from '../errors';

/**
 * SNS HTTPS deliveries (`POST /v1/webhooks/cloudwatch?api_key=...`): the JSON envelope of the three
 * message types, its signature check, and what to do with each type. SNS cannot set headers, so the
 * tenant comes from the api_key query parameter; the envelope arrives with `Content-Type: text/plain`
 * and `x-amz-sns-message-type` set to its Type.
 *
 * The checks follow "Verifying the signatures of Amazon SNS messages" (SNS developer guide):
 * the SigningCertURL must be an https URL on an SNS host before anything is fetched; the string to
 * sign is a fixed list of `Key\nValue\n` lines per message type; SignatureVersion 1 is SHA1withRSA and
 * 2 is SHA256withRSA over that string, with the certificate's public key.
 */

const commonFields = {
  MessageId: z.string().trim().min(1),
  TopicArn: z.string().trim().min(1),
  Message: z.string(),
  Timestamp: z.string().min(1),
  SignatureVersion: z.string().min(1),
  Signature: z.string().min(1),
  SigningCertURL: z.string().min(1),
};

export const snsNotificationEnvelopeSchema = z.looseObject({
  Type: z.literal('Notification'),
  ...commonFields,
  /** Only present when the publisher gave one. */
  Subject: z.string().nullish(),
  UnsubscribeURL: z.string().optional(),
});

export const snsSubscriptionConfirmationSchema = z.looseObject({
  Type: z.literal('SubscriptionConfirmation'),
  ...commonFields,
  Token: z.string().min(1),
  SubscribeURL: z.string().min(1),
});

export const snsUnsubscribeConfirmationSchema = z.looseObject({
  Type: z.literal('UnsubscribeConfirmation'),
  ...commonFields,
  Token: z.string().min(1),
  SubscribeURL: z.string().min(1),
});

export const snsEnvelopeSchema = z.discriminatedUnion('Type', [
  snsNotificationEnvelopeSchema,
  snsSubscriptionConfirmationSchema,
  snsUnsubscribeConfirmationSchema,
]);

export type SnsEnvelope = z.infer<typeof snsEnvelopeSchema>;
export type SnsNotificationEnvelope = z.infer<typeof snsNotificationEnvelopeSchema>;

/**
 * An SNS endpoint host: `sns.<region>.amazonaws.com`, or `.amazonaws.com.cn` in the China regions.
 * The middle label must look like a region code (us-east-1, us-gov-west-1, cn-north-1...), a strict
 * subset of `sns.[a-z0-9-]+.amazonaws.com`: a looser pattern also matches legacy S3 website and
 * dash-region hosts such as `sns.s3-us-west-2.amazonaws.com`, that is an S3 bucket named "sns" that
 * anyone could own, serving a certificate of their choosing.
 */
const SNS_HOST = /^sns\.[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}\.amazonaws\.com(?:\.cn)?$/;

function allowedSnsUrl(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:') return undefined;
  if (url.username || url.password) return undefined;
  // URL drops the default port, so 443 written out reads as ''.
  if (url.port !== '') return undefined;
  if (!SNS_HOST.test(url.hostname)) return undefined;
  return url;
}

/** A SubscribeURL (or UnsubscribeURL) we may call: https on an SNS host, no userinfo, port 443. */
export function isAllowedSnsUrl(url: string): boolean {
  return allowedSnsUrl(url) !== undefined;
}

/** A SigningCertURL we may fetch: as isAllowedSnsUrl, and a `.pem` path without query or fragment. */
export function isAllowedSigningCertUrl(url: string): boolean {
  const parsed = allowedSnsUrl(url);
  return parsed !== undefined && parsed.pathname.endsWith('.pem') && parsed.search === '' && parsed.hash === '';
}

/**
 * The string SNS signs, per message type, each key and value followed by a newline, in this order:
 * - Notification: Message, MessageId, Subject (only when present), Timestamp, TopicArn, Type;
 * - SubscriptionConfirmation and UnsubscribeConfirmation: Message, MessageId, SubscribeURL,
 *   Timestamp, Token, TopicArn, Type.
 */
export function stringToSign(envelope: SnsEnvelope): string {
  const fields: [string, string][] =
    envelope.Type === 'Notification'
      ? [
          ['Message', envelope.Message],
          ['MessageId', envelope.MessageId],
          ...(typeof envelope.Subject === 'string' ? [['Subject', envelope.Subject] as [string, string]] : []),
          ['Timestamp', envelope.Timestamp],
          ['TopicArn', envelope.TopicArn],
          ['Type', envelope.Type],
        ]
      : [
          ['Message', envelope.Message],
          ['MessageId', envelope.MessageId],
          ['SubscribeURL', envelope.SubscribeURL],
          ['Timestamp', envelope.Timestamp],
          ['Token', envelope.Token],
          ['TopicArn', envelope.TopicArn],
          ['Type', envelope.Type],
        ];
  return fields.map(([key, value]) => `${key}\n${value}\n`).join('');
}

export type SnsVerificationReason =
  'unsupported_signature_version' | 'disallowed_certificate_url' | 'certificate_fetch_failed' | 'invalid_certificate' | 'bad_signature';

/**
 * A delivery that is not provably from SNS: 403, except a certificate that could not be fetched from
 * an allowed SNS URL (503, our side or AWS's, so SNS retries the delivery later).
 */
export class SnsVerificationError extends AppError {
  constructor(
    readonly reason: SnsVerificationReason,
    message: string,
  ) {
    super(reason === 'certificate_fetch_failed' ? 503 : 403, 'sns_verification_failed', message, { reason });
    this.name = 'SnsVerificationError';
  }
}

const ALGORITHMS: Record<string, string> = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' };

/** Certificates kept per URL; SNS uses a handful, so a cap only guards against a growing map. */
const MAX_CACHED_CERTIFICATES = 50;

export interface SnsVerifyDeps {
  /** Returns the PEM at an allowed SigningCertURL (only called after the URL check). */
  fetchCertificate: (url: string) => Promise<string>;
  cache?: Map<string, string>;
}

async function certificateFor(url: string, deps: SnsVerifyDeps): Promise<string> {
  const cached = deps.cache?.get(url);
  if (cached !== undefined) return cached;
  let pem: string;
  try {
    pem = await deps.fetchCertificate(url);
  } catch (error) {
    throw new SnsVerificationError('certificate_fetch_failed', `Could not fetch the SNS signing certificate: ${(error as Error).message}`);
  }
  if (deps.cache) {
    if (deps.cache.size >= MAX_CACHED_CERTIFICATES) deps.cache.clear();
    deps.cache.set(url, pem);
  }
  return pem;
}

/** Throws SnsVerificationError unless the envelope carries a valid SNS signature. */
export async function verifySnsSignature(envelope: SnsEnvelope, deps: SnsVerifyDeps): Promise<void> {
  const algorithm = Object.hasOwn(ALGORITHMS, envelope.SignatureVersion) ? ALGORITHMS[envelope.SignatureVersion] : undefined;
  if (!algorithm) {
    throw new SnsVerificationError('unsupported_signature_version', `Unsupported SNS SignatureVersion '${envelope.SignatureVersion}'`);
  }
  if (!isAllowedSigningCertUrl(envelope.SigningCertURL)) {
    throw new SnsVerificationError('disallowed_certificate_url', 'SigningCertURL is not an https URL on an SNS host');
  }
  const pem = await certificateFor(envelope.SigningCertURL, deps);
  let publicKey;
  try {
    publicKey = new X509Certificate(pem).publicKey;
  } catch {
    deps.cache?.delete(envelope.SigningCertURL);
    throw new SnsVerificationError('invalid_certificate', 'The SNS signing certificate is not a valid X.509 certificate');
  }
  let valid: boolean;
  try {
    valid = verifySignature(algorithm, Buffer.from(stringToSign(envelope), 'utf8'), publicKey, Buffer.from(envelope.Signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) throw new SnsVerificationError('bad_signature', 'The SNS message signature does not match');
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/;
const MAX_CERTIFICATE_BYTES = 64 * 1024;

/**
 * The real certificate fetcher: GET over https with a timeout, no redirects (a redirect could lead
 * off the SNS host), 200 and a PEM certificate only. Checks the URL again itself, for any caller.
 */
export function httpsCertificateFetcher(timeoutMs = 3000): (url: string) => Promise<string> {
  return async (url) => {
    if (!isAllowedSigningCertUrl(url)) throw new Error('SigningCertURL is not allowed');
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    if (response.status !== 200) throw new Error(`certificate fetch answered ${response.status}`);
    const body = await response.text();
    if (body.length > MAX_CERTIFICATE_BYTES || !PEM_CERTIFICATE.test(body))
      throw new Error('certificate fetch did not return a PEM certificate');
    return body;
  };
}

/** The real subscription confirmer: GET the SubscribeURL (checked again here), 2xx only. */
export function httpsSubscriptionConfirmer(timeoutMs = 3000): (subscribeUrl: string) => Promise<void> {
  return async (subscribeUrl) => {
    if (!isAllowedSnsUrl(subscribeUrl)) throw new Error('SubscribeURL is not allowed');
    const response = await fetch(subscribeUrl, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    await response.body?.cancel();
    if (response.status < 200 || response.status > 299) throw new Error(`ConfirmSubscription answered ${response.status}`);
  };
}

export interface SnsDeliveryDeps extends SnsVerifyDeps {
  /** Check signatures; false only by an explicit setting (local mode), never by default. */
  verify: boolean;
  /** The topics the tenant registered: only their subscriptions are confirmed. */
  registeredTopicArns: string[];
  confirmSubscription: (subscribeUrl: string) => Promise<void>;
}

export type SnsDeliveryOutcome =
  | { kind: 'notification'; envelope: SnsNotificationEnvelope }
  | { kind: 'subscription-confirmed'; topicArn: string }
  | { kind: 'subscription-refused'; topicArn: string; reason: 'topic-not-registered' | 'subscribe-url-not-allowed' }
  | { kind: 'unsubscribe-noted'; topicArn: string };

/**
 * One SNS delivery: parse (ZodError when it is not an SNS envelope), verify the signature unless
 * `verify` is false, then act by Type. A SubscriptionConfirmation is confirmed (GET SubscribeURL) only
 * for a topic the tenant registered and only on an SNS host; an UnsubscribeConfirmation is only noted
 * (re-subscribing is the client's decision); a Notification is handed back for the cloudwatch adapter.
 * Errors of confirmSubscription propagate (SNS resends the confirmation when it gets an error answer).
 */
export async function handleSnsDelivery(body: unknown, deps: SnsDeliveryDeps): Promise<SnsDeliveryOutcome> {
  const envelope = snsEnvelopeSchema.parse(body);
  if (deps.verify !== false) await verifySnsSignature(envelope, deps);
  switch (envelope.Type) {
    case 'Notification':
      return { kind: 'notification', envelope };
    case 'SubscriptionConfirmation': {
      const topicArn = envelope.TopicArn;
      if (!deps.registeredTopicArns.includes(topicArn)) return { kind: 'subscription-refused', topicArn, reason: 'topic-not-registered' };
      if (!isAllowedSnsUrl(envelope.SubscribeURL)) return { kind: 'subscription-refused', topicArn, reason: 'subscribe-url-not-allowed' };
      await deps.confirmSubscription(envelope.SubscribeURL);
      return { kind: 'subscription-confirmed', topicArn };
    }
    case 'UnsubscribeConfirmation':
      return { kind: 'unsubscribe-noted', topicArn: envelope.TopicArn };
  }
}
