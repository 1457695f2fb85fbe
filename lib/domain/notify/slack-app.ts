import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import type { IncidentStatus } from '../incident-status';
import { TENANT_ID_PATTERN } from '../tenant';
import { escapeSlack, notificationSchema, oneLine, renderSlack, truncate, type NotificationInput, type RenderOptions } from './templates';

/**
 * The optional Slack app of a tenant (pure parts): the check of Slack's request signature, the
 * `block_actions` payload its buttons send, the Block Kit message with Acknowledge / Resolve / Escalate
 * buttons and the same message once someone answered, and the signed `state` of the OAuth install.
 * Nothing here does I/O; lib/notify/slack-app.ts talks to Slack and lib/api/routes/slack-app.ts serves it.
 * Incident text comes from monitoring tools: it goes through renderSlack (which escapes it), and every
 * name this module adds (who clicked) is escaped the same way.
 */

// ---------------------------------------------------------------------------------------------------
// Request signatures

/**
 * Slack's v0 request signature (https://api.slack.com/docs/verifying-requests-from-slack): the
 * `X-Slack-Signature` header is `v0=` + the hex HMAC-SHA256, keyed with the app's signing secret, of
 * `v0:<X-Slack-Request-Timestamp>:<raw request body>`; a timestamp more than five minutes away from
 * the local clock is refused (replays).
 */
export const SLACK_SIGNATURE_MAX_SKEW_SECONDS = 5 * 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

const SIGNATURE_PATTERN = /^v0=([0-9a-f]{64})$/;
const TIMESTAMP_PATTERN = /^\d{1,12}$/;

/** The `X-Slack-Signature` value for a body (what Slack sends; tests sign with it). */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Whether a request comes from Slack: a well-formed, current timestamp and the v0 signature, compared in constant time. Never throws. */
export function verifySlackSignature(input: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
  now: Date;
}): SignatureCheck {
  const { signingSecret, timestamp, signature, rawBody, now } = input;
  if (!signingSecret) return { ok: false, reason: 'No signing secret' };
  if (timestamp === undefined || !TIMESTAMP_PATTERN.test(timestamp))
    return { ok: false, reason: 'Missing or malformed X-Slack-Request-Timestamp' };
  const given = signature === undefined ? null : SIGNATURE_PATTERN.exec(signature.trim().toLowerCase());
  if (!given) return { ok: false, reason: 'Missing or malformed X-Slack-Signature' };
  const skew = Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp));
  if (skew > SLACK_SIGNATURE_MAX_SKEW_SECONDS) return { ok: false, reason: 'The request timestamp is more than 5 minutes from now' };
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, rawBody).slice(3), 'hex');
  const actual = Buffer.from(given[1] as string, 'hex');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return { ok: false, reason: 'The signature does not match' };
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------------
// The interaction payload (block_actions)

export const SLACK_APP_ACTIONS = ['acknowledge', 'resolve', 'escalate'] as const;
export type SlackAppAction = (typeof SLACK_APP_ACTIONS)[number];

/** The action_id of each button. */
export const SLACK_ACTION_IDS: Record<SlackAppAction, string> = {
  acknowledge: 'aw_acknowledge',
  resolve: 'aw_resolve',
  escalate: 'aw_escalate',
};
const ACTION_OF_ID = new Map(SLACK_APP_ACTIONS.map((action) => [SLACK_ACTION_IDS[action], action]));

/** The block ids of what this module adds to a message: the buttons, and the lines saying who answered. */
export const SLACK_ACTIONS_BLOCK_ID = 'aw_actions';
export const SLACK_OUTCOME_BLOCK_ID = 'aw_outcome';

/** A message's timestamp, Slack's id of it within its channel (`1700000000.123456`). */
const slackTs = z.string().regex(/^\d{1,12}\.\d{1,9}$/, 'a Slack message timestamp');
const slackId = z.string().regex(/^[A-Z0-9_]{1,40}$/i);

/** The fields of a `block_actions` payload this app uses (Slack sends many more; they are dropped). */
export const blockActionsPayloadSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: slackId, name: z.string().max(200).optional(), username: z.string().max(200).optional() }),
  team: z.object({ id: slackId }),
  actions: z
    .array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional(), block_id: z.string().max(255).optional() }))
    .min(1),
  container: z.object({ channel_id: slackId.optional(), message_ts: slackTs.optional() }).optional(),
  channel: z.object({ id: slackId }).optional(),
  message: z
    .object({
      ts: slackTs,
      text: z.string().optional(),
      blocks: z.array(z.looseObject({ type: z.string(), block_id: z.string().optional() })).optional(),
    })
    .optional(),
  response_url: z.url({ protocol: /^https?$/ }).optional(),
});

/** A button press of this app, as the interactions route acts on it. */
export interface SlackInteraction {
  teamId: string;
  /** The Slack user who pressed it. */
  userId: string;
  /** Their Slack name, when the payload gives one. */
  userName?: string;
  action: SlackAppAction;
  tenantId: string;
  incidentId: string;
  channelId: string;
  messageTs: string;
  responseUrl?: string;
  /** The message as it is now (to update it in place). */
  message?: SlackAppMessage;
}

export type InteractionParse =
  | { ok: true; interaction: SlackInteraction }
  /** A payload of this app that asks for nothing (a link button, an action of another kind): answered 200, nothing done. */
  | { ok: false; ignore: true; reason: string }
  | { ok: false; ignore: false; reason: string };

const INCIDENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A button's value: `<tenantId>:<incidentId>` (no secret: the signature and the responder's permissions protect it). */
export function buttonValue(tenantId: string, incidentId: string): string {
  return `${tenantId}:${incidentId}`;
}

export function parseButtonValue(value: string | undefined): { tenantId: string; incidentId: string } | undefined {
  if (!value) return undefined;
  const at = value.indexOf(':');
  if (at < 0) return undefined;
  const tenantId = value.slice(0, at);
  const incidentId = value.slice(at + 1);
  return TENANT_ID_PATTERN.test(tenantId) && INCIDENT_ID_PATTERN.test(incidentId) ? { tenantId, incidentId } : undefined;
}

/** The interaction of a form body `payload=<json>` (the raw body Slack signed). Never throws. */
export function parseSlackInteraction(rawBody: string): InteractionParse {
  const payload = new URLSearchParams(rawBody).get('payload');
  if (payload === null) return { ok: false, ignore: false, reason: 'The body has no payload field' };
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { ok: false, ignore: false, reason: 'The payload is not JSON' };
  }
  if (json && typeof json === 'object' && Reflect.get(json, 'type') !== 'block_actions') {
    return { ok: false, ignore: true, reason: 'Not a block_actions payload' };
  }
  const parsed = blockActionsPayloadSchema.safeParse(json);
  if (!parsed.success) return { ok: false, ignore: false, reason: 'The payload is not a valid block_actions payload' };
  const data = parsed.data;
  const [first] = data.actions;
  const action = ACTION_OF_ID.get(first?.action_id ?? '');
  if (!first || !action) return { ok: false, ignore: true, reason: 'Not an action of this app (a link button)' };
  const target = parseButtonValue(first.value);
  if (!target) return { ok: false, ignore: false, reason: 'The button value is not <tenant>:<incident>' };
  const channelId = data.container?.channel_id ?? data.channel?.id;
  const messageTs = data.container?.message_ts ?? data.message?.ts;
  if (!channelId || !messageTs) return { ok: false, ignore: false, reason: 'The payload names no channel or message' };
  const userName = data.user.name ?? data.user.username;
  return {
    ok: true,
    interaction: {
      teamId: data.team.id,
      userId: data.user.id,
      ...(userName ? { userName } : {}),
      action,
      ...target,
      channelId,
      messageTs,
      ...(data.response_url ? { responseUrl: data.response_url } : {}),
      ...(data.message?.blocks ? { message: { text: data.message.text ?? '', blocks: data.message.blocks as SlackAppBlock[] } } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Messages

/** A Block Kit block: the typed ones this module builds, or one read back from Slack (kept as it is). */
export type SlackAppBlock = { type: string; block_id?: string } & Record<string, unknown>;

export interface SlackAppMessage {
  /** The fallback shown in notifications and by screen readers. */
  text: string;
  blocks: SlackAppBlock[];
}

interface Button {
  type: 'button';
  text: { type: 'plain_text'; text: string };
  action_id: string;
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
  confirm?: Record<string, unknown>;
}

/** Which actions an incident in a status still allows. */
export function actionsFor(status: IncidentStatus): SlackAppAction[] {
  if (status === 'resolved') return [];
  if (status === 'acknowledged') return ['resolve', 'escalate'];
  return [...SLACK_APP_ACTIONS];
}

const LABELS: Record<SlackAppAction, string> = { acknowledge: 'Acknowledge', resolve: 'Resolve', escalate: 'Escalate' };

function actionButton(action: SlackAppAction, value: string): Button {
  const button: Button = { type: 'button', text: { type: 'plain_text', text: LABELS[action] }, action_id: SLACK_ACTION_IDS[action], value };
  if (action === 'acknowledge') button.style = 'primary';
  if (action === 'escalate') button.style = 'danger';
  if (action === 'resolve') {
    button.confirm = {
      title: { type: 'plain_text', text: 'Resolve this incident?' },
      text: { type: 'plain_text', text: 'It is closed for everyone; it reopens if its alerts fire again.' },
      confirm: { type: 'plain_text', text: 'Resolve' },
      deny: { type: 'plain_text', text: 'Cancel' },
    };
  }
  return button;
}

export interface SlackAppRenderOptions extends RenderOptions {
  /** Keep renderSlack's link button ("Open incident", "Review and approve") beside the action buttons (default true). */
  links?: boolean;
}

/**
 * The app's message for a notification: renderSlack's blocks (header, summary, facts, footer), its
 * link button kept beside Acknowledge / Resolve (with a confirmation) / Escalate, for the actions the
 * incident's status still allows. A maintenance notification has no incident: no action buttons.
 */
export function renderSlackAppMessage(input: NotificationInput, options: SlackAppRenderOptions = {}): SlackAppMessage {
  const { links = true, ...renderOptions } = options;
  const notification = notificationSchema.parse(input);
  const base = renderSlack(notification, renderOptions);
  const actions =
    notification.kind === 'maintenance'
      ? []
      : actionsFor(notification.incident.status).map((action) =>
          actionButton(action, buttonValue(notification.incident.tenantId, notification.incident.id)),
        );
  const blocks: SlackAppBlock[] = [];
  for (const block of base.blocks) {
    if (block.type !== 'actions') {
      blocks.push(block);
      continue;
    }
    const elements: Button[] = [...actions, ...(links ? block.elements : [])];
    if (elements.length) blocks.push({ type: 'actions', block_id: SLACK_ACTIONS_BLOCK_ID, elements });
  }
  return { text: base.text, blocks };
}

/** What became of a button press, as the message shows it. */
export interface SlackAppOutcome {
  action: SlackAppAction;
  result: 'done' | 'already' | 'refused';
  /** Who pressed the button (a name or an email). */
  by: string;
  /** When (ISO). */
  at: string;
  /** For `already`: who did it first, and when when known. */
  first?: { by: string; at?: string };
  /** The incident's status now: the buttons left are those it still allows (absent: the pressed one goes). */
  status?: IncidentStatus;
  /** For `refused`: why. */
  message?: string;
}

const DONE: Record<SlackAppAction, string> = { acknowledge: 'Acknowledged', resolve: 'Resolved', escalate: 'Escalated' };
const ALREADY: Record<SlackAppAction, string> = { acknowledge: 'acknowledged', resolve: 'resolved', escalate: 'escalated' };

/** "03:12 UTC". */
function clock(iso: string | undefined): string | undefined {
  const at = iso === undefined ? Number.NaN : Date.parse(iso);
  return Number.isNaN(at) ? undefined : `${new Date(at).toISOString().slice(11, 16)} UTC`;
}

const name = (value: string) => escapeSlack(oneLine(value, 120));

/** The line an outcome adds to the message (mrkdwn, names escaped). */
export function outcomeLine(outcome: SlackAppOutcome): string {
  const at = clock(outcome.at);
  switch (outcome.result) {
    case 'done':
      return `${DONE[outcome.action]} by ${name(outcome.by)}${at ? ` at ${at}` : ''}`;
    case 'already': {
      const first = outcome.first;
      const firstAt = clock(first?.at);
      const who = first ? ` by ${name(first.by)}${firstAt ? ` at ${firstAt}` : ''}` : '';
      return `Already ${ALREADY[outcome.action]}${who} — ${name(outcome.by)} was second`;
    }
    case 'refused':
      return `${name(outcome.by)} could not ${outcome.action}${outcome.message ? `: ${escapeSlack(oneLine(outcome.message, 300))}` : ''}`;
  }
}

const MAX_CONTEXT_ELEMENTS = 10;

/**
 * The message once a button was answered: the same content, the outcome lines (this one last) where
 * the buttons were, and below them the buttons for what is still possible (link buttons stay).
 */
export function renderSlackAppOutcome(original: SlackAppMessage, outcome: SlackAppOutcome): SlackAppMessage {
  const previous = original.blocks.find((block) => block.block_id === SLACK_OUTCOME_BLOCK_ID);
  const earlier = Array.isArray(previous?.elements) ? (previous.elements as unknown[]) : [];
  const line = { type: 'mrkdwn', text: truncate(outcomeLine(outcome), 3000) };
  const outcomeBlock: SlackAppBlock = {
    type: 'context',
    block_id: SLACK_OUTCOME_BLOCK_ID,
    elements: [...earlier, line].slice(-MAX_CONTEXT_ELEMENTS),
  };
  const allowed = new Set<string>(
    (outcome.status ? actionsFor(outcome.status) : SLACK_APP_ACTIONS.filter((action) => action !== outcome.action)).map(
      (action) => SLACK_ACTION_IDS[action],
    ),
  );
  const ours = new Set(Object.values(SLACK_ACTION_IDS));
  const blocks: SlackAppBlock[] = [];
  let placed = false;
  for (const block of original.blocks) {
    if (block.block_id === SLACK_OUTCOME_BLOCK_ID) continue;
    if (block.block_id !== SLACK_ACTIONS_BLOCK_ID) {
      blocks.push(block);
      continue;
    }
    blocks.push(outcomeBlock);
    placed = true;
    const elements = (Array.isArray(block.elements) ? (block.elements as Array<Record<string, unknown>>) : []).filter((element) => {
      const id = typeof element.action_id === 'string' ? element.action_id : '';
      return !ours.has(id) || allowed.has(id);
    });
    if (elements.length) blocks.push({ ...block, elements });
  }
  if (!placed) blocks.push(outcomeBlock);
  return { text: original.text, blocks };
}

// ---------------------------------------------------------------------------------------------------
// OAuth install state

/** How long an install link stays valid. */
export const INSTALL_STATE_TTL_SECONDS = 10 * 60;

export interface InstallState {
  tenantId: string;
  /** The admin who asked for the install link (the installation is recorded and audited as theirs). */
  userId: string;
  /** Expiry, Unix seconds. */
  exp: number;
}

const installStateSchema = z
  .object({ t: z.string().regex(TENANT_ID_PATTERN), u: z.string().min(1).max(128), e: z.number().int() })
  .strict();

const stateMac = (secret: string, payload: string) => createHmac('sha256', secret).update(`aw-slack-install-state:${payload}`).digest();

/** The OAuth `state` of an install: the tenant, the user and the expiry, HMAC-signed (`<base64url json>.<base64url mac>`). */
export function makeInstallState(secret: string, state: InstallState): string {
  const payload = Buffer.from(JSON.stringify({ t: state.tenantId, u: state.userId, e: state.exp })).toString('base64url');
  return `${payload}.${stateMac(secret, payload).toString('base64url')}`;
}

/** The install a `state` speaks for, or why it does not (malformed, forged, expired). Never throws. */
export function readInstallState(
  secret: string,
  value: string | undefined,
  now: Date,
): { ok: true; state: InstallState } | { ok: false; reason: string } {
  if (!value || value.length > 1024) return { ok: false, reason: 'Missing or malformed state' };
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match) return { ok: false, reason: 'Missing or malformed state' };
  const [, payload, mac] = match as unknown as [string, string, string];
  const expected = stateMac(secret, payload);
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'The state is not ours' };
  let parsed: z.ZodSafeParseResult<z.output<typeof installStateSchema>>;
  try {
    parsed = installStateSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    return { ok: false, reason: 'Missing or malformed state' };
  }
  if (!parsed.success) return { ok: false, reason: 'Missing or malformed state' };
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (parsed.data.e <= nowSeconds || parsed.data.e > nowSeconds + INSTALL_STATE_TTL_SECONDS + 60) {
    return { ok: false, reason: 'The install link has expired: start again' };
  }
  return { ok: true, state: { tenantId: parsed.data.t, userId: parsed.data.u, exp: parsed.data.e } };
}
