import { zodResolver } from '@hookform/resolvers/zod';
import { useId, useState } from 'react';
import { useForm } from 'react-hook-form';
import { Badge } from '../../components/badges';
import { Card } from '../../components/layout-parts';
import { ChangedBy, FieldError, fieldErrors, FormError, invalidProps } from '../../components/settings-form';
import { Notice, QueryState } from '../../components/states';
import { formatDateTime } from '../../lib/format';
import { formErrors } from '../form-errors';
import { ConflictHint } from '../sla/conflict-hint';
import { deliveryChangeOf, deliveryFormSchema, deliveryValuesOf, type CheckedDelivery, type DeliveryValues } from './delivery-draft';
import { useDeliveries, useDelivery, useSaveDelivery, type DeliveryAnswer } from './hooks';

/** Scheduled e-mail delivery of a company's report, and the last sends: for those who may send reports. */
export function DeliveryCard({ tenantId }: { tenantId: string }) {
  const query = useDelivery(tenantId);
  const [notice, setNotice] = useState<string | undefined>();
  return (
    <Card title="Delivery by e-mail">
      <p className="card-description">
        The report goes to the company&apos;s contacts on the first working day after the month (or quarter) ends, at the time set here on
        the company&apos;s service calendar, with the PDF attached.
      </p>
      <QueryState query={query} loadingLabel="Loading the delivery settings">
        {(data) => (
          <DeliveryForm
            key={`${data.tenantId}:${data.version}`}
            tenantId={tenantId}
            data={data}
            notice={notice}
            setNotice={setNotice}
            onReload={() => void query.refetch()}
          />
        )}
      </QueryState>
      <RecentSends tenantId={tenantId} />
    </Card>
  );
}

function DeliveryForm({
  tenantId,
  data,
  notice,
  setNotice,
  onReload,
}: {
  tenantId: string;
  data: DeliveryAnswer;
  notice: string | undefined;
  setNotice: (notice: string | undefined) => void;
  onReload: () => void;
}) {
  const formId = useId();
  const save = useSaveDelivery(tenantId, {
    onSuccess: (answer) =>
      setNotice(
        answer.settings.enabled && answer.nextSend
          ? `Delivery saved: the next report (${answer.nextSend.period}) goes out ${formatDateTime(answer.nextSend.at)}.`
          : 'Delivery saved: no report is sent on a schedule.',
      ),
  });
  const form = useForm<DeliveryValues, unknown, CheckedDelivery>({
    defaultValues: deliveryValuesOf(data),
    resolver: zodResolver(deliveryFormSchema),
  });
  const errors = new Map([...fieldErrors(save.error), ...formErrors(form.formState.errors)]);
  const fid = (name: string) => `${formId}-${name}`;
  const submit = form.handleSubmit((checked) => {
    setNotice(undefined);
    save.mutate(deliveryChangeOf(checked, data.version));
  });

  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="Report delivery">
      <label className="check">
        <input type="checkbox" {...form.register('enabled')} />
        Send the report on a schedule
      </label>
      <div className="form-grid">
        <label className="field" htmlFor={fid('cadence')}>
          Cadence
          <select id={fid('cadence')} {...form.register('cadence')} {...invalidProps(errors, 'cadence', fid('cadence'))}>
            <option value="monthly">Monthly</option>
            <option value="quarterly">Quarterly</option>
          </select>
          <FieldError errors={errors} path="cadence" id={fid('cadence')} />
        </label>
        <label className="field" htmlFor={fid('send-at')}>
          Send time
          <input
            id={fid('send-at')}
            type="time"
            step={60}
            {...form.register('sendAt')}
            {...invalidProps(errors, 'sendAt', fid('send-at'))}
          />
          <span className="field-hint">On the company&apos;s calendar clock.</span>
          <FieldError errors={errors} path="sendAt" id={fid('send-at')} />
        </label>
      </div>
      <label className="field" htmlFor={fid('contacts')}>
        Contacts
        <textarea
          id={fid('contacts')}
          rows={3}
          placeholder={'cio@client.example\nit-manager@client.example'}
          {...form.register('contacts')}
          {...invalidProps(errors, 'contacts', fid('contacts'))}
        />
        <span className="field-hint">One e-mail address a line, at most 20.</span>
        <FieldError errors={errors} path="contacts" id={fid('contacts')} />
      </label>
      {data.settings.enabled && data.nextSend ? (
        <p className="muted small" data-testid="next-send">
          Next report: {data.nextSend.period}, {formatDateTime(data.nextSend.at)}.
        </p>
      ) : null}
      <ChangedBy updatedAt={data.updatedAt} updatedBy={data.updatedBy} />
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <FormError error={save.error} />
      <ConflictHint error={save.error} onReload={onReload} />
      <div className="form-actions form-actions-start">
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save delivery'}
        </button>
      </div>
    </form>
  );
}

function RecentSends({ tenantId }: { tenantId: string }) {
  const query = useDeliveries(tenantId);
  const sends = query.data?.deliveries ?? [];
  if (!sends.length) return null;
  return (
    <details className="report-sends">
      <summary>Last sends ({sends.length})</summary>
      <ul>
        {sends.slice(0, 12).map((send) => (
          <li key={send.id} data-testid="report-send">
            <Badge value={send.status} /> <strong>{send.period}</strong>{' '}
            <span className="muted small">
              {formatDateTime(send.at)} · {send.recipients} contact{send.recipients === 1 ? '' : 's'} ·{' '}
              {send.trigger === 'scheduled' ? 'scheduled' : `by ${send.requestedBy}`}
              {send.error ? ` · ${send.error}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </details>
  );
}
