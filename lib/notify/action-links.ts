import type { KeySet } from '../auth/tokens';
import type { CorrelateDeps } from '../correlation/correlate';
import type { Incident } from '../domain/incident';
import {
  ACTION_LINK_TTL_MS,
  deriveLinkSecret,
  makeToken,
  verifyToken,
  type ActionLink,
  type ActionLinkAction,
  type ActionLinkChannel,
} from '../domain/notify/action-link';
import { respondToIncident, responderOf, type ResponseOutcome, type ResponseRequest } from '../incidents/respond';
import { logger } from '../observability';
import { claimAction, getActionLink, putActionLink, releaseAction } from '../store/action-links';
import { getIncident } from '../store/sla';
import type { TableRef } from '../store/table-ref';
import { getTenant } from '../store/tenants';
import { getAccessVersion } from '../store/users';

/**
 * One-tap action links (lib/domain/notify/action-link.ts has the token): issued per recipient of a
 * notification, opened by GET /a/{token} (never acts: link scanners fetch GETs), acted on by POST
 * /a/{token} and by two-way SMS replies (lib/notify/inbound-sms.ts), each action once per link, as the
 * link's user through the shared incident action service (lib/incidents/respond.ts), which checks the
 * user's permission, acts and audits as them. A link stops working when it expires (24 h), or when its
 * user is deleted or their access changes (their access version moves on, as their tokens stop working).
 */

export interface ActionLinkDeps {
  table: TableRef;
  /** The JWT key set: link secrets are derived from its keys (the current one signs, every one verifies). */
  keySet: KeySet;
  now: () => Date;
}

export interface IssueDeps extends ActionLinkDeps {
  /** The API's base URL: links are `<baseUrl>/a/<token>`. */
  baseUrl: string;
}

/** What acting through a link needs beyond the link: correlation's dependencies (a resolution goes through it). */
export interface ActDeps {
  table: TableRef;
  now: () => Date;
  correlate: CorrelateDeps;
}

export interface IssueRequest {
  tenantId: string;
  incidentId: string;
  userId: string;
  /** The recipient's access version now (lib/store/users.ts getAccessVersion). */
  accessVersion: number;
  channel: ActionLinkChannel;
}

/** Why a link does not work: a token no key signed (`invalid`), no such link stored (`not-found`), out of date, or its user's access moved on. */
export type LinkProblem = 'invalid' | 'not-found' | 'expired' | 'revoked';

/** What the page shows of the incident. */
export interface LinkIncident {
  incident: Incident;
  /** The company's name (its id when the tenant is gone). */
  company: string;
}

export type OpenedLink = ({ ok: true; link: ActionLink } & LinkIncident) | { ok: false; problem: LinkProblem };

export type ActedLink =
  | ({ ok: true; link: ActionLink; outcome: ResponseOutcome | { result: 'used'; message: string } } & Partial<LinkIncident>)
  | { ok: false; problem: LinkProblem };

export interface ActOrigin {
  sourceIp?: string;
  userAgent?: string;
  requestId?: string;
  correlationId?: string;
}

const linkSecrets = (keySet: KeySet) => [keySet.current, ...keySet.previous].map((key) => deriveLinkSecret(key.secret));

/** A new link for one recipient of one incident, stored; its URL goes in the notification. */
export async function issueActionLink(
  deps: IssueDeps,
  request: IssueRequest,
): Promise<{ url: string; token: string; expiresAt: string; linkId: string }> {
  const now = deps.now();
  const { linkId, token } = makeToken(deriveLinkSecret(deps.keySet.current.secret));
  const expiresAt = new Date(now.getTime() + ACTION_LINK_TTL_MS).toISOString();
  await putActionLink(deps.table, {
    linkId,
    tenantId: request.tenantId,
    incidentId: request.incidentId,
    userId: request.userId,
    accessVersion: request.accessVersion,
    channel: request.channel,
    createdAt: now.toISOString(),
    expiresAt,
    used: {},
  });
  return { url: `${deps.baseUrl.replace(/\/+$/, '')}/a/${token}`, token, expiresAt, linkId };
}

/** The link a token names if it is stored and still works (signature, expiry, its user's access), else why not. */
async function workingLink(
  deps: ActionLinkDeps,
  token: string,
): Promise<{ ok: true; link: ActionLink } | { ok: false; problem: LinkProblem }> {
  const linkId = verifyToken(token, linkSecrets(deps.keySet));
  if (!linkId) return { ok: false, problem: 'invalid' };
  const link = await getActionLink(deps.table, linkId);
  if (!link) return { ok: false, problem: 'not-found' };
  return checkLink(deps, link);
}

async function checkLink(
  deps: Pick<ActDeps, 'table' | 'now'>,
  link: ActionLink,
): Promise<{ ok: true; link: ActionLink } | { ok: false; problem: LinkProblem }> {
  if (Date.parse(link.expiresAt) <= deps.now().getTime()) return { ok: false, problem: 'expired' };
  const version = await getAccessVersion(deps.table, link.userId);
  if (version === null || version !== link.accessVersion) return { ok: false, problem: 'revoked' };
  return { ok: true, link };
}

async function incidentOf(table: TableRef, link: ActionLink): Promise<LinkIncident | undefined> {
  const [incident, tenant] = await Promise.all([getIncident(table, link.tenantId, link.incidentId), getTenant(table, link.tenantId)]);
  return incident && { incident, company: tenant?.name ?? link.tenantId };
}

/** What GET /a/{token} shows: the link and its incident, or why the link does not work. Changes nothing. */
export async function openActionLink(deps: ActionLinkDeps, token: string): Promise<OpenedLink> {
  const checked = await workingLink(deps, token);
  if (!checked.ok) return checked;
  const shown = await incidentOf(deps.table, checked.link);
  if (!shown) return { ok: false, problem: 'not-found' };
  return { ok: true, link: checked.link, ...shown };
}

/**
 * Takes `action` through the link a token names (POST /a/{token}), as the link's user: checks the token,
 * the expiry and the user's access, claims the action on the link (once per action), then acts through
 * lib/incidents/respond.ts. A refusal keeps the claim (the page shows it; the same tap would be refused
 * again); a failure (an exception) releases it so that the user can try again.
 */
export async function actOnActionLink(
  deps: ActionLinkDeps & ActDeps,
  token: string,
  action: ActionLinkAction,
  origin: ActOrigin = {},
): Promise<ActedLink> {
  const checked = await workingLink(deps, token);
  if (!checked.ok) return checked;
  return actThrough(deps, checked.link, action, 'link', origin, true);
}

/**
 * Takes `action` through a stored link (the SMS reply path finds the link by its user, not by a token):
 * the same checks and claim as actOnActionLink.
 */
export async function actOnLink(
  deps: ActDeps,
  link: ActionLink,
  action: ActionLinkAction,
  via: ResponseRequest['via'],
  origin: ActOrigin = {},
): Promise<ActedLink> {
  const checked = await checkLink(deps, link);
  if (!checked.ok) return checked;
  return actThrough(deps, checked.link, action, via, origin, false);
}

async function actThrough(
  deps: ActDeps,
  link: ActionLink,
  action: ActionLinkAction,
  via: ResponseRequest['via'],
  origin: ActOrigin,
  withIncident: boolean,
): Promise<ActedLink> {
  const responder = await responderOf(deps.table, link.userId, link.accessVersion);
  if (!responder) return { ok: false, problem: 'revoked' };
  const at = deps.now();
  const claim = await claimAction(deps.table, link.linkId, action, at);
  if (!claim.claimed) {
    if (claim.reason === 'not-found' || claim.reason === 'expired') return { ok: false, problem: claim.reason };
    const shown = withIncident ? await incidentOf(deps.table, link) : undefined;
    return { ok: true, link: claim.link, outcome: { result: 'used', message: `This link was already used to ${action}` }, ...shown };
  }
  const { correlationId, ...rest } = origin;
  let outcome: ResponseOutcome;
  try {
    outcome = await respondToIncident(
      { table: deps.table, correlate: deps.correlate, now: deps.now },
      {
        tenantId: link.tenantId,
        incidentId: link.incidentId,
        action,
        responder,
        via,
        ...(correlationId ? { correlationId } : {}),
        origin: rest,
      },
    );
  } catch (error) {
    // Nothing was done (or it is not known to be): the user may try again.
    await releaseAction(deps.table, link.linkId, action, at).catch((releaseError: unknown) =>
      logger.error('Could not release an action link claim', { linkId: link.linkId, action, error: releaseError as Error }),
    );
    throw error;
  }
  logger.info('Action link used', {
    linkId: link.linkId,
    action,
    via,
    result: outcome.result,
    tenantId: link.tenantId,
    incidentId: link.incidentId,
  });
  if (!withIncident) return { ok: true, link: claim.link, outcome };
  const tenant = await getTenant(deps.table, link.tenantId);
  const company = tenant?.name ?? link.tenantId;
  const incident = outcome.incident ?? (await getIncident(deps.table, link.tenantId, link.incidentId));
  return { ok: true, link: claim.link, outcome, ...(incident ? { incident, company } : {}) };
}
