// SMS and voice rendering (lib/domain/notify/sms-voice.ts): E.164, GSM-7 segment counting (extension
// characters, UCS-2, no character split across segments), transliteration that keeps every SMS GSM-7,
// the two-segment budget that cuts the title and never the link, and SSML with every text escaped.
import { e164Schema, isGsm7, renderSms, renderVoice, SMS_MAX_SEGMENTS, smsSegments, toGsm7 } from '../../lib/domain/notify/sms-voice';
import type { NotificationInput } from '../../lib/domain/notify/templates';

const incident = {
  id: 'inc-01',
  tenantId: 'acme',
  tenantName: 'Acme Corp',
  title: 'Database down on db-prod-01',
  severity: 'critical' as const,
  status: 'open' as const,
  assetRef: 'db-prod-01',
  openedAt: '2026-03-02T09:00:00.000Z',
  url: 'https://aw.example.com/incidents/inc-01',
};
const escalation: NotificationInput = {
  kind: 'escalation',
  at: '2026-03-02T09:10:00.000Z',
  incident,
  level: 2,
  levelCount: 3,
  reason: 'not acknowledged in 10 minutes',
};
const LINK = 'https://aw.example.com/a/inc-01?t=Zx9_q-2';

describe('e164Schema', () => {
  it.each(['+447700900123', '+15555550100', '+4930123'])('accepts %s', (number) => {
    expect(e164Schema.safeParse(number).success).toBe(true);
  });
  it.each(['447700900123', '+0447700900123', '+44 7700 900123', '+44123', '+1234567890123456', ''])(
    'refuses %j with a clear message',
    (number) => {
      const result = e164Schema.safeParse(number);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/E\.164/);
    },
  );
});

describe('smsSegments', () => {
  it('counts GSM-7: 160 septets in one segment, then 153 per segment', () => {
    expect(smsSegments('')).toBe(0);
    expect(smsSegments('a')).toBe(1);
    expect(smsSegments('a'.repeat(160))).toBe(1);
    expect(smsSegments('a'.repeat(161))).toBe(2);
    expect(smsSegments('a'.repeat(306))).toBe(2);
    expect(smsSegments('a'.repeat(307))).toBe(3);
  });

  it('counts an extension character (€ [ ] { } ~ ^ | \\) as two septets', () => {
    expect(smsSegments('€'.repeat(80))).toBe(1);
    expect(smsSegments('€'.repeat(81))).toBe(2);
    expect(smsSegments(`${'a'.repeat(159)}[`)).toBe(2);
    // 152 septets then an extension character: its escape and its code stay together in the next segment.
    expect(smsSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toBe(3);
    expect(smsSegments(`${'a'.repeat(151)}€${'a'.repeat(152)}`)).toBe(2);
  });

  it('switches to UCS-2 (70, then 67 per segment) for one character outside GSM-7', () => {
    expect(smsSegments(`${'a'.repeat(69)}ç`)).toBe(1);
    expect(smsSegments(`${'a'.repeat(70)}ç`)).toBe(2);
    expect(smsSegments(`${'a'.repeat(133)}ç`)).toBe(2);
    expect(smsSegments(`${'a'.repeat(134)}ç`)).toBe(3);
    // An emoji is two UTF-16 units, never split: 66 + 2 does not fit a 67-unit segment.
    expect(smsSegments(`${'a'.repeat(66)}🔥${'a'.repeat(10)}`)).toBe(2);
    expect(smsSegments(`${'a'.repeat(66)}🔥${'a'.repeat(66)}`)).toBe(3);
  });
});

describe('toGsm7', () => {
  it('keeps GSM-7 letters, transliterates the rest and drops what has no GSM-7 form', () => {
    expect(toGsm7('Café Müller Ñandú ß Å')).toBe('Café Müller Ñandu ß Å');
    expect(toGsm7('“Quoted” – ‘x’ … ç Łódź œ')).toBe('"Quoted" - \'x\' ... c Lodz oe');
    expect(toGsm7('Disk 🔥 full 你好 now')).toBe('Disk full now');
    expect(isGsm7(toGsm7('Ωmega ĉ ž ő ū ș ț ā æ ø ∆ ∑ ™ ° ×'))).toBe(true);
  });
});

describe('renderSms', () => {
  it('says severity, company, title, what happened, the link and how to acknowledge, in that order', () => {
    const sms = renderSms(escalation, { link: LINK });
    expect(sms).toBe(
      `Alert Whisperer [CRITICAL] Acme Corp: Database down on db-prod-01. Escalated to level 2 of 3. ${LINK} Reply ACK to acknowledge.`,
    );
    expect(sms.length).toBeGreaterThan(160);
    expect(smsSegments(sms)).toBe(2);
    expect(smsSegments(renderSms(escalation))).toBe(1);
  });

  it('names each kind and leaves out the link when none is given', () => {
    const base = { at: escalation.at, incident };
    const breach = renderSms({ ...base, kind: 'sla-breach', clock: 'response', deadline: '2026-03-02T09:05:00.000Z' });
    expect(breach).toContain('Response SLA breached.');
    expect(breach).not.toContain('http');
    const warning = renderSms({ ...base, kind: 'sla-warning', clock: 'resolution', deadline: '2026-03-02T09:25:00.000Z' });
    expect(warning).toContain('Resolution SLA due in 15 min.');
    const assigned = renderSms(
      { kind: 'assignment', at: escalation.at, incident, assignee: 'Dana Tech', reasons: [] },
      { productName: 'NOC' },
    );
    expect(assigned).toMatch(/^NOC \[CRITICAL\] Acme Corp: .* Assigned to Dana Tech\. Reply ACK to acknowledge\.$/);
  });

  it('does not ask to acknowledge good news or a maintenance window', () => {
    const resolved = renderSms(
      { kind: 'resolved', at: escalation.at, incident, resolvedAt: escalation.at, resolvedBy: 'Dana' },
      { link: LINK },
    );
    expect(resolved).toMatch(/Resolved by Dana\. https:\/\/\S+$/);
    expect(resolved).not.toContain('ACK');
    const maintenance = renderSms({
      kind: 'maintenance',
      at: escalation.at,
      edge: 'started',
      window: { id: 'w1', name: 'Patch night', kind: 'window', startsAt: escalation.at, endsAt: '2026-03-02T12:00:00.000Z' },
      tenant: { id: 'acme', name: 'Acme Corp' },
      url: 'https://aw.example.com/maintenance',
    });
    expect(maintenance).toBe('Alert Whisperer [MAINTENANCE] Acme Corp: Patch night. Maintenance window started.');
  });

  it('stays GSM-7 whatever the alert says (no UCS-2 switch)', () => {
    const sms = renderSms(
      { ...escalation, incident: { ...incident, tenantName: 'Łódź “Ops”', title: 'CPU 🔥 at 99% — naïve façade 你好\nnext line' } },
      { link: LINK },
    );
    expect(isGsm7(sms)).toBe(true);
    expect(sms).toContain('Lodz "Ops": CPU at 99% - naive facade next line.');
  });

  it('cuts a long title to keep two segments, and never the link', () => {
    const link = `https://aw.example.com/a/inc-01?t=${'k'.repeat(120)}`;
    const sms = renderSms({ ...escalation, incident: { ...incident, title: `Very long title ${'word '.repeat(90)}` } }, { link });
    expect(SMS_MAX_SEGMENTS).toBe(2);
    expect(smsSegments(sms)).toBeLessThanOrEqual(SMS_MAX_SEGMENTS);
    expect(sms).toContain(` ${link} `);
    expect(sms).toContain('Very long title word');
    expect(sms).toMatch(/\.\.\. Escalated to level 2 of 3\./);
    expect(sms.endsWith('Reply ACK to acknowledge.')).toBe(true);
  });

  it('cuts what happened and the company too when the title alone is not enough, still never the link', () => {
    const link = `https://aw.example.com/a/${'p'.repeat(200)}`;
    const sms = renderSms(
      {
        kind: 'approval-request',
        at: escalation.at,
        incident: { ...incident, tenantName: 'C'.repeat(200), title: 'T'.repeat(500) },
        runbook: { id: 'rb', name: 'R'.repeat(200) },
        risk: 'high',
        approvers: 'admins',
        expiresAt: '2026-03-02T10:00:00.000Z',
        approveUrl: 'https://aw.example.com/approve',
      },
      { link },
    );
    expect(smsSegments(sms)).toBe(2);
    expect(sms).toContain(link);
  });

  it('counts extension characters against the budget and keeps a link GSM-7 without changing where it leads', () => {
    const sms = renderSms(
      { ...escalation, incident: { ...incident, title: '{[~]}'.repeat(100) } },
      { link: 'https://aw.example.com/a/x`y' },
    );
    expect(smsSegments(sms)).toBeLessThanOrEqual(2);
    expect(sms).toContain('https://aw.example.com/a/x%60y');
  });
});

describe('renderVoice', () => {
  it('is SSML: an introduction, a pause, the key sentence twice and where to acknowledge', () => {
    const ssml = renderVoice(escalation);
    expect(ssml.startsWith('<speak>')).toBe(true);
    expect(ssml.endsWith('</speak>')).toBe(true);
    expect(ssml).toMatch(/<break time="\d+m?s"\/>/);
    const key = 'Critical incident for Acme Corp: Database down on db-prod-01. Escalated to level 2 of 3.';
    expect(ssml.split(key)).toHaveLength(3);
    expect(ssml).toContain('Open the link in the text message to acknowledge');
  });

  it('escapes every interpolated text', () => {
    const ssml = renderVoice(
      { ...escalation, incident: { ...incident, tenantName: 'A&B <Ltd>', title: `</p></speak><speak>"x" 'y'` } },
      { productName: 'NOC & Co' },
    );
    expect(ssml).toContain('This is NOC &amp; Co.');
    expect(ssml).toContain('A&amp;B &lt;Ltd&gt;: &lt;/p&gt;&lt;/speak&gt;&lt;speak&gt;&quot;x&quot; &apos;y&apos;');
    // Only our own tags remain.
    const tags = ssml.match(/<[^>]+>/g) ?? [];
    expect(new Set(tags)).toEqual(
      new Set(['<speak>', '</speak>', '<p>', '</p>', '<break time="700ms"/>', '<break time="1s"/>', '<break time="500ms"/>']),
    );
  });
});
