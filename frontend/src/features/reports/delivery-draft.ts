import * as z from 'zod';
import { MAX_REPORT_CONTACTS, REPORT_CADENCES } from '../../../../lib/domain/report/delivery';
import { hhmmSchema } from '../../../../lib/util/zoned-time';
import type { DeliveryAnswer, DeliveryChange } from './hooks';

/** The delivery settings as the form holds them: the contacts as typed, one address a line (or separated by commas). */
export interface DeliveryValues {
  enabled: boolean;
  cadence: DeliveryAnswer['settings']['cadence'];
  contacts: string;
  sendAt: string;
}

export function deliveryValuesOf(answer: DeliveryAnswer): DeliveryValues {
  return { ...answer.settings, contacts: answer.settings.contacts.join('\n') };
}

export const contactList = (typed: string) =>
  typed
    .split(/[\n,;]+/)
    .map((contact) => contact.trim())
    .filter(Boolean);

/** Checked as the API checks the change: addresses, at most 20, and one at least once delivery is on. */
const checkedChange = z
  .object({
    enabled: z.boolean(),
    cadence: z.enum(REPORT_CADENCES),
    contacts: z.array(z.email('Not an e-mail address').max(254)).max(MAX_REPORT_CONTACTS, `At most ${MAX_REPORT_CONTACTS} contacts`),
    sendAt: hhmmSchema,
  })
  .refine((change) => !change.enabled || change.contacts.length > 0, {
    message: 'Scheduled delivery needs at least one contact',
    path: ['contacts'],
  });

export const deliveryFormSchema = z
  .custom<DeliveryValues>()
  .transform((values) => ({ ...values, contacts: contactList(values.contacts) }))
  .pipe(checkedChange);

export type CheckedDelivery = z.output<typeof checkedChange>;

/** The change sent: no empty contact list (the API wants one address at least when contacts are sent). */
export function deliveryChangeOf(checked: CheckedDelivery, version: number): DeliveryChange {
  const { contacts, ...rest } = checked;
  return { ...rest, ...(contacts.length ? { contacts } : {}), version };
}
