import type { KeySet } from '../auth/tokens';
import { listUsers, getAccessVersion } from '../store/users';
import type { TableRef } from '../store/table-ref';
import { issueActionLink } from './action-links';
import { createEmailSender } from './channels';
import type { DeliverDeps } from './deliver';

/**
 * What notifications need beyond the channels' settings to page people and let them act from the
 * page: the signed one-tap links (made per recipient and channel, bound to the recipient's access as it
 * is now) and the SMS and voice settings with the monthly cap, whose 80% mark emails the MSP admins.
 */
export interface PagingSettings {
  table: TableRef;
  keySet: () => Promise<KeySet>;
  /** The HTTP API's URL: links are `<base>/a/<token>`. */
  linkBaseUrl: string;
  originationIdentity?: string;
  configurationSetName?: string;
  monthlyCap: number;
  /** Where the budget warning comes from (the platform's SES sender); none: only logged. */
  emailSender?: string;
  now?: () => Date;
}

export function pagingDeps(settings: PagingSettings): Pick<DeliverDeps, 'links' | 'phone'> {
  const now = settings.now ?? (() => new Date());
  const sendEmail = createEmailSender();
  const links: DeliverDeps['links'] = async ({ tenantId, incidentId, userId, channel }) => {
    const accessVersion = await getAccessVersion(settings.table, userId);
    if (accessVersion === null) return undefined;
    const link = await issueActionLink(
      { table: settings.table, keySet: await settings.keySet(), now, baseUrl: settings.linkBaseUrl },
      { tenantId, incidentId, userId, accessVersion, channel },
    );
    return link.url;
  };
  // Without an origination identity the stack has no SMS or voice: deliveries say "not set up".
  if (!settings.originationIdentity) return { links };
  return {
    links,
    phone: {
      originationIdentity: settings.originationIdentity,
      ...(settings.configurationSetName ? { configurationSetName: settings.configurationSetName } : {}),
      monthlyCap: settings.monthlyCap,
      onBudgetWarning: async (tenantId, used, cap) => {
        const from = settings.emailSender;
        if (!from) return;
        const admins = (await listUsers(settings.table)).filter((user) => user.role === 'msp_admin');
        const subject = `SMS and voice budget: ${tenantId} has used ${used} of ${cap} this month`;
        const text =
          `${tenantId} has been sent ${used} of its ${cap} SMS and voice messages this month (80%). ` +
          'Once the cap is reached, its pages go by email, Slack and Teams only until the month ends. ' +
          'Raise the cap (the stack setting smsMonthlyCap) or find out why this company pages so much.';
        await Promise.all(admins.map((admin) => sendEmail({ subject, text, html: `<p>${text}</p>` }, { to: admin.email, from })));
      },
    },
  };
}
