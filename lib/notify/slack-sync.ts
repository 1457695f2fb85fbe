import { renderSlackAppOutcome } from '../domain/notify/slack-app';
import { logger } from '../observability';
import { getSlackInstallation, listSlackMessageRefs, putSlackMessageRef } from '../store/slack-app';
import { getIncident } from '../store/sla';
import type { TableRef } from '../store/table-ref';
import { chatUpdate, type SlackApiOptions } from './slack-app';

/**
 * The Slack app's messages follow their incident: once it is acknowledged or resolved, however that came
 * about (the dashboard, a link, an SMS reply, another message's button), every message posted about it
 * says so and keeps only the buttons still possible. A message already showing the incident's status (the
 * one whose button did it) is left as it is. Best effort: Slack refusing an update is logged, never thrown.
 */
export async function showIncidentInSlack(
  deps: { table: TableRef; now: () => Date; api?: SlackApiOptions },
  tenantId: string,
  incidentId: string,
  actor: string | undefined,
): Promise<{ updated: number }> {
  const installation = await getSlackInstallation(deps.table, tenantId);
  if (!installation) return { updated: 0 };
  const [incident, refs] = await Promise.all([
    getIncident(deps.table, tenantId, incidentId),
    listSlackMessageRefs(deps.table, tenantId, incidentId),
  ]);
  if (!incident || (incident.status !== 'acknowledged' && incident.status !== 'resolved')) return { updated: 0 };
  let updated = 0;
  for (const ref of refs) {
    if (!ref.message || ref.shownStatus === incident.status) continue;
    const resolved = incident.status === 'resolved';
    const at = (resolved ? incident.resolvedAt : incident.acknowledgedAt) ?? deps.now().toISOString();
    const by = actor ?? (resolved ? incident.resolvedBy : incident.acknowledgedBy) ?? 'someone';
    const message = renderSlackAppOutcome(ref.message, {
      action: resolved ? 'resolve' : 'acknowledge',
      result: 'done',
      by,
      at,
      status: incident.status,
    });
    const answer = await chatUpdate(installation.botToken, { ...message, channel: ref.channel, ts: ref.ts }, deps.api ?? {});
    if (!answer.ok) {
      logger.warn('Slack app: could not update a message about the incident', { tenantId, incidentId, error: answer.error });
      continue;
    }
    await putSlackMessageRef(
      deps.table,
      tenantId,
      incidentId,
      { channel: ref.channel, ts: ref.ts, message, shownStatus: incident.status },
      deps.now(),
    );
    updated++;
  }
  return { updated };
}
