import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useSession } from '../auth/session';
import { useTenants } from '../auth/tenants';
import { PageHeader } from '../components/layout-parts';
import { ConfirmDialog } from '../components/settings-form';
import { EmptyState, errorMessage, Notice, QueryState, Spinner } from '../components/states';
import { DeliveryCard } from '../features/reports/DeliveryCard';
import { useDelivery, useDownloadReportPdf, useReport, useSendReport } from '../features/reports/hooks';
import { isPeriod, lastMonth, monthChoices, quarterChoices } from '../features/reports/period';
import { ReportPreview } from '../features/reports/ReportPreview';
import '../features/reports/reports.css';

type Outcome = { kind: 'success' | 'error' | 'info'; text: string };

/**
 * A company's service report for a month or a quarter: previewed from the report's JSON, downloaded as the
 * PDF the client gets, sent to the company's contacts now, and (for those who may send) its scheduled
 * delivery. Staff pick the company; a client's viewer sees their own.
 */
export default function ReportsPage() {
  const { can } = useSession();
  const { tenants, current, loading, nameOf } = useTenants();
  const [params, setParams] = useSearchParams();
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [confirmSend, setConfirmSend] = useState(false);
  const [download, setDownload] = useState<{ url: string; name: string } | undefined>();

  const readable = tenants.filter((tenant) => can('report.read', tenant.id));
  const asked = params.get('tenant');
  const tenantId =
    asked && readable.some((tenant) => tenant.id === asked) ? asked : readable.some((t) => t.id === current) ? current : readable[0]?.id;
  const askedPeriod = params.get('period');
  const period = isPeriod(askedPeriod) ? askedPeriod : lastMonth();
  const months = useMemo(() => monthChoices(), []);
  const quarters = useMemo(() => quarterChoices(), []);
  const maySend = tenantId !== undefined && can('report.send', tenantId);

  const report = useReport(tenantId, period);
  const delivery = useDelivery(tenantId, maySend);
  const pdf = useDownloadReportPdf({
    onSuccess: (blob, { tenantId: tenant, period: of }) => {
      const name = `${tenant}-${of}.pdf`;
      if (download) URL.revokeObjectURL(download.url);
      const url = URL.createObjectURL(blob);
      setDownload({ url, name });
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      link.click();
      setOutcome({ kind: 'success', text: `${name} downloaded.` });
    },
    onError: (error) => setOutcome({ kind: 'error', text: `The PDF could not be made: ${errorMessage(error)}` }),
  });
  const send = useSendReport(tenantId ?? '', {
    onSuccess: (record) => {
      setConfirmSend(false);
      setOutcome(
        record.status === 'sent'
          ? {
              kind: 'success',
              text: `The report of ${record.period} was sent to ${record.recipients} contact${record.recipients === 1 ? '' : 's'}.`,
            }
          : { kind: 'error', text: `The report of ${record.period} was not sent: ${record.error ?? 'the mail service refused it'}.` },
      );
    },
    onError: (error) => {
      setConfirmSend(false);
      setOutcome({ kind: 'error', text: errorMessage(error) });
    },
  });

  const setParam = (name: string, value: string) => {
    setOutcome(undefined);
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous);
        next.set(name, value);
        return next;
      },
      { replace: true },
    );
  };

  const periodLabel = [...months, ...quarters].find((choice) => choice.value === period)?.label ?? period;
  const contacts = delivery.data?.settings.contacts ?? [];

  return (
    <>
      <PageHeader
        title="Reports"
        description={
          <>
            The service report {tenantId ? <strong>{nameOf(tenantId)}</strong> : 'a company'} gets: incidents, SLA compliance and breaches,
            self-healing, noise and maintenance, compared with the period before.
          </>
        }
        actions={
          tenantId ? (
            <>
              <button
                type="button"
                className="button"
                disabled={pdf.isPending || !report.isSuccess}
                onClick={() => pdf.mutate({ tenantId, period })}
              >
                {pdf.isPending ? 'Making the PDF…' : 'Download PDF'}
              </button>
              {maySend ? (
                <button type="button" className="button button-primary" disabled={!report.isSuccess} onClick={() => setConfirmSend(true)}>
                  Send now
                </button>
              ) : null}
            </>
          ) : null
        }
      />
      {loading ? (
        <Spinner label="Loading the companies" />
      ) : !tenantId ? (
        <EmptyState title="No reports">You do not see any company&apos;s reports.</EmptyState>
      ) : (
        <div className="stack">
          <div className="filters report-filters">
            {readable.length > 1 ? (
              <label>
                Company
                <select value={tenantId} onChange={(event) => setParam('tenant', event.target.value)}>
                  {readable.map((tenant) => (
                    <option key={tenant.id} value={tenant.id}>
                      {tenant.name}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            <label>
              Period
              <select value={period} onChange={(event) => setParam('period', event.target.value)}>
                <optgroup label="Months">
                  {months.map((choice) => (
                    <option key={choice.value} value={choice.value}>
                      {choice.label}
                    </option>
                  ))}
                </optgroup>
                <optgroup label="Quarters">
                  {quarters.map((choice) => (
                    <option key={choice.value} value={choice.value}>
                      {choice.label}
                    </option>
                  ))}
                </optgroup>
              </select>
            </label>
          </div>
          {outcome ? <Notice kind={outcome.kind}>{outcome.text}</Notice> : null}
          {download ? (
            <p className="muted small">
              Not saved?{' '}
              <a href={download.url} download={download.name}>
                {download.name}
              </a>
            </p>
          ) : null}
          <QueryState query={report} loadingLabel="Making the report">
            {(data) => <ReportPreview report={data} />}
          </QueryState>
          {maySend ? <DeliveryCard key={tenantId} tenantId={tenantId} /> : null}
          <ConfirmDialog
            open={confirmSend}
            title="Send the report now?"
            confirmLabel="Send"
            busy={send.isPending}
            onConfirm={() => send.mutate(period)}
            onClose={() => setConfirmSend(false)}
          >
            {contacts.length ? (
              <>
                <p>
                  The report of <strong>{periodLabel}</strong> for {nameOf(tenantId)} goes by e-mail, with the PDF, to:
                </p>
                <ul className="report-recipients" aria-label="Recipients">
                  {contacts.map((contact) => (
                    <li key={contact}>{contact}</li>
                  ))}
                </ul>
              </>
            ) : (
              <p>No contacts yet: add them under Delivery by e-mail first.</p>
            )}
          </ConfirmDialog>
        </div>
      )}
    </>
  );
}
