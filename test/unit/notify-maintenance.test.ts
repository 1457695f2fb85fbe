// The maintenance notification: a tenant's maintenance window (or silence) starting or ending, told to
// its admins. It has no incident: its subject, frame and webhook body name the window and the tenant.
// A window's name and reason are typed by people: escaped on every channel like alert text.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_RULES } from '../../functions/catalog';
import { parseBusEvent } from '../../lib/domain/events';
import { verifyDeliverySignature } from '../../lib/ingest/signature';
import { NOTIFIED_EVENTS } from '../../lib/notify/event-notifier';
import { matchesPattern } from '../../local/aws/eventbridge-emulator';
import { channelsFor, DEFAULT_CHANNELS, notificationPreferencesSchema } from '../../lib/domain/notify/preferences';
import {
  notificationSchema,
  notificationScope,
  renderEmail,
  renderSlack,
  renderTeams,
  renderWebhook,
  type NotificationInput,
} from '../../lib/domain/notify/templates';

type Maintenance = Extract<NotificationInput, { kind: 'maintenance' }>;

const started: Maintenance = {
  kind: 'maintenance',
  at: '2026-03-02T22:00:00.000Z',
  edge: 'started',
  window: { id: 'mw-1', name: 'Patch night', kind: 'window', startsAt: '2026-03-02T22:00:00.000Z', endsAt: '2026-03-03T02:00:00.000Z' },
  tenant: { id: 'acme', name: 'Acme Corp' },
  url: 'https://aw.example.com/maintenance?tenant=acme',
};
const ended: Maintenance = {
  ...started,
  at: '2026-03-03T02:00:00.000Z',
  edge: 'ended',
  window: { ...started.window, reason: 'its time came' },
  released: 2,
};
const hostileName = '<script>alert("x")</script> <!channel> [click](https://evil) & *now*';
const hostile = (notification: Maintenance): Maintenance => ({
  ...notification,
  window: { ...notification.window, name: hostileName, reason: '<img src=x onerror=alert(1)> <!here>' },
  tenant: { id: 'acme', name: '<b>Acme</b>' },
});

describe('email', () => {
  test.each([
    ['started', started, '[Maintenance started] Patch night — Acme Corp', 'The maintenance window Patch night started for Acme Corp'],
    [
      'ended, incidents handed back',
      ended,
      '[Maintenance ended] Patch night — Acme Corp: 2 incidents still firing handed back',
      '2 incidents still firing were handed back to the normal treatment',
    ],
    [
      'ended, one handed back',
      { ...ended, released: 1 },
      '[Maintenance ended] Patch night — Acme Corp: 1 incident still firing handed back',
      '1 incident still firing was handed back',
    ],
    [
      'ended, nothing firing',
      { ...ended, released: 0 },
      '[Maintenance ended] Patch night — Acme Corp',
      'No incident it covered was still firing.',
    ],
    ['ended, not said', { ...ended, released: undefined }, '[Maintenance ended] Patch night — Acme Corp', 'ended for Acme Corp.'],
  ] as const)('%s: subject and text', (_name, notification, subject, inText) => {
    const email = renderEmail(notification);
    expect(email.subject).toBe(subject);
    expect(email.text).toContain(inText);
    expect(email.text).toContain('Open maintenance: https://aw.example.com/maintenance?tenant=acme');
    expect(email.text).toContain('-- Alert Whisperer · maintenance window mw-1');
    expect(email.text).not.toMatch(/incident inc|Severity|Asset/);
    expect(email.html).toMatch(/^<!DOCTYPE html>/);
    expect(email.html).toContain('href="https://aw.example.com/maintenance?tenant=acme"');
    expect(email.html).toContain('MAINTENANCE · Acme Corp');
  });

  test('the first lines, the window and its reason, in the recipient time zone', () => {
    const text = renderEmail(ended, { timeZone: 'Europe/Berlin' }).text;
    expect(text.split('\n')[0]).toBe('Maintenance ended: Patch night');
    expect(text).toContain('From:         2026-03-02 23:00 CET');
    expect(text).toContain('Until:        2026-03-03 03:00 CET');
    expect(text).toContain('Reason:       its time came');
    expect(text).toContain('Still firing: 2 incidents handed back');
    expect(renderEmail(started, { timeZone: 'Europe/Berlin' }).text).toContain('lasts until 2026-03-03 03:00 CET');
  });

  test('a silence says so; a tenant without a name is shown by its id', () => {
    const silence = renderEmail({
      ...started,
      window: { ...started.window, kind: 'silence', name: 'Known flapping' },
      tenant: { id: 'acme' },
    });
    expect(silence.subject).toBe('[Silence started] Known flapping — acme');
    expect(silence.text).toContain('The silence Known flapping started for acme');
    expect(silence.text).toContain('-- Alert Whisperer · silence mw-1');
  });

  test('a hostile window name is escaped in the HTML, kept as written in the text, and the subject is one line', () => {
    const email = renderEmail(hostile(started));
    expect(email.html).not.toMatch(/<script|<img|<b>Acme/);
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;!channel&gt;');
    expect(email.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(email.html).toContain('&lt;b&gt;Acme&lt;/b&gt;');
    expect(email.text).toContain(hostileName);
    const injected = renderEmail({ ...started, window: { ...started.window, name: 'Patch\r\nBcc: victim@example.com' } });
    expect(injected.subject).toBe('[Maintenance started] Patch Bcc: victim@example.com — Acme Corp');
  });
});

describe('Slack', () => {
  test('started: the fallback text is the subject, a header, the facts, a link to the maintenance page', () => {
    const message = renderSlack(started);
    expect(message.text).toBe('[Maintenance started] Patch night — Acme Corp');
    expect(message.blocks.map((block) => block.type)).toEqual(['header', 'section', 'section', 'actions', 'context']);
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Maintenance started: Patch night', emoji: true },
    });
    expect(message.blocks[1]).toMatchObject({
      text: { text: expect.stringMatching(/^:wrench: The maintenance window Patch night started/) },
    });
    const fields = (message.blocks[2] as { fields: Array<{ text: string }> }).fields.map((field) => field.text);
    expect(fields).toEqual(['*Company*\nAcme Corp', '*From*\n2026-03-02 22:00 UTC', '*Until*\n2026-03-03 02:00 UTC']);
    expect(message.blocks[3]).toMatchObject({
      elements: [
        { text: { text: 'Open maintenance' }, url: 'https://aw.example.com/maintenance?tenant=acme', action_id: 'open-maintenance' },
      ],
    });
    expect(message.blocks[4]).toMatchObject({ elements: [{ text: 'Alert Whisperer · Acme Corp · maintenance window mw-1' }] });
  });

  test('ended with incidents handed back is a warning; with none, good news', () => {
    const warning = renderSlack(ended);
    expect(warning.text).toBe('[Maintenance ended] Patch night — Acme Corp: 2 incidents still firing handed back');
    expect(warning.blocks[1]).toMatchObject({ text: { text: expect.stringMatching(/^:warning: /) } });
    expect(renderSlack({ ...ended, released: 0 }).blocks[1]).toMatchObject({
      text: { text: expect.stringMatching(/^:large_green_circle: /) },
    });
  });

  test('Slack control characters in the name and reason are escaped (no <!channel>, no <!here>)', () => {
    const message = renderSlack(hostile(ended));
    const json = JSON.stringify(message.blocks.filter((block) => block.type !== 'header'));
    expect(message.text).toContain('&lt;script&gt;alert("x")&lt;/script&gt; &lt;!channel&gt; [click](https://evil) &amp; *now*');
    expect(message.text).not.toContain('<!channel>');
    expect(json).not.toMatch(/<!channel>|<!here>|<script|<b>/);
    expect(json).toContain('&lt;!here&gt;');
  });
});

describe('Microsoft Teams', () => {
  const card = (notification: Maintenance) => renderTeams(notification).attachments[0]!.content;

  test('the card names the window and the tenant, links to the maintenance page', () => {
    const content = card(started);
    expect(content.body[0]).toMatchObject({ text: 'MAINTENANCE · Acme Corp', color: 'accent' });
    expect(content.body[1]).toMatchObject({ text: 'Maintenance started: Patch night', size: 'Large' });
    expect(content.body.find((element) => element.type === 'FactSet')).toEqual({
      type: 'FactSet',
      facts: [
        { title: 'Company', value: 'Acme Corp' },
        { title: 'From', value: '2026-03-02 22:00 UTC' },
        { title: 'Until', value: '2026-03-03 02:00 UTC' },
      ],
    });
    expect(content.body.at(-1)).toMatchObject({ text: 'Alert Whisperer · maintenance window mw-1' });
    expect(content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open maintenance', url: 'https://aw.example.com/maintenance?tenant=acme' },
    ]);
  });

  test('ended: warning when incidents were handed back, good otherwise', () => {
    expect(card(ended).body[0]).toMatchObject({ color: 'warning' });
    expect(card(ended).body[1]).toMatchObject({ text: 'Maintenance ended: Patch night' });
    expect(card({ ...ended, released: 0 }).body[0]).toMatchObject({ color: 'good' });
  });

  test('Markdown links and emphasis in the name are neutralised', () => {
    const body = JSON.stringify(card(hostile(started)).body);
    expect(body).toContain('\\\\[click\\\\](https://evil)');
    expect(body).toContain('\\\\*now\\\\*');
    expect(body).not.toContain('"[click](https://evil)');
  });
});

describe('generic outbound webhook', () => {
  const now = new Date('2026-03-03T02:00:05.000Z');

  test('a maintenance.<edge> event with the window instead of an incident, signed like the others', () => {
    const request = renderWebhook(ended, { secret: 's3cret', deliveryId: 'evt-1', now });
    expect(JSON.parse(request.body)).toEqual({
      id: 'evt-1',
      type: 'maintenance.ended',
      occurredAt: '2026-03-03T02:00:00.000Z',
      tenantId: 'acme',
      window: ended.window,
      data: { tenant: { id: 'acme', name: 'Acme Corp' }, released: 2, url: 'https://aw.example.com/maintenance?tenant=acme' },
    });
    expect(request.headers).toMatchObject({ 'x-event-type': 'maintenance.ended', 'x-delivery-id': 'evt-1' });
    const input = {
      signature: request.headers['x-signature'],
      timestamp: request.headers['x-timestamp'],
      deliveryId: request.headers['x-delivery-id'],
      rawBody: request.body,
    };
    expect(() => verifyDeliverySignature(input, { secret: 's3cret', required: true }, now)).not.toThrow();
    expect(JSON.parse(renderWebhook(started, { secret: 's3cret', deliveryId: 'evt-0', now }).body).type).toBe('maintenance.started');
  });
});

describe('schema and scope', () => {
  test('refuses an incident, a link that is not http(s), an unknown edge, a negative count', () => {
    expect(notificationSchema.safeParse(started).success).toBe(true);
    expect(notificationSchema.safeParse({ ...started, incident: {} }).success).toBe(false);
    expect(notificationSchema.safeParse({ ...started, url: 'javascript:alert(1)' }).success).toBe(false);
    expect(notificationSchema.safeParse({ ...started, edge: 'paused' }).success).toBe(false);
    expect(notificationSchema.safeParse({ ...ended, released: -1 }).success).toBe(false);
    expect(notificationSchema.safeParse({ ...started, window: { ...started.window, kind: 'outage' } }).success).toBe(false);
  });

  test('the delivery records name the tenant and the window as its events do; severity info (never breaks quiet hours)', () => {
    expect(notificationScope(notificationSchema.parse(started))).toEqual({
      tenantId: 'acme',
      incidentId: 'maintenance:mw-1',
      severity: 'info',
    });
  });
});

describe('preferences', () => {
  const prefs = (input: Record<string, unknown> = {}) => notificationPreferencesSchema.parse({ userId: 'u1', ...input });
  const event = { kind: 'maintenance' as const, severity: notificationScope(notificationSchema.parse(started)).severity };

  test('on by default: email and the dashboard', () => {
    expect(DEFAULT_CHANNELS.maintenance).toEqual(['email', 'dashboard']);
    expect(channelsFor(prefs(), event, new Date()).channels).toEqual(['email', 'dashboard']);
  });

  test('an empty list turns it off for that user only; other channels can be chosen', () => {
    expect(channelsFor(prefs({ channels: { maintenance: [] } }), event, new Date())).toEqual({
      channels: [],
      deferred: [],
      deferUntil: null,
      reason: 'maintenance notifications are off',
    });
    expect(channelsFor(prefs({ channels: { maintenance: ['slack'] } }), event, new Date()).channels).toEqual(['slack']);
    expect(channelsFor(prefs({ channels: { assignment: [] } }), event, new Date()).channels).toEqual(['email', 'dashboard']);
  });

  test('quiet hours hold the email back (not critical); the dashboard is not held', () => {
    const nightOwl = prefs({ timeZone: 'Europe/Berlin', quietHours: { from: '22:00', to: '07:00' } });
    expect(channelsFor(nightOwl, event, new Date('2026-03-02T22:30:00Z'))).toEqual({
      channels: ['dashboard'],
      deferred: ['email'],
      deferUntil: '2026-03-03T06:00:00.000Z',
      reason: 'quiet hours until 07:00 Europe/Berlin',
    });
  });
});

describe('wiring', () => {
  test.each(['maintenance-started', 'maintenance-ended'])('the sla function receives %s (its sample) and notifies for it', (file) => {
    const sample = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'events', 'domain', `${file}.json`), 'utf8'));
    const event = parseBusEvent(sample);
    expect(NOTIFIED_EVENTS as readonly string[]).toContain(event.detailType);
    const receivers = EVENT_RULES.filter((rule) => matchesPattern(rule.pattern, sample)).map((rule) => rule.function);
    expect(receivers).toContain('sla');
  });
});
