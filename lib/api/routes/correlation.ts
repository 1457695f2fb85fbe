import * as z from 'zod';
import {
  correlationPolicySchema,
  mergePolicy,
  policyDifference,
  type CorrelationPolicy,
  type CorrelationPolicyInput,
} from '../../domain/correlation/policy';
import { SimulationStoppedError, simulateCorrelation, type SimulationOutcome } from '../../correlation/simulate';
import type { CanonicalAlert } from '../../domain/alert';
import { Inventory } from '../../domain/asset';
import { badRequest, type AppError } from '../../errors';
import { json, zodDetails } from '../../http/http';
import { listAssets } from '../../store/assets';
import { correlationPolicies } from '../../store/correlation-policy';
import { alertsReceivedBetween } from '../../store/kpi-reads';
import type { TableRef } from '../../store/table-ref';
import type { Route, RouteContext } from '../context';
import { EXISTING_PATH_TENANT, routeDefiner } from '../define-route';
import { policyRoutes } from '../policy-routes';
import { policyViewResponse, simulationResponse, tenantPathParams } from '../schemas';

/**
 * A tenant's correlation policy (docs/correlation.md): read it with every default
 * filled in, change some fields, reset it, and simulate a change on the tenant's recent alerts before
 * making it. Reading and simulating need `settings.read`, changing `settings.update`; a tenant the
 * caller cannot see is a 404.
 *
 * A change takes effect within a minute: the correlation handler keeps each policy a minute (PolicyCache).
 * The simulator replays the stored alerts of a period (at most 7 days, at most MAX_SIMULATED_ALERTS,
 * within SIMULATION_BUDGET_MS) through the same engine in memory, under the current policy and the
 * candidate, and writes nothing.
 */

/** The most alerts one simulation replays (twice); more asks for a shorter period. */
export const MAX_SIMULATED_ALERTS = 50_000;
/**
 * Wall-clock time a simulation may take to read and replay (the API function times out after 10 s,
 * functions/catalog.ts); past it, a 400 asks for a shorter period rather than the request timing out.
 */
const SIMULATION_BUDGET_MS = 7_000;
const DAY_MS = 24 * 3600 * 1000;
const MAX_PERIOD_MS = 7 * DAY_MS;

/** A partial policy: an object (with `rules` an object if given); the fields are checked by mergePolicy. */
const policyChange = z.looseObject({ rules: z.looseObject({}).optional() });

/** Any ISO 8601 instant. */
const instant = z.iso
  .datetime({ offset: true })
  .max(40)
  .transform((value) => new Date(value));
const simulateBody = z.strictObject({ policy: policyChange, from: instant.optional(), to: instant.optional() });

/**
 * The bodies as documented: `policyChange` only checks the outline, mergePolicy then checks the fields
 * against the policy schema, whose input side (every field optional) is what a client may send.
 */
const policyChangeDoc = correlationPolicySchema;
const simulateBodyDoc = simulateBody.extend({ policy: correlationPolicySchema });
const tag = 'correlation';

/** The fields the stored alerts are replayed from (the message and the delivery id are not needed). */
const REPLAYED_FIELDS = [
  'id',
  'tenantId',
  'source',
  'status',
  'severity',
  'assetRef',
  'assetId',
  'signature',
  'labels',
  'dedupKey',
  'occurredAt',
  'receivedAt',
] as const;

/** The current policy with the change applied, or a 400 naming the failing fields (under `prefix` in the body). */
function applyChange(current: CorrelationPolicy, change: CorrelationPolicyInput, prefix?: string): CorrelationPolicy {
  try {
    return mergePolicy(current, change);
  } catch (error) {
    if (!(error instanceof z.ZodError)) throw error;
    const details = zodDetails(error).map(({ path, message }) => ({ path: [prefix, path].filter(Boolean).join('.'), message }));
    throw badRequest(prefix ? `The ${prefix} is not valid` : 'The request body is not valid', details);
  }
}

/** A period too busy to simulate (too many alerts, or too slow to replay within the time budget): 400 asking for a shorter one. */
function tooBusy(message: string, from: Date, to: Date, details: Record<string, unknown> = {}): AppError {
  return badRequest(`${message}: simulate a shorter period`, { ...details, from: from.toISOString(), to: to.toISOString() });
}

/**
 * The tenant's alerts received in [from, to], oldest first, as the simulator replays them. More than
 * MAX_SIMULATED_ALERTS, or the time budget running out while reading, is a 400.
 */
async function alertsToReplay(table: TableRef, tenantId: string, from: Date, to: Date, outOfTime: () => boolean) {
  const items = await alertsReceivedBetween(table, tenantId, from, to, REPLAYED_FIELDS, {
    afterPage: (kept, more) => {
      if (kept > MAX_SIMULATED_ALERTS) {
        throw tooBusy(`More than ${MAX_SIMULATED_ALERTS} alerts were received in this period`, from, to, {
          maxAlerts: MAX_SIMULATED_ALERTS,
        });
      }
      if (more && outOfTime()) throw tooBusy('This period has too many alerts to read in time', from, to, { read: kept });
    },
  });
  return items.map((item): CanonicalAlert => ({ message: '', deliveryId: '', ...item }));
}

function simulationView({ incidents, noiseReduction, opened, merged, reopened, unmatchedResolutions, openAtEnd }: SimulationOutcome) {
  return { incidents, noiseReduction, opened, merged, reopened, unmatchedResolutions, openAtEnd };
}

export function correlationRoutes(context: RouteContext): Route[] {
  const { deps } = context;
  const defineRoute = routeDefiner(context);

  const path = '/v1/tenants/{id}/correlation';
  return [
    ...policyRoutes(context, correlationPolicies, {
      path: `${path}/policy`,
      tag,
      view: policyViewResponse,
      versioned: false,
      conflict: 'The policy changed meanwhile: read it again',
      read: { summary: "A tenant's correlation policy, every default filled in" },
      change: {
        summary: 'Change some fields of the correlation policy',
        description:
          'Only the fields sent change (`rules` one by one). Takes effect within a minute. A change that changes nothing is not audited.',
        body: policyChange,
        documentedBody: policyChangeDoc,
        audit: 'correlation.policy.update',
        // Not applyChange itself: its third parameter is the body field a simulation's policy sits under, not the tenant.
        apply: (current, change) => applyChange(current, change),
      },
      reset: {
        summary: 'Reset the correlation policy to the defaults',
        description: 'A policy already at the defaults is not changed (nor audited).',
        audit: 'correlation.policy.reset',
      },
      // The audit names each rule that changed, not the whole `rules`.
      differ: policyDifference,
    }),
    defineRoute(
      {
        method: 'POST',
        path: `${path}/simulate`,
        summary: "Simulate a policy change on the tenant's recent alerts",
        description:
          'Replays the alerts received in [from, to] (default the last 24 hours, at most 7 days) under the current policy and the candidate, in memory: writes nothing.',
        tag,
        scope: 'tenant',
        action: 'settings.read',
        params: tenantPathParams,
        tenant: EXISTING_PATH_TENANT,
        body: simulateBody,
        documentedBody: simulateBodyDoc,
        responses: { 200: simulationResponse },
        errors: { 400: 'Invalid input, or a period too long or too busy to simulate' },
      },
      async ({ tenantId, body }) => {
        const started = Date.now();
        const outOfTime = () => Date.now() - started > SIMULATION_BUDGET_MS;
        const to = body.to ?? deps.now();
        const from = body.from ?? new Date(to.getTime() - DAY_MS);
        if (from.getTime() >= to.getTime()) throw badRequest('from must be before to', [{ path: 'from', message: 'not before to' }]);
        if (to.getTime() - from.getTime() > MAX_PERIOD_MS) {
          throw badRequest('A simulation covers at most 7 days', [{ path: 'from', message: 'more than 7 days before to' }]);
        }
        const { policy: current } = await correlationPolicies.get(deps.table, tenantId);
        const candidate = applyChange(current, body.policy, 'policy');
        const [alerts, assets] = await Promise.all([
          alertsToReplay(deps.table, tenantId, from, to, outOfTime),
          listAssets(deps.table, tenantId),
        ]);
        const inventory = new Inventory(assets);
        const simulate = (policy: CorrelationPolicy) => {
          try {
            return simulationView(simulateCorrelation(alerts, inventory, policy, tenantId, { shouldStop: outOfTime }));
          } catch (error) {
            if (!(error instanceof SimulationStoppedError)) throw error;
            throw tooBusy(`This period's ${alerts.length} alerts take too long to replay`, from, to, { alerts: alerts.length });
          }
        };
        const changes = policyDifference(current, candidate);
        const currentOutcome = simulate(current);
        return json(200, {
          tenantId,
          period: { from: from.toISOString(), to: to.toISOString() },
          alerts: alerts.length,
          current: currentOutcome,
          // A candidate that changes nothing needs no second replay.
          candidate: Object.keys(changes.after).length ? simulate(candidate) : currentOutcome,
          changes,
        });
      },
    ),
  ];
}
