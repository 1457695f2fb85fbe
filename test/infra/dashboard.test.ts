import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Stack, type App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { CachePolicy } from 'aws-cdk-lib/aws-cloudfront';
import type { IConstruct } from 'constructs';
import { Dashboard, dashboardSiteDir, type DashboardProps } from '../../infra/constructs/dashboard';
import { inlineScriptHashes } from '../../infra/dashboard-csp';
import { Realtime } from '../../infra/constructs/realtime';
import { nagFindings, only, sharedFixture, type Resource } from './helpers';

const WEB_ACL_ARN = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/alert-whisperer/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
const PROD = { stage: 'prod', dashboardOrigin: 'https://dashboard.example.com' } as const;

interface Options {
  stage?: 'dev' | 'prod';
  webAclArn?: string;
  customDomain?: boolean;
  siteDir?: string;
}

/** A dashboard deployed with the fixture's HTTP API and a realtime construct's WebSocket stage, as the stack does. */
function dashboard(options: Options = {}) {
  const fixture = sharedFixture(options.stage === 'prod' ? PROD : {});
  const { stack } = fixture;
  const props: DashboardProps = { stage: fixture.config.stage, webAclArn: options.webAclArn, siteDir: options.siteDir };
  if (options.customDomain) {
    const certificate = acm.Certificate.fromCertificateArn(
      stack,
      'Certificate',
      'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
    );
    props.customDomain = { domainNames: ['alerts.msp.example.com'], certificate };
  }
  const construct = new Dashboard(stack, 'Dashboard', props);
  const realtime = new Realtime(stack, 'Realtime', { shared: fixture.shared });
  construct.deploy(fixture.httpApi.stage.url, realtime.webSocketStage.url);
  const template = Template.fromStack(stack);
  return { ...fixture, construct, realtime, template };
}

const idOf = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

/** The distribution's config: every behaviour (default first) and the rest. */
function distributionConfig(template: Template) {
  const [, distribution] = only(template, 'AWS::CloudFront::Distribution');
  const config = distribution.Properties.DistributionConfig;
  return { config, behaviours: [config.DefaultCacheBehavior, ...(config.CacheBehaviors ?? [])] as Record<string, any>[] };
}

/** A Fn::Join of strings and pseudo-parameter refs, written out with `${Name}` for each ref. */
function joined(value: unknown): string {
  if (typeof value === 'string') return value;
  const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts.map((part) => (typeof part === 'string' ? part : `\${${(part as { Ref: string }).Ref}}`)).join(separator);
}

function deployments(template: Template): Record<string, Resource> {
  return template.findResources('Custom::CDKBucketDeployment');
}

/** The deployment that writes config.json (the one with deploy-time markers). */
function siteDeployment(template: Template): [string, Resource] {
  const found = Object.entries(deployments(template)).filter(([, resource]) => resource.Properties.SourceMarkers);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Actions allowed by the bucket's policy, with their principals. */
function allowStatements(template: Template, bucketId: string): Record<string, any>[] {
  const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
    (candidate) => candidate.Properties.Bucket.Ref === bucketId,
  ) as Resource;
  return (policy.Properties.PolicyDocument.Statement as Record<string, any>[]).filter((statement) => statement.Effect === 'Allow');
}

describe('Dashboard', () => {
  it('keeps the files in a private, versioned, S3-encrypted bucket that refuses plain HTTP and logs its access', () => {
    const { template, construct } = dashboard();
    const bucket = template.findResources('AWS::S3::Bucket')[idOf(construct.bucket)]!;
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: idOf(construct.logBucket) }, LogFilePrefix: 's3-access/' },
    });
    for (const owner of [construct.bucket, construct.logBucket]) {
      const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
        (candidate) => candidate.Properties.Bucket.Ref === idOf(owner),
      )!;
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('lets only its distribution read the bucket, through Origin Access Control', () => {
    // Prod: no auto-delete handler in the bucket policy, so the policy's grants are CloudFront's alone.
    const { template, construct } = dashboard({ stage: 'prod' });
    const { config } = distributionConfig(template);
    const [origin] = config.Origins;
    expect(config.Origins).toHaveLength(1);
    expect(origin.DomainName).toEqual({ 'Fn::GetAtt': [idOf(construct.bucket), 'RegionalDomainName'] });
    expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [only(template, 'AWS::CloudFront::OriginAccessControl')[0], 'Id'] });
    expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    const [allow, ...others] = allowStatements(template, idOf(construct.bucket));
    expect(others).toEqual([]);
    expect(allow).toMatchObject({ Action: 's3:GetObject', Principal: { Service: 'cloudfront.amazonaws.com' } });
    expect(JSON.stringify(allow!.Condition.StringEquals['AWS:SourceArn'])).toContain(idOf(construct.distribution));
    // No website endpoint, no public grant.
    expect(template.findResources('AWS::S3::Bucket')[idOf(construct.bucket)]!.Properties.WebsiteConfiguration).toBeUndefined();
  });

  it('answers over HTTPS only, with security headers and a CSP that lets the page reach only its region’s API endpoints', () => {
    const { template, stack } = dashboard();
    const [headersId, headers] = only(template, 'AWS::CloudFront::ResponseHeadersPolicy');
    const { behaviours } = distributionConfig(template);
    for (const behaviour of behaviours) {
      expect(behaviour.ViewerProtocolPolicy).toBe('redirect-to-https');
      expect(behaviour.ResponseHeadersPolicyId).toEqual({ Ref: headersId });
    }
    const security = headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(security).toMatchObject({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'same-origin', Override: true },
    });
    const csp = joined(security.ContentSecurityPolicy.ContentSecurityPolicy);
    const directives = Object.fromEntries(
      csp.split('; ').map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1).join(' ')] as const),
    );
    expect(stack.region).toBe('us-east-1');
    expect(directives['connect-src']).toBe(
      "'self' https://*.execute-api.us-east-1.${AWS::URLSuffix} wss://*.execute-api.us-east-1.${AWS::URLSuffix}",
    );
    // The built index.html loads its scripts from files: any inline one would run only by its hash.
    const indexHtml = readFileSync(path.join(dashboardSiteDir(), 'index.html'), 'utf8');
    expect(directives['script-src']).toBe(["'self'", ...inlineScriptHashes(indexHtml)].join(' '));
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    expect(directives).toMatchObject({
      'default-src': "'self'",
      'object-src': "'none'",
      'frame-ancestors': "'none'",
      'base-uri': "'self'",
      'form-action': "'self'",
    });
  });

  it('serves index.html for the SPA’s routes, and at the root', () => {
    const { config } = distributionConfig(dashboard().template);
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.CustomErrorResponses).toEqual(
      [403, 404].map((ErrorCode) => ({ ErrorCode, ResponseCode: 200, ResponsePagePath: '/index.html', ErrorCachingMinTTL: 0 })),
    );
  });

  it('never caches index.html or config.json; caches the hashed assets for a year', () => {
    const { template } = dashboard();
    const { behaviours } = distributionConfig(template);
    const policy = (pattern?: string) => behaviours.find((behaviour) => behaviour.PathPattern === pattern)!.CachePolicyId;
    expect(policy(undefined)).toBe(CachePolicy.CACHING_DISABLED.cachePolicyId);
    expect(policy('/config.json')).toBe(CachePolicy.CACHING_DISABLED.cachePolicyId);
    expect(policy('/assets/*')).toBe(CachePolicy.CACHING_OPTIMIZED.cachePolicyId);
    expect(behaviours).toHaveLength(3);

    // Browsers too: everything but assets/ is revalidated (Cache-Control from the objects' metadata).
    const [siteId, site] = siteDeployment(template);
    expect(site.Properties).toMatchObject({ Exclude: ['assets/*'], Prune: true, SystemMetadata: { 'cache-control': 'no-cache' } });
    const [assetsId, assets] = Object.entries(deployments(template)).find(([id]) => id !== siteId)!;
    expect(assets.Properties).toMatchObject({
      Exclude: ['*'],
      Include: ['assets/*'],
      // Files of the previous build stay for browsers still running it.
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
    // The new index.html goes live only once the files it names are there.
    expect(site.DependsOn).toContain(assetsId);
  });

  it('writes config.json with the HTTP API and WebSocket URLs at deploy time, then invalidates the entry points', () => {
    const { template, stack, construct, httpApi, realtime } = dashboard();
    const [, site] = siteDeployment(template);
    const { SourceObjectKeys: keys, SourceMarkers: markers } = site.Properties as { SourceObjectKeys: string[]; SourceMarkers: object[] };
    expect(keys).toHaveLength(2);
    expect(markers[0]).toEqual({});
    // The second source is config.json alone, staged in the cloud assembly with a marker for each token.
    const staged = path.join((stack.node.root as App).outdir, `asset.${keys[1]!.replace(/\.zip$/, '')}`, 'config.json');
    let text = readFileSync(staged, 'utf8');
    for (const [marker, value] of Object.entries(markers[1] as Record<string, { Ref: string }>)) {
      text = text.replaceAll(marker, `\${${value.Ref}}`);
    }
    expect(JSON.parse(text)).toEqual({
      // As on the local gateway: no trailing slash (the dashboard appends /v1/..., /health).
      apiUrl: `https://\${${idOf(httpApi.api)}}.execute-api.us-east-1.\${AWS::URLSuffix}`,
      wsUrl: `wss://\${${idOf(realtime.webSocketApi)}}.execute-api.us-east-1.\${AWS::URLSuffix}/dev`,
      stage: 'dev',
    });
    expect(site.Properties.DestinationBucketName).toEqual({ Ref: idOf(construct.bucket) });
    expect(site.Properties.DistributionId).toEqual({ Ref: idOf(construct.distribution) });
    expect(site.Properties.DistributionPaths).toEqual(['/', '/index.html', '/config.json']);
  });

  it('runs the deployment under its own role, logging to its own log group', () => {
    const { template, construct } = dashboard();
    const handlers = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) =>
      id.startsWith('CustomCDKBucketDeployment'),
    );
    expect(handlers).toHaveLength(1);
    const [, handler] = handlers[0]!;
    const roleId = handler.Properties.Role['Fn::GetAtt'][0] as string;
    expect(roleId).toMatch(/^DashboardDeploymentRole/);
    expect(template.findResources('AWS::IAM::Role')[roleId]!.Properties.ManagedPolicyArns).toBeUndefined();
    expect(handler.Properties.LoggingConfig.LogGroup.Ref).toMatch(/^DashboardDeploymentLogs/);
    expect(() => construct.deploy('https://a.example.com', 'wss://b.example.com')).toThrow(/once/);
  });

  it('logs CloudFront requests to the log bucket, which expires them', () => {
    const { template, construct } = dashboard();
    const { config } = distributionConfig(template);
    expect(config.Logging).toEqual({ Bucket: { 'Fn::GetAtt': [idOf(construct.logBucket), 'RegionalDomainName'] }, Prefix: 'cloudfront/' });
    const logBucket = template.findResources('AWS::S3::Bucket')[idOf(construct.logBucket)]!;
    expect(logBucket.Properties).toMatchObject({
      // CloudFront standard logs are granted through the bucket ACL.
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 90, Status: 'Enabled' }] },
    });
    // S3 access logs arrive under a bucket policy (no LogDeliveryWrite ACL that would drop CloudFront's grant).
    expect(logBucket.Properties.AccessControl).toBeUndefined();
    expect(allowStatements(template, idOf(construct.logBucket))).toContainEqual(
      expect.objectContaining({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }),
    );
  });

  it('attaches a web ACL when given one, and refuses an ARN that is not a CloudFront-scope web ACL', () => {
    expect(distributionConfig(dashboard({ webAclArn: WEB_ACL_ARN }).template).config.WebACLId).toBe(WEB_ACL_ARN);
    expect(distributionConfig(dashboard().template).config.WebACLId).toBeUndefined();
    expect(() => dashboard({ webAclArn: WEB_ACL_ARN.replace('us-east-1:123456789012:global', 'eu-west-1:123456789012:regional') })).toThrow(
      /CLOUDFRONT-scope/,
    );
  });

  it('requires TLS 1.2 (2021 policy) when it has a custom domain', () => {
    const { config } = distributionConfig(dashboard({ customDomain: true }).template);
    expect(config.Aliases).toEqual(['alerts.msp.example.com']);
    expect(config.ViewerCertificate).toMatchObject({ MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
  });

  it('retains both buckets in prod; empties and deletes them with a dev stack', () => {
    const prod = dashboard({ stage: 'prod' });
    for (const bucket of [prod.construct.bucket, prod.construct.logBucket]) {
      expect(prod.template.findResources('AWS::S3::Bucket')[idOf(bucket)]).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
    prod.template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    const dev = dashboard();
    for (const bucket of [dev.construct.bucket, dev.construct.logBucket]) {
      expect(dev.template.findResources('AWS::S3::Bucket')[idOf(bucket)]).toMatchObject({ DeletionPolicy: 'Delete' });
    }
    dev.template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });

  it('gives its URL as https://<distribution domain>', () => {
    const { stack, construct } = dashboard();
    expect(stack.resolve(construct.url)).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [idOf(construct.distribution), 'DomainName'] }]],
    });
  });

  it.each([
    ['dev', {}],
    ['prod', { stage: 'prod' }],
    ['with a web ACL', { webAclArn: WEB_ACL_ARN }],
    ['with a custom domain', { customDomain: true }],
  ] as [string, Options][])('passes cdk-nag %s, acknowledging only what applies', (_name, options) => {
    const { stack, construct } = dashboard(options);
    expect(nagFindings(stack)).toEqual([]);
    const acknowledged = construct.distribution.node.metadata
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
      .flatMap((entry) => Object.keys(entry.data as object));
    expect(acknowledged.some((id) => id.endsWith('AwsSolutions-CFR2'))).toBe(!options.webAclArn);
    expect(acknowledged.some((id) => id.endsWith('AwsSolutions-CFR4'))).toBe(!options.customDomain);
  });
});

describe('dashboard files', () => {
  it('deploys the built frontend/dist, and says how to build it when it is missing', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'dashboard-'));
    expect(() => dashboardSiteDir(root)).toThrow(/No dashboard to deploy.*npm run build:frontend/);
    mkdirSync(path.join(root, 'frontend', 'dist'), { recursive: true });
    writeFileSync(path.join(root, 'frontend', 'dist', 'index.html'), '<!doctype html>');
    expect(dashboardSiteDir(root)).toBe(path.join(root, 'frontend', 'dist'));
  });

  it('hashes inline scripts only, as browsers do (the exact text between the tags)', () => {
    expect(inlineScriptHashes('<script type="module" src="/assets/index-1a2b.js"></script><script>alert(1)</script>')).toEqual([
      // printf 'alert(1)' | openssl dgst -sha256 -binary | base64
      "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='",
    ]);
    expect(inlineScriptHashes('<p>no scripts</p>')).toEqual([]);
  });

  it('allows no inline script when the build has none (a built SPA)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-dist-'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/index-1a2b.js"></script>');
    const [, headers] = only(dashboard({ siteDir: dir }).template, 'AWS::CloudFront::ResponseHeadersPolicy');
    const csp = joined(headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("script-src 'self';");
  });
});
