import * as z from 'zod';
import { badRequest } from '../../errors';
import { json } from '../../http/http';
import { logoTypeOf, MAX_LOGO_BASE64, MAX_LOGO_BYTES, type Branding, type Logo } from '../../domain/report/branding';
import { pdfImageOf } from '../../reports/pdf-image';
import { getBranding, putBranding } from '../../store/branding';
import type { Route, RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { brandingResponse } from '../report-schemas';

/**
 * The MSP's name and logo on client reports (lib/domain/report/branding.ts): anyone signed in reads them
 * (the dashboard shows them), MSP admins change them (`branding.write`), audited in the MSP's log.
 */

const tag = 'reports';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const brandingBody = z
  .object({
    name: z.string().trim().min(1).max(128).describe('The MSP\'s name on reports ("Alert Whisperer" until set)'),
    logo: z
      .string()
      .max(MAX_LOGO_BASE64)
      .nullable()
      .optional()
      .describe(`A PNG or JPEG image, base64, at most ${MAX_LOGO_BYTES / 1024} kB; left out or null: no logo`),
  })
  .strict();

const view = (branding: Branding) => ({
  name: branding.name,
  logo: branding.logo ?? null,
  ...(branding.updatedAt ? { updatedAt: branding.updatedAt } : {}),
  ...(branding.updatedBy ? { updatedBy: branding.updatedBy } : {}),
});

/** What the audit log keeps of a logo: its type and size, not the image. */
const logoSummary = (logo: Logo | undefined) =>
  logo ? `${logo.contentType}, ${Math.round((Buffer.from(logo.data, 'base64').length / 1024) * 10) / 10} kB` : null;

/** The logo as stored: a PNG or JPEG by its first bytes, within the size limit, that a PDF can draw; 400 otherwise. */
function logoOf(base64: string): Logo {
  const refuse = (message: string) => badRequest(message, [{ path: 'logo', message }]);
  if (!BASE64.test(base64) || base64.length % 4 !== 0) throw refuse('The logo is not base64');
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length > MAX_LOGO_BYTES) throw refuse(`The logo is larger than ${MAX_LOGO_BYTES / 1024} kB`);
  const contentType = logoTypeOf(bytes);
  if (!contentType) throw refuse('The logo is not a PNG or JPEG image');
  // Refused now rather than left out of every PDF later.
  const drawable = pdfImageOf(bytes, contentType);
  if (typeof drawable === 'string') throw refuse(drawable);
  return { contentType, data: bytes.toString('base64') };
}

export function brandingRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/branding',
        summary: "The MSP's name and logo on client reports",
        tag,
        scope: 'self',
        responses: { 200: brandingResponse },
      },
      async () => json(200, view(await getBranding(deps.table))),
    ),
    defineRoute(
      {
        method: 'PUT',
        path: '/v1/branding',
        summary: "Set the MSP's name and logo on client reports",
        description:
          `The name, and a logo (PNG or JPEG, known by its first bytes, at most ${MAX_LOGO_BYTES / 1024} kB, base64): both replaced ` +
          'by what is sent, so a logo left out is removed. MSP admins only; audited in the MSP log.',
        tag,
        scope: 'msp',
        action: 'branding.write',
        body: brandingBody,
        responses: { 200: brandingResponse },
        audit: { action: 'branding.update', log: 'msp' },
      },
      async ({ body, principal, audit }) => {
        const before = await getBranding(deps.table);
        const logo = body.logo ? logoOf(body.logo) : undefined;
        const next: Branding = {
          name: body.name,
          ...(logo ? { logo } : {}),
          updatedAt: deps.now().toISOString(),
          updatedBy: principal.email,
        };
        await putBranding(deps.table, next);
        await audit({
          resource: { type: 'branding', id: 'msp' },
          summary: {
            before: { name: before.name, logo: logoSummary(before.logo) },
            after: { name: next.name, logo: logoSummary(next.logo) },
          },
        });
        return json(200, view(next));
      },
    ),
  ];
}
