// Notification rendering: email (subject, HTML, text), Slack Block Kit, Teams Adaptive
// Card, and the signed generic webhook. Alert text is untrusted: it is escaped for every channel.
import { verifyDeliverySignature } from '../../lib/ingest/signature';
import {
  escapeTeams,
  formatDuration,
  formatInstant,
  notificationSchema,
  renderEmail,
  renderSlack,
  renderTeams,
  renderWebhook,
  type NotificationInput,
  type NotificationKind,
} from '../../lib/domain/notify/templates';

const T0 = '2026-03-02T10:00:00.000Z';
const iso = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
type Of<K extends NotificationKind> = Extract<NotificationInput, { kind: K }>;
const incident = (title = 'Disk full on db-prod-01') => ({
  id: 'inc-01',
  tenantId: 'acme',
  tenantName: 'Acme Corp',
  title,
  severity: 'critical' as const,
  status: 'open' as const,
  assetRef: 'db-prod-01',
  openedAt: T0,
  priority: 82,
  url: 'https://aw.example.com/incidents/inc-01',
});

const samples: { [K in NotificationKind]: Of<K> } = {
  assignment: {
    kind: 'assignment',
    at: iso(1),
    incident: incident(),
    assignee: 'Anna Tech',
    reasons: ['skill match: Server', 'on call now'],
  },
  'sla-warning': { kind: 'sla-warning', at: iso(24), incident: incident(), clock: 'response', deadline: iso(30) },
  'sla-breach': { kind: 'sla-breach', at: iso(45), incident: incident(), clock: 'response', deadline: iso(30) },
  escalation: { kind: 'escalation', at: iso(15), incident: incident(), level: 2, levelCount: 3, reason: 'not acknowledged within 15 min' },
  'approval-request': {
    kind: 'approval-request',
    at: iso(2),
    incident: incident(),
    runbook: { id: 'linux-disk-cleanup', name: 'Disk cleanup (Linux)' },
    risk: 'medium',
    approvers: 'a company admin or an MSP admin',
    expiresAt: iso(62),
    approveUrl: 'https://aw.example.com/approvals/ap-1',
  },
  'remediation-result': {
    kind: 'remediation-result',
    at: iso(5),
    incident: incident(),
    runbook: { id: 'linux-disk-cleanup', name: 'Disk cleanup (Linux)' },
    outcome: 'succeeded',
    summary: 'Freed 12 GB on /var.',
    output: 'removed /var/log/app.log.1\nfreed 12 GB',
  },
  resolved: {
    kind: 'resolved',
    at: iso(95),
    incident: incident(),
    resolvedAt: iso(95),
    resolvedBy: 'anna@msp.example',
    resolutionCode: 'fixed',
  },
  'callback-request': {
    kind: 'callback-request',
    at: iso(20),
    incident: incident(),
    requestedBy: 'Casey Client',
    phone: '+447700900123',
    message: 'The shop is down, please call me',
  },
  // No incident: its rendering is in notify-maintenance.test.ts.
  maintenance: {
    kind: 'maintenance',
    at: iso(0),
    edge: 'started',
    window: { id: 'mw-1', name: 'Patch night', kind: 'window', startsAt: iso(0), endsAt: iso(120) },
    tenant: { id: 'acme', name: 'Acme Corp' },
    url: 'https://aw.example.com/maintenance?tenant=acme',
  },
};

describe('email', () => {
  test.each([
    ['assignment', '[CRITICAL] Assigned to Anna Tech: Disk full on db-prod-01 (Acme Corp)', 'skill match: Server; on call now'],
    ['sla-warning', '[CRITICAL] SLA warning: response due in 6 min — Disk full on db-prod-01 (Acme Corp)', 'Response due:'],
    ['sla-breach', '[CRITICAL] SLA breached: response — Disk full on db-prod-01 (Acme Corp)', '(15 min ago)'],
    [
      'escalation',
      '[CRITICAL] Escalated to level 2: Disk full on db-prod-01 (Acme Corp)',
      'Escalation level 2 of 3: not acknowledged within 15 min.',
    ],
    [
      'approval-request',
      '[CRITICAL] Approval needed: Disk cleanup (Linux) — Disk full on db-prod-01 (Acme Corp)',
      'Review and approve: https://aw.example.com/approvals/ap-1',
    ],
    ['remediation-result', '[CRITICAL] Remediation succeeded: Disk cleanup (Linux) — Disk full on db-prod-01 (Acme Corp)', 'freed 12 GB'],
    ['resolved', '[CRITICAL] Resolved: Disk full on db-prod-01 (Acme Corp)', 'Resolved by anna@msp.example after 1 h 35 min (fixed).'],
    [
      'callback-request',
      '[CRITICAL] Callback requested by Casey Client: Disk full on db-prod-01 (Acme Corp)',
      'Casey Client (Acme Corp) asked to be called back on +447700900123: The shop is down, please call me',
    ],
  ] as const)('%s: subject and text', (kind, subject, inText) => {
    const email = renderEmail(samples[kind]);
    expect(email.subject).toBe(subject);
    expect(email.text).toContain(inText);
    expect(email.text).toContain('https://aw.example.com/');
    expect(email.html).toMatch(/^<!DOCTYPE html>/);
    expect(email.html).toContain('href="https://aw.example.com/');
  });

  test('times are shown in the recipient time zone', () => {
    const email = renderEmail(samples['sla-warning'], { timeZone: 'Europe/Berlin' });
    expect(email.text).toContain('Response due: 2026-03-02 11:30 CET');
    expect(email.text).toContain('Opened:       2026-03-02 11:00 CET');
    expect(renderEmail(samples['sla-warning'], { timeZone: 'America/New_York' }).html).toContain('2026-03-02 05:30 EST');
  });

  test('an incident title with <script> is escaped in the HTML, kept as written in the text', () => {
    const hostile = '<script>alert("x")</script> & <img src=x onerror=alert(1)>';
    const email = renderEmail({ ...samples.assignment, incident: incident(hostile) });
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;');
    expect(email.text).toContain(hostile);
  });

  test('every other untrusted field is escaped too', () => {
    const email = renderEmail({
      ...(samples['remediation-result'] as Of<'remediation-result'>),
      incident: { ...incident(), tenantName: '<b>Acme</b>', assetRef: '"><svg onload=x>' },
      output: '<iframe src=//evil>',
    });
    expect(email.html).not.toMatch(/<b>Acme|<svg|<iframe/);
    expect(email.html).toContain('&lt;b&gt;Acme&lt;/b&gt;');
  });

  test('the subject is one line (no header injection)', () => {
    const email = renderEmail({ ...samples.assignment, incident: incident('Disk full\r\nBcc: victim@example.com') });
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject).toContain('Disk full Bcc: victim@example.com');
  });

  test('a resolution without an actor says it resolved itself', () => {
    const { resolvedBy: _resolvedBy, resolutionCode: _code, ...auto } = samples.resolved as Of<'resolved'>;
    expect(renderEmail(auto).text).toContain('Resolved automatically (all its alerts cleared) after 1 h 35 min.');
  });

  test('long command output keeps its end', () => {
    const output = `${'x'.repeat(5000)}\nERROR: the end matters`;
    const email = renderEmail({ ...(samples['remediation-result'] as Of<'remediation-result'>), outcome: 'failed', output });
    expect(email.text).toContain('ERROR: the end matters');
    expect(email.text.length).toBeLessThan(3000);
  });
});

describe('notification schema', () => {
  test('refuses a link that is not http(s)', () => {
    const bad = { ...samples.assignment, incident: { ...incident(), url: 'javascript:alert(1)' } };
    expect(notificationSchema.safeParse(bad).success).toBe(false);
    expect(() => renderEmail(bad)).toThrow();
  });

  test('refuses an unknown kind', () => {
    expect(notificationSchema.safeParse({ ...samples.assignment, kind: 'party' }).success).toBe(false);
  });
});

describe('Slack (incoming webhook, Block Kit)', () => {
  test('a message is { text, blocks } with a header, sections, a link button and a context line', () => {
    const message = renderSlack(samples['sla-breach']);
    expect(Object.keys(message)).toEqual(['text', 'blocks']);
    expect(message.text).toBe('[CRITICAL] SLA breached: response — Disk full on db-prod-01');
    expect(message.blocks.map((block) => block.type)).toEqual(['header', 'section', 'section', 'actions', 'context']);
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'SLA breached: response — Disk full on db-prod-01', emoji: true },
    });
    const fields = message.blocks[2] as { fields: Array<{ type: string; text: string }> };
    expect(fields.fields[0]).toEqual({ type: 'mrkdwn', text: '*Company*\nAcme Corp' });
    expect(fields.fields.length).toBeLessThanOrEqual(10);
    expect(message.blocks[3]).toMatchObject({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open incident' }, url: 'https://aw.example.com/incidents/inc-01' }],
    });
  });

  test('Slack control characters from alert text are escaped (no <!channel>, no fake links)', () => {
    const message = renderSlack({ ...samples.assignment, incident: incident('<!channel> disk & <https://evil.example|click>') });
    const json = JSON.stringify(message.blocks.filter((block) => block.type !== 'header'));
    expect(message.text).toContain('&lt;!channel&gt; disk &amp; &lt;https://evil.example|click&gt;');
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<https://evil');
  });

  test('the header stays within 150 characters', () => {
    const message = renderSlack({ ...samples.assignment, incident: incident('x'.repeat(400)) });
    const header = message.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBe(150);
  });

  test('command output goes in a code block', () => {
    const message = renderSlack(samples['remediation-result']);
    expect(message.blocks.some((block) => block.type === 'section' && block.text?.text.startsWith('```removed /var/log/app.log.1'))).toBe(
      true,
    );
  });
});

describe('Microsoft Teams (incoming webhook, Adaptive Card)', () => {
  test('the message envelope carries one Adaptive Card 1.4', () => {
    const message = renderTeams(samples.escalation);
    expect(message.type).toBe('message');
    expect(message.attachments).toHaveLength(1);
    const [attachment] = message.attachments;
    expect(attachment?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment?.contentUrl).toBeNull();
    expect(attachment?.content).toMatchObject({
      type: 'AdaptiveCard',
      version: '1.4',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    });
    expect(attachment?.content.body[1]).toMatchObject({
      type: 'TextBlock',
      text: 'Escalated to level 2: Disk full on db-prod-01',
      size: 'Large',
      wrap: true,
    });
    expect(attachment?.content.body.find((element) => element.type === 'FactSet')).toMatchObject({
      facts: expect.arrayContaining([
        { title: 'Company', value: 'Acme Corp' },
        { title: 'Severity', value: 'CRITICAL' },
      ]),
    });
    expect(attachment?.content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open incident', url: 'https://aw.example.com/incidents/inc-01' },
    ]);
  });

  test('severity and good news set the colour', () => {
    expect(renderTeams(samples.escalation).attachments[0]?.content.body[0]).toMatchObject({ color: 'attention' });
    expect(renderTeams(samples.resolved).attachments[0]?.content.body[0]).toMatchObject({ color: 'good' });
  });

  test('Markdown links and emphasis from alert text are neutralised', () => {
    expect(escapeTeams('[click](https://evil) App_Pool_01 *now*')).toBe('\\[click\\](https://evil) App\\_Pool\\_01 \\*now\\*');
    const card = renderTeams({ ...samples.assignment, incident: incident('[click](https://evil)') }).attachments[0]?.content;
    expect(JSON.stringify(card?.body)).not.toContain('"[click](https://evil)');
  });

  test('an approval request links to the approval', () => {
    expect(renderTeams(samples['approval-request']).attachments[0]?.content.actions[0]).toEqual({
      type: 'Action.OpenUrl',
      title: 'Review and approve',
      url: 'https://aw.example.com/approvals/ap-1',
    });
  });
});

describe('signed links to respond', () => {
  const respondLinks = [
    { label: 'Respond as ann', url: 'https://api.example.com/a/AAAAAAAAAAsig1' },
    { label: 'Respond as <ben>', url: 'https://api.example.com/a/BBBBBBBBBBsig2' },
  ];

  test('Teams: Action.OpenUrl buttons after the incident link (workflows cannot submit)', () => {
    const actions = renderTeams(samples.escalation, { respondLinks }).attachments[0]?.content.actions;
    expect(actions?.slice(1)).toEqual([
      { type: 'Action.OpenUrl', title: 'Respond as ann', url: 'https://api.example.com/a/AAAAAAAAAAsig1' },
      { type: 'Action.OpenUrl', title: 'Respond as <ben>', url: 'https://api.example.com/a/BBBBBBBBBBsig2' },
    ]);
    expect(JSON.stringify(actions)).not.toContain('Action.Submit');
  });

  test('Slack webhook: URL buttons; email: escaped buttons and the links in the text', () => {
    const slack = renderSlack(samples.escalation, { respondLinks });
    const buttons = slack.blocks.find((block) => block.type === 'actions');
    expect(buttons && 'elements' in buttons ? buttons.elements.map((button) => button.url) : []).toEqual([
      'https://aw.example.com/incidents/inc-01',
      'https://api.example.com/a/AAAAAAAAAAsig1',
      'https://api.example.com/a/BBBBBBBBBBsig2',
    ]);
    const email = renderEmail(samples.escalation, { respondLinks });
    expect(email.html).toContain('href="https://api.example.com/a/AAAAAAAAAAsig1"');
    expect(email.html).toContain('Respond as &lt;ben&gt;');
    expect(email.text).toContain('Respond as ann: https://api.example.com/a/AAAAAAAAAAsig1');
  });

  test('no links by default, and only http(s) links', () => {
    expect(renderTeams(samples.escalation).attachments[0]?.content.actions).toHaveLength(1);
    expect(() => renderEmail(samples.escalation, { respondLinks: [{ label: 'x', url: 'javascript:alert(1)' }] })).toThrow();
  });
});

describe('generic outbound webhook', () => {
  const now = new Date('2026-03-02T10:45:00.000Z');
  const request = renderWebhook(samples['sla-breach'], { secret: 's3cret', deliveryId: 'dlv-1', now });

  test('a JSON body with the event, the incident and its details', () => {
    expect(JSON.parse(request.body)).toEqual({
      id: 'dlv-1',
      type: 'incident.sla-breach',
      occurredAt: iso(45),
      tenantId: 'acme',
      incident: incident(),
      data: { clock: 'response', deadline: iso(30) },
    });
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'x-delivery-id': 'dlv-1',
      'x-event-type': 'incident.sla-breach',
      'x-timestamp': String(Date.parse('2026-03-02T10:45:00.000Z') / 1000),
    });
    expect(request.headers['x-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  test('the signature verifies with the same scheme as our inbound webhooks', () => {
    const hmac = { secret: 's3cret', required: true };
    const input = {
      signature: request.headers['x-signature'],
      timestamp: request.headers['x-timestamp'],
      deliveryId: request.headers['x-delivery-id'],
      rawBody: request.body,
    };
    expect(() => verifyDeliverySignature(input, hmac, now)).not.toThrow();
    // The delivery id is signed: the same request under another id does not verify.
    expect(() => verifyDeliverySignature({ ...input, deliveryId: 'dlv-2' }, hmac, now)).toThrow();
    expect(() => verifyDeliverySignature({ ...input, rawBody: request.body.replace('acme', 'evil') }, hmac, now)).toThrow(/does not match/);
    expect(() => verifyDeliverySignature(input, { ...hmac, secret: 'other' }, now)).toThrow(/does not match/);
  });

  test('the same delivery signs the same bytes; another time, another signature', () => {
    expect(renderWebhook(samples['sla-breach'], { secret: 's3cret', deliveryId: 'dlv-1', now })).toEqual(request);
    const later = renderWebhook(samples['sla-breach'], { secret: 's3cret', deliveryId: 'dlv-1', now: new Date(now.getTime() + 60_000) });
    expect(later.headers['x-signature']).not.toBe(request.headers['x-signature']);
  });
});

describe('formatting', () => {
  test.each([
    [0, '0 min'],
    [6 * 60_000, '6 min'],
    [65 * 60_000, '1 h 05 min'],
    [(24 * 60 + 4 * 60) * 60_000, '1 d 4 h'],
    [2 * 24 * 60 * 60_000, '2 d'],
  ])('duration %p ms is %p', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test('instants in a zone, with its abbreviation', () => {
    expect(formatInstant('2026-07-02T10:30:00.000Z', 'Europe/Berlin')).toBe('2026-07-02 12:30 CEST');
    expect(formatInstant('2026-03-02T10:30:00.000Z', 'UTC')).toBe('2026-03-02 10:30 UTC');
  });
});
