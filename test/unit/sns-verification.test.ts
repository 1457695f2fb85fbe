// SNS HTTPS deliveries: signature verification, certificate URL checks and subscription handling.
// README: no network and no openssl CLI. An RSA key pair is generated with node:crypto and a self-signed
// X.509 certificate is assembled here in DER (node:crypto can parse certificates but not create them);
// the envelopes are signed with that key, and fetchCertificate is a mock that returns the certificate.
// The Signature values in events/webhooks/cloudwatch/*.json are placeholders; the samples are re-signed
// here before use.
import { X509Certificate, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { jest } from '@jest/globals';
import * as z from 'zod';
import { cloudWatchViaSnsAdapter } from '../../lib/ingest/cloudwatch';
import {
  SnsVerificationError,
  handleSnsDelivery,
  isAllowedSigningCertUrl,
  isAllowedSnsUrl,
  snsEnvelopeSchema,
  stringToSign,
  verifySnsSignature,
  type SnsEnvelope,
} from '../../lib/ingest/sns';

const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:acme-cloudwatch-alarms';

// --- A minimal DER encoder, enough for one self-signed certificate ----------------------------------

function der(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([header, content]);
}
const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => der(0x31, Buffer.concat(parts));
const int = (bytes: number[]) => der(0x02, Buffer.from(bytes));
const nul = () => Buffer.from([0x05, 0x00]);
const utf8 = (text: string) => der(0x0c, Buffer.from(text, 'utf8'));
const utcTime = (date: Date) => der(0x17, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`, 'ascii'));
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [40 * a + b];
  for (const value of rest) {
    const chunk = [value & 0x7f];
    for (let v = value >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

/** A self-signed X.509 v3 certificate (sha256WithRSAEncryption) for the key pair, as PEM. */
function selfSignedCertificate(publicKey: KeyObject, privateKey: KeyObject, commonName: string): string {
  const algorithm = seq(oid('1.2.840.113549.1.1.11'), nul());
  const name = seq(set(seq(oid('2.5.4.3'), utf8(commonName))));
  const now = Date.now();
  const tbs = seq(
    der(0xa0, int([2])),
    int([0x01, 0x23, 0x45, 0x67]),
    algorithm,
    name,
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = seq(tbs, algorithm, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const base64 = certificate.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`;
}

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = selfSignedCertificate(publicKey, privateKey, 'sns.amazonaws.com');
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const OTHER_PEM = selfSignedCertificate(other.publicKey, other.privateKey, 'sns.amazonaws.com');

function signed<T extends SnsEnvelope>(envelope: T, version: '1' | '2' = '2', key: KeyObject = privateKey): T {
  const withVersion = { ...envelope, SignatureVersion: version };
  const signature = sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(stringToSign(withVersion), 'utf8'), key).toString('base64');
  return { ...withVersion, Signature: signature };
}

function sample(path: string): any {
  return JSON.parse(readFileSync(new URL(`../../events/${path}`, import.meta.url), 'utf8'));
}

/** The sample firing notification, pointed at our test certificate URL (not yet signed). */
function notification(overrides: Record<string, unknown> = {}): SnsEnvelope {
  return snsEnvelopeSchema.parse({
    ...sample('webhooks/cloudwatch/firing.json'),
    SigningCertURL: CERT_URL,
    TopicArn: TOPIC_ARN,
    ...overrides,
  });
}

function subscriptionConfirmation(overrides: Record<string, unknown> = {}): SnsEnvelope {
  return snsEnvelopeSchema.parse({
    ...sample('webhooks/cloudwatch/subscription-confirmation.json'),
    SigningCertURL: CERT_URL,
    ...overrides,
  });
}

function unsubscribeConfirmation(): SnsEnvelope {
  return subscriptionConfirmation({
    Type: 'UnsubscribeConfirmation',
    Message: `You have chosen to deactivate subscription ${TOPIC_ARN}:5f1b8c2e.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.`,
  });
}

function fetcher(pem = PEM) {
  return jest.fn(async (_url: string) => pem);
}

async function verificationError(promise: Promise<unknown>): Promise<SnsVerificationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SnsVerificationError);
  return error as SnsVerificationError;
}

test('the test certificate is a real X.509 certificate for the generated key', () => {
  const certificate = new X509Certificate(PEM);
  expect(certificate.subject).toBe('CN=sns.amazonaws.com');
  expect(certificate.verify(publicKey)).toBe(true);
});

describe('stringToSign', () => {
  test('Notification: Message, MessageId, Subject, Timestamp, TopicArn, Type, each line followed by \\n', () => {
    const envelope = snsEnvelopeSchema.parse({
      Type: 'Notification',
      MessageId: 'm-1',
      TopicArn: 'arn:t',
      Subject: 'subj',
      Message: 'line one\nline two',
      Timestamp: '2026-11-24T19:01:12.512Z',
      SignatureVersion: '1',
      Signature: 'x',
      SigningCertURL: CERT_URL,
      UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
    });
    expect(stringToSign(envelope)).toBe(
      'Message\nline one\nline two\nMessageId\nm-1\nSubject\nsubj\nTimestamp\n2026-11-24T19:01:12.512Z\nTopicArn\narn:t\nType\nNotification\n',
    );
  });

  test('Notification without Subject leaves the Subject lines out', () => {
    const { Subject: _s, ...rest } = notification() as any;
    const text = stringToSign(snsEnvelopeSchema.parse(rest));
    expect(text).not.toContain('Subject');
    expect(
      text
        .split('\n')
        .filter((_, i) => i % 2 === 0)
        .slice(0, 5),
    ).toEqual(['Message', 'MessageId', 'Timestamp', 'TopicArn', 'Type']);
  });

  test('SubscriptionConfirmation: Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type', () => {
    const envelope = snsEnvelopeSchema.parse({
      Type: 'SubscriptionConfirmation',
      MessageId: 'm-2',
      Token: 'tok',
      TopicArn: 'arn:t',
      Message: 'confirm',
      SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription',
      Timestamp: '2026-11-20T09:12:44.106Z',
      SignatureVersion: '1',
      Signature: 'x',
      SigningCertURL: CERT_URL,
    });
    expect(stringToSign(envelope)).toBe(
      'Message\nconfirm\nMessageId\nm-2\nSubscribeURL\nhttps://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription\nTimestamp\n2026-11-20T09:12:44.106Z\nToken\ntok\nTopicArn\narn:t\nType\nSubscriptionConfirmation\n',
    );
  });

  test('UnsubscribeConfirmation uses the confirmation fields and its own Type', () => {
    expect(stringToSign(unsubscribeConfirmation())).toMatch(
      /^Message\n[\s\S]*\nSubscribeURL\n[\s\S]*\nToken\n[\s\S]*\nType\nUnsubscribeConfirmation\n$/,
    );
  });
});

describe('certificate and SNS URL checks', () => {
  test.each([
    ['https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem'],
    ['https://sns.eu-central-2.amazonaws.com/SimpleNotificationService-abc.pem'],
    ['https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-abc.pem'],
    ['https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem'],
    ['https://SNS.US-EAST-1.AMAZONAWS.COM/SimpleNotificationService-abc.pem'],
    ['https://sns.us-east-1.amazonaws.com:443/SimpleNotificationService-abc.pem'],
  ])('%s is an allowed certificate URL', (url) => {
    expect(isAllowedSigningCertUrl(url)).toBe(true);
  });

  test.each([
    ['http://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem'],
    ['https://sns.us-east-1.amazonaws.com.evil.example/x.pem'],
    ['https://evil.example/sns.us-east-1.amazonaws.com/x.pem'],
    ['https://sns.us-east-1.amazonaws.com@evil.example/x.pem'],
    ['https://user:pw@sns.us-east-1.amazonaws.com/x.pem'],
    ['https://sns.us-east-1.amazonaws.com:8443/x.pem'],
    ['https://sqs.us-east-1.amazonaws.com/x.pem'],
    ['https://sns.amazonaws.com/x.pem'],
    ['https://xsns.us-east-1.amazonaws.com/x.pem'],
    ['https://sns.s3-us-west-2.amazonaws.com/x.pem'],
    ['https://sns.s3.amazonaws.com/x.pem'],
    ['https://sns.evil.s3.amazonaws.com/x.pem'],
    ['https://sns.us-east-1.amazonaws.com/x.txt'],
    ['https://sns.us-east-1.amazonaws.com/x.pem?redirect=https://evil.example'],
    ['file:///etc/passwd.pem'],
    ['not a url'],
  ])('%s is refused as a certificate URL', (url) => {
    expect(isAllowedSigningCertUrl(url)).toBe(false);
  });

  test('SubscribeURLs: the SNS API with query string is allowed; other hosts are not', () => {
    expect(isAllowedSnsUrl(`https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC_ARN}&Token=abc`)).toBe(true);
    expect(isAllowedSnsUrl('https://sns.us-east-1.amazonaws.com.evil.example/?Action=ConfirmSubscription')).toBe(false);
    expect(isAllowedSnsUrl('http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription')).toBe(false);
    expect(isAllowedSnsUrl('https://169.254.169.254/latest/meta-data/')).toBe(false);
  });
});

describe('verifySnsSignature', () => {
  test.each([['1'], ['2']] as const)('a Notification signed with SignatureVersion %s passes', async (version) => {
    const fetchCertificate = fetcher();
    await expect(verifySnsSignature(signed(notification(), version), { fetchCertificate })).resolves.toBeUndefined();
    expect(fetchCertificate).toHaveBeenCalledWith(CERT_URL);
  });

  test.each([['1'], ['2']] as const)('a SubscriptionConfirmation signed with SignatureVersion %s passes', async (version) => {
    await expect(verifySnsSignature(signed(subscriptionConfirmation(), version), { fetchCertificate: fetcher() })).resolves.toBeUndefined();
  });

  test('an UnsubscribeConfirmation signed passes', async () => {
    await expect(verifySnsSignature(signed(unsubscribeConfirmation()), { fetchCertificate: fetcher() })).resolves.toBeUndefined();
  });

  test('a Notification without Subject signed passes', async () => {
    const { Subject: _s, ...rest } = notification() as any;
    await expect(verifySnsSignature(signed(snsEnvelopeSchema.parse(rest)), { fetchCertificate: fetcher() })).resolves.toBeUndefined();
  });

  test.each<[string, Record<string, unknown>]>([
    ['Message', { Message: '{"AlarmName":"forged"}' }],
    ['MessageId', { MessageId: 'another-id' }],
    ['Subject', { Subject: 'OK: all good' }],
    ['Timestamp', { Timestamp: '2026-11-24T19:01:13.000Z' }],
    ['TopicArn', { TopicArn: 'arn:aws:sns:us-east-1:999999999999:evil' }],
  ])('a tampered %s fails with bad_signature', async (_field, tamper) => {
    const envelope = { ...signed(notification(), '2'), ...tamper } as SnsEnvelope;
    const error = await verificationError(verifySnsSignature(envelope, { fetchCertificate: fetcher() }));
    expect(error.reason).toBe('bad_signature');
    expect(error.status).toBe(403);
  });

  test('a v1 signature presented as v2 fails', async () => {
    const envelope = { ...signed(notification(), '1'), SignatureVersion: '2' };
    expect((await verificationError(verifySnsSignature(envelope, { fetchCertificate: fetcher() }))).reason).toBe('bad_signature');
  });

  test("a signature from another key (the certificate at the URL is not the signer's) fails", async () => {
    const envelope = signed(notification(), '2', other.privateKey);
    expect((await verificationError(verifySnsSignature(envelope, { fetchCertificate: fetcher() }))).reason).toBe('bad_signature');
    await expect(verifySnsSignature(envelope, { fetchCertificate: fetcher(OTHER_PEM) })).resolves.toBeUndefined();
  });

  test('a tampered SubscribeURL in a SubscriptionConfirmation fails', async () => {
    const envelope = {
      ...signed(subscriptionConfirmation()),
      SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x',
    };
    expect((await verificationError(verifySnsSignature(envelope, { fetchCertificate: fetcher() }))).reason).toBe('bad_signature');
  });

  test('a signature that is not base64 of anything sensible fails', async () => {
    const envelope = { ...signed(notification()), Signature: '!!!not-base64!!!' };
    expect((await verificationError(verifySnsSignature(envelope, { fetchCertificate: fetcher() }))).reason).toBe('bad_signature');
  });

  test.each([
    ['https://sns.us-east-1.amazonaws.com.evil.example/x.pem'],
    ['http://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem'],
    ['https://evil.example/SimpleNotificationService-abc.pem'],
  ])('a certificate URL %s is refused without fetching', async (url) => {
    const fetchCertificate = fetcher();
    const envelope = signed(notification({ SigningCertURL: url }));
    const error = await verificationError(verifySnsSignature(envelope, { fetchCertificate }));
    expect(error.reason).toBe('disallowed_certificate_url');
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  test.each([['3'], ['0'], [''], ['constructor']])('SignatureVersion %p is refused without fetching', async (version) => {
    const fetchCertificate = fetcher();
    const envelope = { ...signed(notification()), SignatureVersion: version };
    const error = await verificationError(verifySnsSignature(envelope, { fetchCertificate }));
    expect(error.reason).toBe('unsupported_signature_version');
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  test('the certificate is cached by URL: one fetch for two messages', async () => {
    const fetchCertificate = fetcher();
    const cache = new Map<string, string>();
    await verifySnsSignature(signed(notification(), '1'), { fetchCertificate, cache });
    await verifySnsSignature(signed(notification({ MessageId: 'second' }), '2'), { fetchCertificate, cache });
    expect(fetchCertificate).toHaveBeenCalledTimes(1);
    expect(cache.get(CERT_URL)).toBe(PEM);
  });

  test('a failed fetch is certificate_fetch_failed (503, so SNS retries) and nothing is cached', async () => {
    const cache = new Map<string, string>();
    const fetchCertificate = jest.fn(async (_url: string): Promise<string> => {
      throw new Error('timeout');
    });
    const error = await verificationError(verifySnsSignature(signed(notification()), { fetchCertificate, cache }));
    expect(error.reason).toBe('certificate_fetch_failed');
    expect(error.status).toBe(503);
    expect(cache.size).toBe(0);
  });

  test('a body that is not a certificate is invalid_certificate and is not kept in the cache', async () => {
    const cache = new Map<string, string>();
    const error = await verificationError(
      verifySnsSignature(signed(notification()), { fetchCertificate: fetcher('<html>hi</html>'), cache }),
    );
    expect(error.reason).toBe('invalid_certificate');
    expect(cache.size).toBe(0);
  });
});

describe('handleSnsDelivery', () => {
  function deps(overrides: Partial<Parameters<typeof handleSnsDelivery>[1]> = {}) {
    return {
      verify: true,
      fetchCertificate: fetcher(),
      cache: new Map<string, string>(),
      registeredTopicArns: [TOPIC_ARN],
      confirmSubscription: jest.fn(async (_url: string) => undefined),
      ...overrides,
    };
  }

  test('a signed Notification is handed back, and the cloudwatch adapter maps it', async () => {
    const envelope = signed(notification(), '1');
    const outcome = await handleSnsDelivery(JSON.parse(JSON.stringify(envelope)), deps());
    expect(outcome).toEqual({ kind: 'notification', envelope });
    if (outcome.kind !== 'notification') throw new Error('unreachable');
    const [alert] = cloudWatchViaSnsAdapter(outcome.envelope, new Date('2026-11-24T19:01:13Z'));
    expect(alert).toMatchObject({ status: 'firing', assetRef: 'i-0a1b2c3d4e5f60001', toolDeliveryId: `sns:${envelope.MessageId}` });
  });

  test('a tampered Notification is refused', async () => {
    const envelope = { ...signed(notification()), Message: '{}' };
    expect((await verificationError(handleSnsDelivery(envelope, deps()))).reason).toBe('bad_signature');
  });

  test('a SubscriptionConfirmation for a registered topic is confirmed with its SubscribeURL', async () => {
    const envelope = signed(subscriptionConfirmation());
    const d = deps();
    await expect(handleSnsDelivery(envelope, d)).resolves.toEqual({ kind: 'subscription-confirmed', topicArn: TOPIC_ARN });
    expect(d.confirmSubscription).toHaveBeenCalledTimes(1);
    expect(d.confirmSubscription).toHaveBeenCalledWith((envelope as { SubscribeURL: string }).SubscribeURL);
  });

  test('a SubscriptionConfirmation for an unregistered topic is refused and not confirmed', async () => {
    const other = 'arn:aws:sns:us-east-1:999999999999:someone-else';
    const envelope = signed(
      subscriptionConfirmation({
        TopicArn: other,
        SubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${other}&Token=abc`,
      }),
    );
    const d = deps();
    await expect(handleSnsDelivery(envelope, d)).resolves.toEqual({
      kind: 'subscription-refused',
      topicArn: other,
      reason: 'topic-not-registered',
    });
    expect(d.confirmSubscription).not.toHaveBeenCalled();
  });

  test('a SubscribeURL on a disallowed host is refused, even for a registered topic with a valid signature', async () => {
    const envelope = signed(
      subscriptionConfirmation({ SubscribeURL: 'https://sns.us-east-1.amazonaws.com.evil.example/?Action=ConfirmSubscription' }),
    );
    const d = deps();
    await expect(handleSnsDelivery(envelope, d)).resolves.toEqual({
      kind: 'subscription-refused',
      topicArn: TOPIC_ARN,
      reason: 'subscribe-url-not-allowed',
    });
    expect(d.confirmSubscription).not.toHaveBeenCalled();
  });

  test('an unsigned (tampered) SubscriptionConfirmation is not confirmed', async () => {
    const envelope = { ...signed(subscriptionConfirmation()), Token: 'other' };
    const d = deps();
    expect((await verificationError(handleSnsDelivery(envelope, d))).reason).toBe('bad_signature');
    expect(d.confirmSubscription).not.toHaveBeenCalled();
  });

  test('an UnsubscribeConfirmation is only noted', async () => {
    const d = deps();
    await expect(handleSnsDelivery(signed(unsubscribeConfirmation()), d)).resolves.toEqual({
      kind: 'unsubscribe-noted',
      topicArn: TOPIC_ARN,
    });
    expect(d.confirmSubscription).not.toHaveBeenCalled();
  });

  test('the failure of confirmSubscription propagates (SNS resends the confirmation)', async () => {
    const d = deps({ confirmSubscription: jest.fn(async (_url: string) => Promise.reject(new Error('503 from SNS'))) });
    await expect(handleSnsDelivery(signed(subscriptionConfirmation()), d)).rejects.toThrow('503 from SNS');
  });

  test('with verify:false nothing is fetched and placeholder signatures pass', async () => {
    const d = deps({ verify: false });
    const firing = sample('webhooks/cloudwatch/firing.json');
    await expect(handleSnsDelivery(firing, d)).resolves.toMatchObject({ kind: 'notification' });
    await expect(handleSnsDelivery(sample('webhooks/cloudwatch/subscription-confirmation.json'), d)).resolves.toEqual({
      kind: 'subscription-confirmed',
      topicArn: TOPIC_ARN,
    });
    expect(d.fetchCertificate).not.toHaveBeenCalled();
  });

  test('with verify:false the SubscribeURL and topic checks still apply', async () => {
    const d = deps({ verify: false });
    const evil = {
      ...sample('webhooks/cloudwatch/subscription-confirmation.json'),
      SubscribeURL: 'http://169.254.169.254/latest/meta-data/',
    };
    await expect(handleSnsDelivery(evil, d)).resolves.toMatchObject({ kind: 'subscription-refused', reason: 'subscribe-url-not-allowed' });
    expect(d.confirmSubscription).not.toHaveBeenCalled();
  });

  test('the placeholder signature of a sample fails real verification', async () => {
    const d = deps();
    const firing = { ...sample('webhooks/cloudwatch/firing.json'), SigningCertURL: CERT_URL };
    expect((await verificationError(handleSnsDelivery(firing, d))).reason).toBe('bad_signature');
  });

  test.each<[string, unknown]>([
    ['an unknown Type', { ...sample('webhooks/cloudwatch/firing.json'), Type: 'Gossip' }],
    ['a Notification without Signature', { ...sample('webhooks/cloudwatch/firing.json'), Signature: undefined }],
    [
      'a SubscriptionConfirmation without SubscribeURL',
      { ...sample('webhooks/cloudwatch/subscription-confirmation.json'), SubscribeURL: undefined },
    ],
    ['a plain alarm JSON', JSON.parse(sample('webhooks/cloudwatch/firing.json').Message)],
    ['a string', 'hello'],
  ])('%s is not an SNS envelope: ZodError', async (_name, body) => {
    await expect(handleSnsDelivery(body, deps())).rejects.toBeInstanceOf(z.ZodError);
  });
});
