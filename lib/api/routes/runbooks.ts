import * as z from 'zod';
import { AppError, badRequest, conflict, notFound } from '../../errors';
import { json, zodDetails } from '../../http/http';
import { LIBRARY_IDS, libraryRunbook, RUNBOOK_LIBRARY } from '../../remediation/library';
import {
  matchRulesSchema,
  RUNBOOK_ID_PATTERN,
  runbookParameterSchema,
  runbookSchema,
  type Runbook,
} from '../../domain/remediation/runbook';
import { eachElement, eachOption, isReservedKey, maxLength } from '../../util/input-limits';
import { deleteTenantRunbook, getTenantRunbook, listTenantRunbooks, putTenantRunbook } from '../../store/runbooks';
import { noContent, type Route, type RouteContext } from '../context';
import { routeDefiner } from '../define-route';
import { runbookListResponse, runbookResponse, tenantQuery } from '../schemas';

const tag = 'runbooks';
const runbookPathParams = z.object({ id: z.string().max(64).regex(RUNBOOK_ID_PATTERN).describe('Runbook id') });
/** A replacement: the id comes from the path (the body may repeat it). */
const replaceBody = z.looseObject({ id: z.string().max(64).optional() });

/**
 * A runbook as a request carries it: the library's schema (lib/domain/remediation/runbook.ts) with every
 * string bounded (keywords 64, parameter names 40, enum values 64, defaults and examples 1024, a string
 * parameter's longest maxLength) and no parameter named like a reserved key or an Object.prototype member,
 * its own checks kept (placeholders, rollback, parameter values).
 */
const parameterRequest = eachOption(runbookParameterSchema, (option) => {
  const parameter = option as z.ZodObject<{
    name: z.ZodString;
    values?: z.ZodArray<z.ZodString>;
    default?: z.ZodOptional<z.ZodString | z.ZodNumber>;
    example?: z.ZodOptional<z.ZodString | z.ZodNumber>;
  }>;
  const { name, values, default: fallback, example } = parameter.shape;
  const text = (field: z.ZodOptional<z.ZodString | z.ZodNumber> | undefined) =>
    field && field.unwrap()._zod.def.type === 'string' ? maxLength(field, 1024) : field;
  return parameter.safeExtend({
    // A parameter is looked up by name in the execution's `params` map (and stored as its key): never a
    // reserved key or a name every object has (`toString`...), which the lookup would find on the prototype.
    name: maxLength(name, 40).refine((value) => !isReservedKey(value) && !(value in Object.prototype), 'A reserved name: choose another'),
    ...(values ? { values: eachElement(values, (value) => maxLength(value, 64)) } : {}),
    ...(fallback ? { default: text(fallback) } : {}),
    ...(example ? { example: text(example) } : {}),
  });
});
const runbookRequest = runbookSchema.safeExtend({
  match: matchRulesSchema.safeExtend({
    keywords: eachElement(matchRulesSchema.shape.keywords, (keyword) => maxLength(keyword, 64)),
  }),
  parameters: eachElement(runbookSchema.shape.parameters, () => parameterRequest),
});

/**
 * Runbooks: the library every tenant gets (code, read-only) and the tenant's own,
 * validated with the same schema (scripts with placeholders only where parameters are quoted safely,
 * a rollback unless read-only...). A tenant runbook cannot take a library id. Writes need
 * `runbook.write` (MSP and company admins) and are audited; a replacement that changes nothing is not.
 */
export function runbookRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);
  /** A replacement's runbook: its body with the path's id, checked as a whole once they are put together. */
  const validated = (body: unknown): Runbook => {
    const parsed = runbookRequest.safeParse(body);
    if (!parsed.success) throw badRequest('The runbook is not valid', zodDetails(parsed.error));
    return parsed.data;
  };
  const libraryIsReadOnly = (id: string) =>
    new AppError(409, 'conflict', `${id} is a library runbook: copy it under another id to change it`);

  return [
    defineRoute(
      {
        method: 'GET',
        path: '/v1/runbooks',
        summary: "The runbook library and the tenant's own runbooks",
        tag,
        scope: 'tenant',
        action: 'runbook.read',
        query: tenantQuery,
        tenant: { from: 'query' },
        responses: { 200: runbookListResponse },
      },
      async ({ tenantId }) => {
        const own = await listTenantRunbooks(deps.table, tenantId);
        return json(200, {
          tenantId,
          runbooks: [
            ...RUNBOOK_LIBRARY.map((runbook) => ({ ...runbook, source: 'library' as const })),
            ...own.map((runbook) => ({ ...runbook, source: 'tenant' as const })),
          ],
        });
      },
    ),
    defineRoute(
      {
        method: 'GET',
        path: '/v1/runbooks/{id}',
        summary: 'One runbook',
        tag,
        scope: 'tenant',
        action: 'runbook.read',
        params: runbookPathParams,
        malformedPathIs404: 'Runbook',
        query: tenantQuery,
        tenant: { from: 'query' },
        responses: { 200: runbookResponse },
      },
      async ({ tenantId, params: { id } }) => {
        const library = libraryRunbook(id);
        if (library) return json(200, { ...library, source: 'library' });
        const own = await getTenantRunbook(deps.table, tenantId, id);
        if (!own) throw notFound('Runbook');
        return json(200, { ...own, source: 'tenant' });
      },
    ),
    defineRoute(
      {
        method: 'POST',
        path: '/v1/runbooks',
        summary: 'Add a runbook of the tenant',
        description:
          'Validated like the library: parameters with patterns, placeholders only where they are quoted, a rollback unless read-only.',
        tag,
        scope: 'tenant',
        action: 'runbook.write',
        query: tenantQuery,
        tenant: { from: 'query' },
        body: runbookRequest,
        responses: { 201: runbookResponse },
        errors: { 409: 'A runbook with this id exists (or it is a library id)' },
        audit: { action: 'runbook.create', log: 'tenant' },
      },
      async ({ principal, tenantId, body: runbook, audit }) => {
        if (LIBRARY_IDS.has(runbook.id)) throw libraryIsReadOnly(runbook.id);
        if (!(await putTenantRunbook(deps.table, tenantId, runbook, 'create', principal.email, deps.now()))) {
          throw conflict(`A runbook ${runbook.id} exists`);
        }
        await audit({
          tenantId,
          resource: { type: 'runbook', id: runbook.id },
          summary: { after: { name: runbook.name, platform: runbook.platform, risk: runbook.risk } },
        });
        return json(201, { ...runbook, source: 'tenant' });
      },
    ),
    defineRoute(
      {
        method: 'PUT',
        path: '/v1/runbooks/{id}',
        summary: 'Replace a runbook of the tenant',
        description: 'Library runbooks cannot be changed. Replacing a runbook with itself changes nothing.',
        tag,
        scope: 'tenant',
        action: 'runbook.write',
        params: runbookPathParams,
        malformedPathIs404: 'Runbook',
        query: tenantQuery,
        tenant: { from: 'query' },
        body: replaceBody,
        documentedBody: runbookRequest,
        responses: { 200: runbookResponse },
        errors: { 409: 'A library runbook' },
        audit: { action: 'runbook.update', log: 'tenant' },
      },
      async ({ principal, tenantId, params: { id }, body, audit }) => {
        if (body.id !== undefined && body.id !== id) {
          throw badRequest('The request body is not valid', [{ path: 'id', message: 'differs from the id in the path' }]);
        }
        if (LIBRARY_IDS.has(id)) throw libraryIsReadOnly(id);
        const runbook = validated({ ...body, id });
        const before = await getTenantRunbook(deps.table, tenantId, id);
        if (!before) throw notFound('Runbook');
        if (JSON.stringify(before) !== JSON.stringify(runbook)) {
          if (!(await putTenantRunbook(deps.table, tenantId, runbook, 'replace', principal.email, deps.now()))) throw notFound('Runbook');
          await audit({
            tenantId,
            resource: { type: 'runbook', id },
            summary: {
              before: { risk: before.risk, platform: before.platform },
              after: { risk: runbook.risk, platform: runbook.platform },
            },
          });
        }
        return json(200, { ...runbook, source: 'tenant' });
      },
    ),
    defineRoute(
      {
        method: 'DELETE',
        path: '/v1/runbooks/{id}',
        summary: 'Delete a runbook of the tenant',
        tag,
        scope: 'tenant',
        action: 'runbook.write',
        params: runbookPathParams,
        malformedPathIs404: 'Runbook',
        query: tenantQuery,
        tenant: { from: 'query' },
        responses: { 204: null },
        errors: { 409: 'A library runbook' },
        audit: { action: 'runbook.delete', log: 'tenant' },
      },
      async ({ tenantId, params: { id }, audit }) => {
        if (LIBRARY_IDS.has(id)) throw libraryIsReadOnly(id);
        const before = await deleteTenantRunbook(deps.table, tenantId, id);
        if (!before) throw notFound('Runbook');
        await audit({
          tenantId,
          resource: { type: 'runbook', id },
          summary: { before: { name: before.name, risk: before.risk } },
        });
        return noContent();
      },
    ),
  ];
}
