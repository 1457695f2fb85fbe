import { header, type HttpEvent } from '../../http/http';
import { DATADOG_PAYLOAD_TEMPLATE } from '../../ingest/datadog';
import { ZABBIX_WEBHOOK_PARAMETERS, ZABBIX_WEBHOOK_SCRIPT } from '../../ingest/zabbix';

const KEY_PLACEHOLDER = '<your key>';

/**
 * The API's base URL as the caller reached it: `x-forwarded-proto` (or https, http for loopback) and
 * the Host header (API Gateway's domain, or the local gateway's host and port).
 */
export function apiBaseUrl(event: HttpEvent): string {
  const hostHeader = header(event, 'host');
  const host =
    hostHeader && /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(hostHeader) ? hostHeader : event.requestContext.domainName;
  const forwarded = header(event, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  const loopback = /^(?:localhost|127\.\d+\.\d+\.\d+|\[::1\])(?::\d+)?$/.test(host);
  const proto = forwarded === 'http' || forwarded === 'https' ? forwarded : loopback ? 'http' : 'https';
  return `${proto}://${host}`;
}

export /** The per-tool setup guide (docs/integrations.md), with this deployment's webhook URLs filled in. */
function setupGuide(base: string, settings: { snsTopicArns: string[]; awsAccountIds: string[] }) {
  const url = (source: string, withKey = false) => `${base}/v1/webhooks/${source}${withKey ? `?api_key=${KEY_PLACEHOLDER}` : ''}`;
  const keyHeader = { 'X-Api-Key': KEY_PLACEHOLDER };
  return [
    {
      source: 'generic',
      tool: 'Scripts (generic JSON)',
      webhookUrl: url('generic'),
      headers: keyHeader,
      steps: [
        'POST JSON to the URL with the X-Api-Key header.',
        'Body: {"asset_name","signature","severity","message","tool_source"} (+ status, timestamp, dedup_key, labels); an array posts several alerts.',
      ],
    },
    {
      source: 'alertmanager',
      tool: 'Prometheus Alertmanager',
      webhookUrl: url('alertmanager'),
      headers: keyHeader,
      alternativeUrl: url('alertmanager', true),
      config: [
        'receivers:',
        '  - name: alert-whisperer',
        '    webhook_configs:',
        `      - url: ${url('alertmanager')}`,
        '        send_resolved: true',
        '        max_alerts: 100',
        '        http_config:',
        '          authorization:',
        '            type: Bearer',
        `            credentials: ${KEY_PLACEHOLDER}`,
      ].join('\n'),
      steps: [
        'Add the receiver to alertmanager.yml and route alerts to it (Alertmanager 0.22 or later: http_config.authorization).',
        'The key goes in an Authorization header, so it does not show in status pages; older versions: use the alternative URL.',
      ],
    },
    {
      source: 'grafana',
      tool: 'Grafana',
      webhookUrl: url('grafana'),
      headers: keyHeader,
      steps: [
        'Alerting -> Contact points -> New -> Integration Webhook, method POST.',
        'Optional settings: Authorization header scheme Bearer, credentials your key (Grafana 9.1 or later); or add the X-Api-Key header.',
      ],
    },
    {
      source: 'datadog',
      tool: 'Datadog',
      webhookUrl: url('datadog'),
      headers: keyHeader,
      payloadTemplate: DATADOG_PAYLOAD_TEMPLATE,
      steps: [
        'Integrations -> Webhooks -> New: the URL, Custom Headers {"X-Api-Key": "<your key>"}, "Encode as form" off.',
        'Paste the payload template, then mention @webhook-<name> in the monitors.',
      ],
    },
    {
      source: 'zabbix',
      tool: 'Zabbix',
      webhookUrl: url('zabbix'),
      parameters: ZABBIX_WEBHOOK_PARAMETERS.map(({ name, value }) =>
        name === 'alert_whisperer_url'
          ? { name, value: url('zabbix') }
          : name === 'alert_whisperer_api_key'
            ? { name, value: KEY_PLACEHOLDER }
            : { name, value },
      ),
      script: ZABBIX_WEBHOOK_SCRIPT,
      steps: [
        'Alerts -> Media types -> Create media type, type Webhook, with these parameters and script.',
        "Set event_timezone to the Zabbix server's time zone.",
      ],
    },
    {
      source: 'azure',
      tool: 'Azure Monitor',
      webhookUrl: url('azure', true),
      steps: ['Monitor -> Alerts -> Action groups -> Actions: Webhook with this URI.', 'Enable the common alert schema: Yes.'],
    },
    {
      source: 'cloudwatch',
      tool: 'CloudWatch via SNS',
      webhookUrl: url('cloudwatch', true),
      registeredTopicArns: settings.snsTopicArns,
      steps: [
        'An MSP admin registers the alarm topic (POST /v1/integrations/sns-topics).',
        'Subscribe the topic: protocol HTTPS, this endpoint (the subscription is confirmed automatically).',
        "Add the topic to the alarms' ALARM and OK actions.",
      ],
    },
    {
      source: 'eventbridge',
      tool: 'CloudWatch via EventBridge',
      webhookUrl: null,
      registeredAwsAccountIds: settings.awsAccountIds,
      steps: [
        "An MSP admin registers the client's AWS account id (POST /v1/integrations/aws-accounts) when onboarding the client.",
        "In the client account, forward CloudWatch Alarm State Change events to this account's default event bus.",
      ],
    },
  ];
}
