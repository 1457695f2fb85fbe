import type { MouseEvent } from 'react';
import { CopyButton, CopyField } from '../../components/copy-button';
import { Card, DataTable } from '../../components/layout-parts';
import { useIntegrations } from './hooks';
import { QueryState } from '../../components/states';

type IntegrationsAnswer = NonNullable<ReturnType<typeof useIntegrations>['data']>;

type Guide = IntegrationsAnswer['setup'][number];

/** A block of text to paste (config, payload, script) with its copy button. */
function Snippet({ title, text }: { title: string; text: string }) {
  return (
    <div className="snippet">
      <div className="snippet-head">
        <h4>{title}</h4>
        <CopyButton text={text} label={`Copy ${title.toLowerCase()}`} />
      </div>
      <pre tabIndex={0} aria-label={title}>
        <code>{text}</code>
      </pre>
    </div>
  );
}

function sampleCurl(apiBaseUrl: string): string {
  return [
    `API=${apiBaseUrl}`,
    'KEY=<your API key>',
    'HMAC_SECRET=<your signing secret>   # only when signing is set up',
    `BODY='{"asset_name":"db-prod-01","signature":"HighCPU","severity":"high","message":"CPU above 95%","tool_source":"nagios"}'`,
    'TS=$(date +%s)',
    `SIG="sha256=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$HMAC_SECRET" | cut -d' ' -f2)"`,
    `curl -sS -X POST "$API/v1/webhooks/generic" -H 'Content-Type: application/json' \\`,
    `  -H "X-Api-Key: $KEY" -H "X-Timestamp: $TS" -H "X-Signature: $SIG" -d "$BODY"`,
  ].join('\n');
}

function anchor(source: string): string {
  return `guide-${source}`;
}

function GuideCard({ guide, apiBaseUrl }: { guide: Guide; apiBaseUrl: string }) {
  const headers = Object.entries(guide.headers ?? {});
  const parameterText = guide.parameters?.map((parameter) => `${parameter.name} = ${parameter.value}`).join('\n');
  return (
    <section
      className="card guide"
      id={anchor(guide.source)}
      aria-labelledby={`${anchor(guide.source)}-title`}
      data-testid="integration-guide"
    >
      <div className="card-header">
        <h2 id={`${anchor(guide.source)}-title`} tabIndex={-1}>
          {guide.tool}
        </h2>
        <code className="muted small">{guide.source}</code>
      </div>
      <div className="stack">
        {guide.webhookUrl ? <CopyField label="Webhook URL" value={guide.webhookUrl} /> : null}
        {guide.alternativeUrl ? <CopyField label="Without headers" value={guide.alternativeUrl} /> : null}
        {headers.length ? (
          <div className="guide-header-list">
            {headers.map(([name, value]) => (
              <CopyField key={name} label={`Header ${name}`} value={value} />
            ))}
            <p className="muted small">
              Replace &lt;your key&gt; with the company&apos;s API key (Keys &amp; secrets tab). When signing is required, also send
              X-Timestamp and X-Signature.
            </p>
          </div>
        ) : null}
        <ol className="guide-steps">
          {guide.steps.map((step) => (
            <li key={step}>{step}</li>
          ))}
        </ol>
        {guide.registeredTopicArns ? (
          <p className="small">
            Registered SNS topics:{' '}
            {guide.registeredTopicArns.length ? (
              guide.registeredTopicArns.map((arn) => <code key={arn}>{arn}</code>)
            ) : (
              <span className="muted">none yet</span>
            )}
          </p>
        ) : null}
        {guide.registeredAwsAccountIds ? (
          <p className="small">
            Registered AWS accounts:{' '}
            {guide.registeredAwsAccountIds.length ? (
              guide.registeredAwsAccountIds.map((account) => <code key={account}>{account}</code>)
            ) : (
              <span className="muted">none yet</span>
            )}
          </p>
        ) : null}
        {guide.config ? <Snippet title="Configuration" text={guide.config} /> : null}
        {guide.payloadTemplate ? <Snippet title="Payload template" text={guide.payloadTemplate} /> : null}
        {guide.parameters && parameterText ? (
          <details className="guide-details">
            <summary>Media type parameters ({guide.parameters.length})</summary>
            <div className="stack">
              <DataTable caption={`${guide.tool} parameters`}>
                <thead>
                  <tr>
                    <th scope="col">Parameter</th>
                    <th scope="col">Value</th>
                  </tr>
                </thead>
                <tbody>
                  {guide.parameters.map((parameter) => (
                    <tr key={parameter.name}>
                      <th scope="row">
                        <code>{parameter.name}</code>
                      </th>
                      <td>
                        <code>{parameter.value}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </DataTable>
              <div className="row">
                <CopyButton text={parameterText} label="Copy parameters" />
              </div>
            </div>
          </details>
        ) : null}
        {guide.script ? (
          <details className="guide-details">
            <summary>Media type script</summary>
            <Snippet title="Script" text={guide.script} />
          </details>
        ) : null}
        {guide.source === 'generic' ? <Snippet title="Sample request" text={sampleCurl(apiBaseUrl)} /> : null}
      </div>
    </section>
  );
}

/** The per-tool setup guides with this deployment's exact webhook URLs (from GET /v1/integrations). */
export function IntegrationsTab({ tenantId }: { tenantId: string }) {
  const query = useIntegrations(tenantId);
  const jump = (event: MouseEvent<HTMLAnchorElement>, source: string) => {
    event.preventDefault();
    const target = document.getElementById(anchor(source));
    target?.scrollIntoView({ behavior: 'smooth', block: 'start' });
    document.getElementById(`${anchor(source)}-title`)?.focus({ preventScroll: true });
  };
  return (
    <QueryState query={query} loadingLabel="Loading the integration guides">
      {(data) => (
        <>
          <Card title="Connect a monitoring tool">
            <div className="stack">
              <p className="card-description">
                Every tool posts to its own webhook URL with the company&apos;s API key. Repeated deliveries are recognised for 24 hours, so
                retries never open duplicate incidents.
              </p>
              <CopyField label="API base URL" value={data.apiBaseUrl} />
              <nav aria-label="Tools" className="guide-nav">
                {data.setup.map((guide) => (
                  <a key={guide.source} href={`#${anchor(guide.source)}`} onClick={(event) => jump(event, guide.source)}>
                    {guide.tool}
                  </a>
                ))}
              </nav>
            </div>
          </Card>
          <div className="guide-list">
            {data.setup.map((guide) => (
              <GuideCard key={guide.source} guide={guide} apiBaseUrl={data.apiBaseUrl} />
            ))}
          </div>
        </>
      )}
    </QueryState>
  );
}
