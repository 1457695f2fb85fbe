import {
  INSTALL_STATE_TTL_SECONDS,
  makeInstallState,
  outcomeLine,
  parseSlackInteraction,
  readInstallState,
  renderSlackAppMessage,
  renderSlackAppOutcome,
  slackSignature,
  verifySlackSignature,
  type SlackAppBlock,
} from '../../lib/domain/notify/slack-app';
import type { NotificationInput } from '../../lib/domain/notify/templates';

/**
 * The pure parts of the Slack app: Slack's v0 request signature, the block_actions payload, the
 * message with its buttons and the message once someone answered, and the signed install state.
 */

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = new Date('2026-03-02T03:12:40Z');
const nowSeconds = String(Math.floor(NOW.getTime() / 1000));

describe('verifySlackSignature', () => {
  const body = 'payload=%7B%22type%22%3A%22block_actions%22%7D';
  const signed = (overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) =>
    verifySlackSignature({
      signingSecret: SECRET,
      timestamp: nowSeconds,
      signature: slackSignature(SECRET, nowSeconds, body),
      rawBody: body,
      now: NOW,
      ...overrides,
    });

  test("Slack's documented example verifies (v0:<timestamp>:<body>, hex HMAC-SHA256)", () => {
    // The example of https://api.slack.com/docs/verifying-requests-from-slack.
    const rawBody =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(
      verifySlackSignature({
        signingSecret: SECRET,
        timestamp: '1531420618',
        signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
        rawBody,
        now: new Date(1531420618 * 1000 + 30_000),
      }),
    ).toEqual({ ok: true });
  });

  test('a valid signature passes; a wrong secret, a changed body or a changed timestamp fail', () => {
    expect(signed()).toEqual({ ok: true });
    expect(signed({ signingSecret: `${SECRET}x` })).toMatchObject({ ok: false, reason: 'The signature does not match' });
    expect(signed({ rawBody: `${body}&x=1` })).toMatchObject({ ok: false, reason: 'The signature does not match' });
    expect(signed({ timestamp: String(Number(nowSeconds) - 1) })).toMatchObject({ ok: false, reason: 'The signature does not match' });
    // Upper-case hex is the same signature.
    expect(signed({ signature: slackSignature(SECRET, nowSeconds, body).toUpperCase().replace('V0=', 'v0=') })).toEqual({ ok: true });
  });

  test('a timestamp 6 minutes old (or ahead) is refused even when signed; 4 minutes is accepted', () => {
    for (const offset of [-360, 360]) {
      const timestamp = String(Number(nowSeconds) + offset);
      expect(signed({ timestamp, signature: slackSignature(SECRET, timestamp, body) })).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/5 minutes/),
      });
    }
    const recent = String(Number(nowSeconds) - 240);
    expect(signed({ timestamp: recent, signature: slackSignature(SECRET, recent, body) })).toEqual({ ok: true });
  });

  test('malformed headers are refused without throwing', () => {
    const valid = slackSignature(SECRET, nowSeconds, body);
    for (const signature of [
      undefined,
      '',
      'v1=' + valid.slice(3),
      valid.slice(3),
      `${valid}00`,
      valid.slice(0, -2),
      'v0=zz' + valid.slice(5),
      'v0=',
    ]) {
      expect(signed({ signature })).toMatchObject({ ok: false });
    }
    for (const timestamp of [undefined, '', 'abc', '1e9', '-1531420618', ' 1531420618', '99999999999999999999']) {
      expect(signed({ timestamp })).toMatchObject({ ok: false, reason: expect.stringMatching(/timestamp/i) });
    }
    expect(signed({ signingSecret: '' })).toMatchObject({ ok: false });
  });
});

const PAYLOAD = {
  type: 'block_actions',
  user: { id: 'U0ANN', username: 'ann', name: 'ann', team_id: 'T0ACME' },
  api_app_id: 'A0APP',
  token: 'verification-token-not-used',
  container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0OPS', is_ephemeral: false },
  trigger_id: '123.456.abc',
  team: { id: 'T0ACME', domain: 'acme' },
  channel: { id: 'C0OPS', name: 'ops' },
  message: { type: 'message', ts: '1700000000.000100', text: 'fallback', blocks: [{ type: 'divider', block_id: 'x' }] },
  response_url: 'https://hooks.slack.com/actions/T0ACME/1/abc',
  actions: [
    { action_id: 'aw_acknowledge', block_id: 'aw_actions', value: 'acme:01JABCDEF0123456789ABCDEFG', type: 'button', action_ts: '1' },
  ],
};
const form = (payload: unknown) => `payload=${encodeURIComponent(typeof payload === 'string' ? payload : JSON.stringify(payload))}`;

describe('parseSlackInteraction', () => {
  test('reads the fields it uses from the form body', () => {
    expect(parseSlackInteraction(form(PAYLOAD))).toEqual({
      ok: true,
      interaction: {
        teamId: 'T0ACME',
        userId: 'U0ANN',
        userName: 'ann',
        action: 'acknowledge',
        tenantId: 'acme',
        incidentId: '01JABCDEF0123456789ABCDEFG',
        channelId: 'C0OPS',
        messageTs: '1700000000.000100',
        responseUrl: 'https://hooks.slack.com/actions/T0ACME/1/abc',
        message: { text: 'fallback', blocks: [{ type: 'divider', block_id: 'x' }] },
      },
    });
    const resolve = { ...PAYLOAD, actions: [{ ...PAYLOAD.actions[0], action_id: 'aw_resolve' }] };
    expect(parseSlackInteraction(form(resolve))).toMatchObject({ ok: true, interaction: { action: 'resolve' } });
    // Without a container, the channel and message name them.
    const { container: _c, ...bare } = PAYLOAD;
    expect(parseSlackInteraction(form(bare))).toMatchObject({
      ok: true,
      interaction: { channelId: 'C0OPS', messageTs: '1700000000.000100' },
    });
  });

  test('a link button or another payload type is ignored; a broken payload or value is refused', () => {
    const link = { ...PAYLOAD, actions: [{ action_id: 'open-sla-breach', type: 'button' }] };
    expect(parseSlackInteraction(form(link))).toMatchObject({ ok: false, ignore: true });
    expect(parseSlackInteraction(form({ ...PAYLOAD, type: 'view_submission' }))).toMatchObject({ ok: false, ignore: true });
    expect(parseSlackInteraction('nothing=here')).toMatchObject({ ok: false, ignore: false });
    expect(parseSlackInteraction(form('{not json'))).toMatchObject({ ok: false, ignore: false });
    expect(parseSlackInteraction(form({ ...PAYLOAD, team: null }))).toMatchObject({ ok: false, ignore: false });
    for (const value of [undefined, 'acme', ':01JABC', 'acme:', 'ac me:01JABC', 'acme:01/../x', '#T:inc']) {
      const bad = { ...PAYLOAD, actions: [{ ...PAYLOAD.actions[0], value }] };
      expect(parseSlackInteraction(form(bad))).toMatchObject({ ok: false, ignore: false, reason: expect.stringMatching(/value/) });
    }
    const { container: _c, channel: _ch, ...nowhere } = PAYLOAD;
    expect(parseSlackInteraction(form({ ...nowhere, message: undefined }))).toMatchObject({ ok: false, ignore: false });
  });
});

const HOSTILE = 'Disk <!channel> & <https://evil.example|click> > 90%';

function notification(status: 'open' | 'acknowledged' | 'resolved' = 'open'): NotificationInput {
  return {
    kind: 'sla-breach',
    at: '2026-03-02T03:10:00Z',
    clock: 'response',
    deadline: '2026-03-02T03:00:00Z',
    incident: {
      id: '01JABCDEF0123456789ABCDEFG',
      tenantId: 'acme',
      tenantName: 'Acme & Sons',
      title: HOSTILE,
      severity: 'critical',
      status,
      assetRef: 'db-prod-01',
      openedAt: '2026-03-02T02:30:00Z',
      url: 'https://aw.example/incidents/01JABCDEF0123456789ABCDEFG?tenant=acme',
    },
  };
}

type Element = { action_id: string; value?: string; url?: string; style?: string; confirm?: unknown };
const actionsOf = (blocks: SlackAppBlock[]) => blocks.find((block) => block.block_id === 'aw_actions')?.elements as Element[] | undefined;

describe('renderSlackAppMessage', () => {
  test('an open incident: three buttons with <tenant>:<incident>, Resolve confirmed, the link kept', () => {
    const message = renderSlackAppMessage(notification());
    const elements = actionsOf(message.blocks)!;
    expect(elements.map((element) => element.action_id)).toEqual(['aw_acknowledge', 'aw_resolve', 'aw_escalate', 'open-sla-breach']);
    for (const element of elements.slice(0, 3)) expect(element.value).toBe('acme:01JABCDEF0123456789ABCDEFG');
    expect(elements[1]!.confirm).toMatchObject({ confirm: { text: 'Resolve' }, deny: { text: 'Cancel' } });
    expect(elements[0]!.confirm).toBeUndefined();
    expect(elements[3]!.url).toBe('https://aw.example/incidents/01JABCDEF0123456789ABCDEFG?tenant=acme');
    expect(message.blocks.filter((block) => block.type === 'actions')).toHaveLength(1);
    expect(message.blocks[0]).toMatchObject({ type: 'header' });
    expect(renderSlackAppMessage(notification(), { links: false }).blocks.find((b) => b.block_id === 'aw_actions')!.elements).toHaveLength(
      3,
    );
  });

  test('the buttons follow the status: acknowledged keeps Resolve and Escalate, resolved none', () => {
    expect(actionsOf(renderSlackAppMessage(notification('acknowledged')).blocks)!.map((e) => e.action_id)).toEqual([
      'aw_resolve',
      'aw_escalate',
      'open-sla-breach',
    ]);
    expect(actionsOf(renderSlackAppMessage(notification('resolved')).blocks)!.map((e) => e.action_id)).toEqual(['open-sla-breach']);
    expect(actionsOf(renderSlackAppMessage(notification('resolved'), { links: false }).blocks)).toBeUndefined();
  });

  test('a hostile title is escaped in mrkdwn (&, <, >) and no Slack control sequence survives', () => {
    const message = renderSlackAppMessage(notification());
    const mrkdwn = JSON.stringify(message.blocks.filter((block) => block.type !== 'header'));
    expect(mrkdwn).not.toContain('<!channel>');
    expect(mrkdwn).not.toContain('<https://evil.example');
    expect(message.text).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; &gt; 90%');
    expect(mrkdwn).toContain('Acme &amp; Sons');
    // The header is plain_text: shown as typed, never parsed.
    expect(message.blocks[0]).toMatchObject({ text: { type: 'plain_text' } });
  });

  test('a maintenance notification has no action buttons', () => {
    const message = renderSlackAppMessage({
      kind: 'maintenance',
      at: '2026-03-02T03:10:00Z',
      edge: 'started',
      window: { id: 'w1', name: 'Patch night', kind: 'window', startsAt: '2026-03-02T03:00:00Z', endsAt: '2026-03-02T05:00:00Z' },
      tenant: { id: 'acme', name: 'Acme' },
      url: 'https://aw.example/maintenance?tenant=acme',
    });
    expect(actionsOf(message.blocks)!.map((e) => e.action_id)).toEqual(['open-maintenance']);
  });
});

describe('renderSlackAppOutcome', () => {
  const original = renderSlackAppMessage(notification());
  const at = '2026-03-02T03:12:40Z';

  test('acknowledged: the line where the buttons were, Resolve and Escalate left, the content the same', () => {
    const updated = renderSlackAppOutcome(original, { action: 'acknowledge', result: 'done', by: 'Ann', at, status: 'acknowledged' });
    const at_ = updated.blocks.findIndex((block) => block.block_id === 'aw_outcome');
    expect(updated.blocks[at_]).toEqual({
      type: 'context',
      block_id: 'aw_outcome',
      elements: [{ type: 'mrkdwn', text: 'Acknowledged by Ann at 03:12 UTC' }],
    });
    expect(updated.blocks[at_ + 1]!.block_id).toBe('aw_actions');
    expect(actionsOf(updated.blocks)!.map((e) => e.action_id)).toEqual(['aw_resolve', 'aw_escalate', 'open-sla-breach']);
    expect(updated.text).toBe(original.text);
    const content = (blocks: SlackAppBlock[]) => blocks.filter((block) => !String(block.block_id ?? '').startsWith('aw_'));
    expect(content(updated.blocks)).toEqual(content(original.blocks));

    // Then resolved: the lines accumulate, only the link is left.
    const resolved = renderSlackAppOutcome(updated, {
      action: 'resolve',
      result: 'done',
      by: 'Bob',
      at: '2026-03-02T03:40:00Z',
      status: 'resolved',
    });
    expect(resolved.blocks.find((block) => block.block_id === 'aw_outcome')!.elements).toEqual([
      { type: 'mrkdwn', text: 'Acknowledged by Ann at 03:12 UTC' },
      { type: 'mrkdwn', text: 'Resolved by Bob at 03:40 UTC' },
    ]);
    expect(actionsOf(resolved.blocks)!.map((e) => e.action_id)).toEqual(['open-sla-breach']);
    expect(resolved.blocks.filter((block) => block.block_id === 'aw_outcome')).toHaveLength(1);
  });

  test('a second acknowledgement says who was first; a refusal says why; names are escaped', () => {
    expect(outcomeLine({ action: 'acknowledge', result: 'already', by: 'Ann', at, first: { by: 'Bob', at: '2026-03-02T03:11:00Z' } })).toBe(
      'Already acknowledged by Bob at 03:11 UTC — Ann was second',
    );
    expect(outcomeLine({ action: 'acknowledge', result: 'refused', by: 'Ann', at, message: 'The incident is resolved' })).toBe(
      'Ann could not acknowledge: The incident is resolved',
    );
    expect(outcomeLine({ action: 'escalate', result: 'done', by: '<!here> & co', at })).toBe(
      'Escalated by &lt;!here&gt; &amp; co at 03:12 UTC',
    );
    // Without a status, the pressed button goes and the others stay.
    const escalated = renderSlackAppOutcome(original, { action: 'escalate', result: 'done', by: 'Ann', at });
    expect(actionsOf(escalated.blocks)!.map((e) => e.action_id)).toEqual(['aw_acknowledge', 'aw_resolve', 'open-sla-breach']);
  });

  test('a message without our actions block gets the line at the end', () => {
    const bare = { text: 't', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x' } }] };
    const updated = renderSlackAppOutcome(bare, { action: 'acknowledge', result: 'done', by: 'Ann', at, status: 'acknowledged' });
    expect(updated.blocks.map((block) => block.type)).toEqual(['section', 'context']);
  });
});

describe('install state', () => {
  const exp = Math.floor(NOW.getTime() / 1000) + INSTALL_STATE_TTL_SECONDS;
  const state = makeInstallState('client-secret', { tenantId: 'acme', userId: 'usr_1', exp });

  test('round-trips within its 10 minutes and expires after', () => {
    expect(readInstallState('client-secret', state, NOW)).toEqual({ ok: true, state: { tenantId: 'acme', userId: 'usr_1', exp } });
    expect(readInstallState('client-secret', state, new Date(NOW.getTime() + 9 * 60_000))).toMatchObject({ ok: true });
    expect(readInstallState('client-secret', state, new Date(NOW.getTime() + 10 * 60_000))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/expired/),
    });
  });

  test('a forged, altered or malformed state is refused', () => {
    expect(readInstallState('other-secret', state, NOW)).toMatchObject({ ok: false, reason: 'The state is not ours' });
    const [payload, mac] = state.split('.') as [string, string];
    const otherTenant = Buffer.from(JSON.stringify({ t: 'globex', u: 'usr_1', e: exp })).toString('base64url');
    expect(readInstallState('client-secret', `${otherTenant}.${mac}`, NOW)).toMatchObject({ ok: false, reason: 'The state is not ours' });
    for (const value of [undefined, '', payload, `${payload}.`, `${payload}.${mac}x`, 'a'.repeat(2000), `${payload}.${mac.slice(1)}!`]) {
      expect(readInstallState('client-secret', value, NOW)).toMatchObject({ ok: false });
    }
    // A state valid for far longer than an install link is not one we made.
    const far = makeInstallState('client-secret', { tenantId: 'acme', userId: 'usr_1', exp: exp + 86_400 });
    expect(readInstallState('client-secret', far, NOW)).toMatchObject({ ok: false });
  });
});
