import * as z from 'zod';
import { actionLinkRequestSchema } from '../../domain/notify/action-link';
import { isActiveIncident } from '../../domain/incident-status';
import { AppError, badRequest, payloadTooLarge, unsupportedMediaType } from '../../errors';
import {
  acceptsHtml,
  correlationIdOf,
  header,
  MAX_JSON_DEPTH,
  parseJson,
  rawBody,
  zodDetails,
  type HttpEvent,
  type HttpResult,
} from '../../http/http';
import { actOnActionLink, openActionLink, type LinkIncident, type LinkProblem } from '../../notify/action-links';
import { ACTION_PAGE_STYLE_SOURCE, renderActionPage, type ActionPageView, type PageTone } from '../../notify/action-page';
import { logger } from '../../observability';
import type { Route, RouteContext } from '../context';
import { routeDefiner } from '../define-route';

/**
 * The one-tap action links of notifications (lib/notify/action-links.ts): `GET /a/{token}` shows a small
 * mobile page (the incident and three buttons) and never acts, since SMS and email link scanners fetch
 * GETs; `POST /a/{token}` with `action=acknowledge|resolve|escalate` (a form, or JSON) acts as the link's
 * user and answers the same page with what happened. The token is the credential: no sign-in.
 *
 * A browser (its Accept names text/html) gets an HTML page for every answer, refusals too (404 unknown
 * link, 410 expired, 403 revoked, 409 already used); any other client gets refusals in the API's one
 * error shape (`{"error": {"code", "message"}}`), as every route of the API does.
 */

const tokenParams = z.object({ token: z.string().max(8192).describe('The link token (22 characters) from the notification') });

/** Bigger than any form the page posts, small enough that nothing else is read. */
const MAX_FORM_BYTES = 4096;

const PAGE_CSP = [
  "default-src 'none'",
  `style-src ${ACTION_PAGE_STYLE_SOURCE}`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function htmlPage(statusCode: number, view: ActionPageView): HttpResult {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'content-security-policy': PAGE_CSP,
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
    },
    body: renderActionPage(view),
  };
}

const PROBLEMS: Readonly<Record<LinkProblem, { status: number; code: string; heading: string; text: string }>> = {
  invalid: { status: 404, code: 'not_found', heading: 'Link not found', text: 'This link is not valid. Check that it was copied whole.' },
  'not-found': { status: 404, code: 'not_found', heading: 'Link not found', text: 'This link does not exist (or no longer does).' },
  expired: {
    status: 410,
    code: 'expired',
    heading: 'Link expired',
    text: 'This link has expired: links work for 24 hours. Open the incident in the dashboard instead.',
  },
  revoked: {
    status: 403,
    code: 'revoked',
    heading: 'Link revoked',
    text: 'This link no longer works: the access of the user it was sent to has changed. Open the incident in the dashboard instead.',
  },
};

function problemAnswer(event: HttpEvent, problem: LinkProblem): HttpResult {
  const { status, code, heading, text } = PROBLEMS[problem];
  if (!acceptsHtml(event)) throw new AppError(status, code, text);
  return htmlPage(status, { heading, message: { text, tone: 'error' }, actions: false });
}

function incidentView({ incident, company }: LinkIncident): NonNullable<ActionPageView['incident']> {
  return {
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    company,
    openedAt: incident.openedAt,
    ...(incident.acknowledgedBy ? { acknowledgedBy: incident.acknowledgedBy } : {}),
    ...(incident.acknowledgedAt ? { acknowledgedAt: incident.acknowledgedAt } : {}),
    ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
  };
}

/** Runs a handler; for a browser, what it throws is a page too (a refusal with its status, anything else a 503 without details). */
async function answering(event: HttpEvent, run: () => Promise<HttpResult>): Promise<HttpResult> {
  try {
    return await run();
  } catch (error) {
    if (!acceptsHtml(event)) throw error;
    if (error instanceof AppError && error.status < 500) {
      return htmlPage(error.status, { heading: 'Not done', message: { text: error.message, tone: 'error' }, actions: false });
    }
    logger.error('An action link page failed', { error: error as Error });
    return htmlPage(503, {
      heading: 'Try again',
      message: { text: 'Something went wrong on our side. Nothing was changed: try again in a moment.', tone: 'error' },
      actions: false,
    });
  }
}

/**
 * A small body as a form (`application/x-www-form-urlencoded`, what an HTML form posts) or as JSON (or no
 * content type), parsed with `schema`: 413 over `maxBytes`, 415 another content type, 400 not UTF-8, not
 * JSON, a field given twice, or not valid; 422 JSON nested too deep. lib/http/http.ts's parseBody, which
 * every other route uses, takes JSON only.
 */
export function readFormOrJsonBody<S extends z.ZodType>(event: HttpEvent, schema: S, maxBytes = MAX_FORM_BYTES): z.output<S> {
  const size = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').length : Buffer.byteLength(event.body, 'utf8')) : 0;
  if (size > maxBytes) throw payloadTooLarge(maxBytes);
  const mediaType = (header(event, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  let body: unknown;
  if (mediaType === 'application/x-www-form-urlencoded') {
    const fields: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(rawBody(event))) {
      if (Object.hasOwn(fields, name)) throw badRequest('The request body is not valid', [{ path: name, message: 'Given more than once' }]);
      Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
    }
    body = fields;
  } else if (mediaType === '' || /^application\/([\w.+-]+\+)?json$/.test(mediaType)) {
    body = parseJson(rawBody(event), MAX_JSON_DEPTH);
  } else {
    throw unsupportedMediaType(`Expected application/x-www-form-urlencoded or application/json, got ${mediaType}`);
  }
  const result = schema.safeParse(body);
  if (!result.success) throw badRequest('The request body is not valid', zodDetails(result.error));
  return result.data;
}

const OUTCOME_TONES: Readonly<Record<string, PageTone>> = { done: 'ok', already: 'info', used: 'warn', refused: 'error' };

export function actionLinkRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  const linkDeps = async () => ({ table: deps.table, keySet: await deps.keySet(), now: deps.now, correlate: context.remediation });

  return [
    defineRoute(
      {
        method: 'GET',
        path: '/a/{token}',
        summary: "An incident's one-tap action link: its page",
        description:
          'The mobile page of a link a notification carried to one recipient: the incident (title, severity, company, status, opened, ' +
          'acknowledged by) and a button per action. Never acts (link scanners fetch GETs). Answers `text/html`; a refusal is a page ' +
          'for a browser (Accept: text/html) and the error shape for other clients.',
        tag: 'incidents',
        scope: 'public',
        params: tokenParams,
        malformedPathIs404: 'Link',
        responses: { 200: null },
        errors: {
          403: "Revoked: the link's user was deleted or their access changed",
          404: 'No such link (a token no key signed, or a link no longer stored), or its incident is gone',
          410: 'The link expired (24 hours after it was sent)',
        },
      },
      async ({ event, params }) =>
        answering(event, async () => {
          const opened = await openActionLink(await linkDeps(), params.token);
          if (!opened.ok) return problemAnswer(event, opened.problem);
          const active = isActiveIncident(opened.incident);
          return htmlPage(200, {
            heading: opened.incident.title,
            ...(active ? {} : { message: { text: `This incident is ${opened.incident.status}.`, tone: 'info' as const } }),
            incident: incidentView(opened),
            actions: active,
          });
        }),
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/a/{token}',
        summary: "An incident's one-tap action link: acknowledge, resolve or escalate",
        description:
          "Acts as the link's user, through the same rules as the incident API (the user's permission on the company, the incident's " +
          "state), and answers the page with what happened. The body is the page's form (`application/x-www-form-urlencoded`, `action=acknowledge`) " +
          'or JSON. Each action once per link; audited as the user. A refusal is a page for a browser and the error shape for other clients.',
        tag: 'incidents',
        scope: 'public',
        params: tokenParams,
        malformedPathIs404: 'Link',
        documentedBody: actionLinkRequestSchema,
        responses: { 200: null },
        errors: {
          403: "Revoked (the link's user was deleted or their access changed), or the user's role may not take this action",
          404: 'No such link, or its incident is gone',
          409: 'The link was already used for this action, or the action does not apply to the incident in its state',
          410: 'The link expired (24 hours after it was sent)',
          415: 'Neither a form nor JSON',
        },
      },
      async ({ event, params }) =>
        answering(event, async () => {
          const { action } = readFormOrJsonBody(event, actionLinkRequestSchema);
          const correlationId = correlationIdOf(event);
          const userAgent = header(event, 'user-agent');
          const acted = await actOnActionLink(await linkDeps(), params.token, action, {
            ...(event.requestContext?.http?.sourceIp ? { sourceIp: event.requestContext.http.sourceIp } : {}),
            ...(userAgent ? { userAgent } : {}),
            ...(event.requestContext?.requestId ? { requestId: event.requestContext.requestId } : {}),
            ...(correlationId ? { correlationId } : {}),
          });
          if (!acted.ok) return problemAnswer(event, acted.problem);
          const { outcome } = acted;
          const status = outcome.result === 'used' ? 409 : outcome.result === 'refused' ? outcome.status : 200;
          if (status >= 400 && !acceptsHtml(event))
            throw new AppError(status, outcome.result === 'used' ? 'link_used' : 'refused', outcome.message);
          const shown = acted.incident && acted.company !== undefined ? { incident: acted.incident, company: acted.company } : undefined;
          return htmlPage(status, {
            heading: shown?.incident.title ?? 'Incident',
            message: { text: outcome.message, tone: OUTCOME_TONES[outcome.result] ?? 'info' },
            ...(shown ? { incident: incidentView(shown) } : {}),
            actions: shown ? isActiveIncident(shown.incident) : false,
          });
        }),
    ),
  ];
}
