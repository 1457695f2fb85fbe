import * as z from 'zod';
import { phoneCodeSchema, phoneRequestSchema } from '../../domain/notify/phone';
import { json } from '../../http/http';
import { confirmPhoneCode, phoneView, removePhone, requestPhoneCode, type PhoneVerificationDeps } from '../../notify/phone-verification';
import { getUserPhone } from '../../store/phones';
import { noContent, type Route, type RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { NOTIFICATIONS_TAG } from './notification-shared';

/** The caller's own phone number for SMS and voice pages, and its verification by a code sent by SMS. */
const phoneResponse = z
  .object({
    number: z.string().nullable().describe('The verified number (E.164), the only one pages go to'),
    verifiedAt: z.string().nullable(),
    pending: z.object({ number: z.string(), expiresAt: z.string() }).nullable().describe('A number waiting for its code'),
  })
  .describe("The caller's phone number for SMS and voice");

const path = '/v1/me/phone';

export function phoneRoutes(context: RouteContext, verification: Omit<PhoneVerificationDeps, 'table' | 'now'>): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  const full: PhoneVerificationDeps = { ...verification, table: deps.table, now: deps.now };
  const tag = NOTIFICATIONS_TAG;
  return [
    defineRoute(
      {
        method: 'GET',
        path,
        summary: "The caller's phone number for SMS and voice",
        tag,
        scope: 'self',
        responses: { 200: phoneResponse },
      },
      async ({ principal }) => json(200, phoneView(await getUserPhone(deps.table, principal.sub))),
    ),
    defineRoute(
      {
        method: 'PUT',
        path,
        summary: "Set the caller's phone number: a 6-digit code is sent to it by SMS",
        description:
          'The number is used for pages only once the code is typed back (`POST /v1/me/phone/verify`) within 10 minutes; a new code at most once a minute. A verified number stays in use until the new one is verified.',
        tag,
        scope: 'self',
        body: phoneRequestSchema,
        responses: { 202: phoneResponse },
        errors: {
          409: 'SMS is not set up on this installation',
          429: 'A code was sent less than a minute ago',
          503: 'The SMS service did not take the code: try again',
        },
        audit: { action: 'phone.verification-requested', log: 'msp' },
      },
      async ({ principal, body, audit }) => {
        const view = await requestPhoneCode(full, principal.sub, body.number);
        await audit({ resource: { type: 'user', id: principal.sub }, summary: { after: { pending: view.pending !== null } } });
        return json(202, view);
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: `${path}/verify`,
        summary: 'Verify the pending phone number with the code sent to it',
        tag,
        scope: 'self',
        body: phoneCodeSchema,
        responses: { 200: phoneResponse },
        errors: {
          400: 'Wrong code',
          409: 'No verification under way, or another user verified this number',
          410: 'The code expired',
          429: 'Too many wrong codes',
        },
        audit: { action: 'phone.verify', log: 'msp' },
      },
      async ({ principal, body, audit }) => {
        const view = await confirmPhoneCode(full, principal.sub, body.code);
        await audit({ resource: { type: 'user', id: principal.sub }, summary: { after: { verified: true } } });
        return json(200, view);
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        path,
        summary: "Remove the caller's phone number: no more SMS or voice pages",
        tag,
        scope: 'self',
        responses: { 204: null },
        audit: { action: 'phone.remove', log: 'msp' },
      },
      async ({ principal, audit }) => {
        await removePhone(full, principal.sub);
        await audit({ resource: { type: 'user', id: principal.sub } });
        return noContent();
      },
    ),
  ];
}
