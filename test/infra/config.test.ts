import { App } from 'aws-cdk-lib';
import { DEFAULT_INGEST_RESERVED_CONCURRENCY, DEFAULT_REGION, loadConfig, parseConfig } from '../../infra/config';

const prod = { stage: 'prod', dashboardOrigin: 'https://dashboard.example.com' } as const;
const webAclArn = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/alert-whisperer/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

describe('parseConfig', () => {
  it('defaults to dev in us-east-1 with CORS open to any origin and no reserved concurrency', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ stage: 'dev', region: DEFAULT_REGION, corsOrigin: '*' });
    expect(config.ingestReservedConcurrency).toBeUndefined();
    expect(config.alarmEmail).toBeUndefined();
  });

  it('accepts every optional setting', () => {
    const config = parseConfig({
      ...prod,
      region: 'eu-central-1',
      alarmEmail: 'noc@msp.example.com',
      dashboardWebAclArn: webAclArn,
      domain: 'alerts.msp.example.com',
      sesSender: 'alerts@msp.example.com',
      bedrockModelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
    });
    expect(config).toMatchObject({
      stage: 'prod',
      region: 'eu-central-1',
      corsOrigin: 'https://dashboard.example.com',
      alarmEmail: 'noc@msp.example.com',
      dashboardWebAclArn: webAclArn,
      domain: 'alerts.msp.example.com',
      sesSender: 'alerts@msp.example.com',
      bedrockModelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
    });
    expect(parseConfig({ bedrockModelId: 'amazon.nova-lite-v1:0' }).bedrockModelId).toBe('amazon.nova-lite-v1:0');
    expect(parseConfig({ region: 'us-gov-west-1' }).region).toBe('us-gov-west-1');
    // A development origin may be plain http on a port.
    expect(parseConfig({ dashboardOrigin: 'http://localhost:3000' }).corsOrigin).toBe('http://localhost:3000');
  });

  it('reserves ingestion concurrency in prod by default; a number (string from -c, or JSON) overrides it; 0 turns it off', () => {
    expect(parseConfig(prod).ingestReservedConcurrency).toBe(DEFAULT_INGEST_RESERVED_CONCURRENCY);
    expect(parseConfig({ ...prod, ingestReservedConcurrency: '20' }).ingestReservedConcurrency).toBe(20);
    expect(parseConfig({ ...prod, ingestReservedConcurrency: 0 }).ingestReservedConcurrency).toBeUndefined();
    expect(parseConfig({ ingestReservedConcurrency: 5 }).ingestReservedConcurrency).toBe(5);
    expect(() => parseConfig({ ingestReservedConcurrency: 'many' })).toThrow(/ingestReservedConcurrency: must be a whole number/);
    expect(() => parseConfig({ ingestReservedConcurrency: -1 })).toThrow(/ingestReservedConcurrency/);
  });

  it('rejects an unknown stage, and a prod dashboard origin without https; prod without one uses its own dashboard', () => {
    expect(() => parseConfig({ stage: 'qa' })).toThrow(/stage/);
    expect(parseConfig({ stage: 'prod' }).dashboardOrigin).toBeUndefined();
    expect(() => parseConfig({ stage: 'prod', dashboardOrigin: 'http://dashboard.example.com' })).toThrow(
      /dashboardOrigin: must use https/,
    );
  });

  it.each([
    [{ region: 'useast1' }, /region: must be an AWS region name/],
    [{ region: 'US-EAST-1' }, /region/],
    [{ alarmEmail: 'noc' }, /alarmEmail: must be an email address/],
    [{ sesSender: 'alerts@' }, /sesSender: must be an email address verified in SES/],
    [{ dashboardOrigin: 'dashboard.example.com' }, /dashboardOrigin: must be a URL/],
    [{ dashboardOrigin: 'https://dashboard.example.com/' }, /dashboardOrigin: must be an origin/],
    [{ dashboardOrigin: 'https://example.com/app' }, /dashboardOrigin: must be an origin/],
    [{ domain: 'https://alerts.example.com' }, /domain: must be a DNS name/],
    [{ domain: 'localhost' }, /domain/],
    [{ bedrockModelId: 'claude' }, /bedrockModelId: must be a Bedrock model id/],
    // CloudFront takes only global (CLOUDFRONT-scope) web ACLs, which live in us-east-1.
    [
      { dashboardWebAclArn: webAclArn.replace('us-east-1:123456789012:global', 'eu-west-1:123456789012:regional') },
      /dashboardWebAclArn: must be a CLOUDFRONT-scope/,
    ],
    [{ dashboardWebAclArn: webAclArn.replace('us-east-1', 'eu-west-1') }, /dashboardWebAclArn/],
    [{ dashboardWebAclArn: 'alert-whisperer' }, /dashboardWebAclArn/],
  ])('rejects %j with a clear message', (input, message) => {
    expect(() => parseConfig(input)).toThrow(message);
  });

  it('lists every problem in one error', () => {
    expect(() => parseConfig({ stage: 'prod', region: 'x', alarmEmail: 'y', dashboardOrigin: 'http://d.example.com' })).toThrow(
      /^Invalid CDK context: region: .*; alarmEmail: .*; dashboardOrigin: must use https when stage is prod$/,
    );
  });
});

describe('loadConfig', () => {
  it('reads the CDK context, empty values counting as unset', () => {
    const app = new App({
      context: {
        stage: 'prod',
        dashboardOrigin: 'https://d.example.com',
        alarmEmail: '',
        region: 'eu-west-1',
        ingestReservedConcurrency: '30',
        dashboardWebAclArn: webAclArn,
      },
    });
    expect(loadConfig(app.node, {})).toMatchObject({
      stage: 'prod',
      region: 'eu-west-1',
      corsOrigin: 'https://d.example.com',
      alarmEmail: undefined,
      ingestReservedConcurrency: 30,
      dashboardWebAclArn: webAclArn,
    });
  });

  it("falls back to the CLI profile's region, then to us-east-1", () => {
    expect(loadConfig(new App().node, { CDK_DEFAULT_REGION: 'ap-southeast-2' }).region).toBe('ap-southeast-2');
    expect(loadConfig(new App().node, {}).region).toBe(DEFAULT_REGION);
    expect(loadConfig(new App({ context: { region: 'eu-west-3' } }).node, { CDK_DEFAULT_REGION: 'ap-southeast-2' }).region).toBe(
      'eu-west-3',
    );
  });
});
