import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { CLOUDFRONT_WEB_ACL_ARN, type Stage } from '../config';
import { dashboardCsp, inlineScriptHashes } from '../dashboard-csp';
import { acknowledgeNag, nagRef, nagRegion } from '../nag';

/** Repository root: the dashboard's files are under frontend/. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Where the build puts content-hashed files (Vite's default `assets/`): the only files browsers and
 * CloudFront may keep for a year. Everything else (index.html, config.json, unhashed public files) is
 * revalidated on every load, so a deploy is visible at once.
 */
export const HASHED_ASSETS_DIR = 'assets';

/** Served by the dashboard itself: `{ apiUrl, wsUrl, stage }`, the same contract as the local gateway's /config.json. */
export const DASHBOARD_CONFIG_FILE = 'config.json';

/** How long the log bucket keeps CloudFront and S3 access logs. */
export const DASHBOARD_LOG_RETENTION = Duration.days(90);

/** The dashboard's files: the built single-page app (frontend/dist). */
export function dashboardSiteDir(root: string = REPO_ROOT): string {
  const dir = path.join(root, 'frontend', 'dist');
  if (existsSync(path.join(dir, 'index.html'))) return dir;
  throw new Error(`No dashboard to deploy: ${dir} has no index.html (npm run build:frontend builds it; cdk synth does it first)`);
}

export interface DashboardProps {
  stage: Stage;
  /**
   * A CLOUDFRONT-scope WAFv2 web ACL to attach (config dashboardWebAclArn). It must be created in
   * us-east-1, whatever the stack's region; unset, the distribution has none.
   */
  webAclArn?: string | undefined;
  /** A custom domain (the certificate in us-east-1); unset, the distribution's *.cloudfront.net name. */
  customDomain?: { domainNames: string[]; certificate: acm.ICertificate } | undefined;
  /** The files to serve; default: dashboardSiteDir(). */
  siteDir?: string | undefined;
}

/**
 * The dashboard: the single-page app in a private S3 bucket, served by
 * CloudFront through Origin Access Control, HTTPS only, with security headers on every answer. SPA
 * routes (`/incidents/...`) answer index.html; content-hashed files under `assets/` are cached for a
 * year, everything else (index.html, config.json) is revalidated on each load.
 *
 * `deploy()` uploads the files and writes `/config.json` (`{ apiUrl, wsUrl, stage }`) at deploy time,
 * once the APIs exist: the same build works for every stack, as it does on the local gateway.
 */
export class Dashboard extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly siteDir: string;
  private readonly stage: Stage;
  private deployment: BucketDeployment | undefined;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    if (props.webAclArn && !Token.isUnresolved(props.webAclArn) && !CLOUDFRONT_WEB_ACL_ARN.test(props.webAclArn)) {
      throw new Error(
        `webAclArn must be a CLOUDFRONT-scope WAFv2 web ACL in us-east-1 (arn:aws:wafv2:us-east-1:...:global/webacl/...), not ${props.webAclArn}`,
      );
    }
    // S3 server access logs are delivered under a bucket policy (logging.s3.amazonaws.com, this bucket
    // only) rather than the LogDeliveryWrite canned ACL, which would overwrite the ACL grant CloudFront
    // adds to the same bucket for its logs on every update. Set before any child exists.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    this.stage = props.stage;
    this.siteDir = props.siteDir ?? dashboardSiteDir();
    const isProd = props.stage === 'prod';
    const removal = isProd ? { removalPolicy: RemovalPolicy.RETAIN } : { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true };

    this.logBucket = new s3.Bucket(this, 'LogBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // S3 access logs support only S3-managed keys; CloudFront standard logs need ACLs (its log delivery
      // account is granted through the bucket ACL), hence BUCKET_OWNER_PREFERRED rather than ENFORCED.
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: DASHBOARD_LOG_RETENTION }],
      ...removal,
    });
    // No AwsSolutions-S1 finding: cdk-nag accepts a bucket that is another bucket's access-log target.

    this.bucket = new s3.Bucket(this, 'SiteBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      // Previous versions are for rolling a bad deploy back by hand, not for keeping.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 's3-access/',
      ...removal,
    });

    const apiHosts = `*.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`;
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `Alert Whisperer (${props.stage}) dashboard security headers`,
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: dashboardCsp({
            // The API ids cannot be named: the HTTP API's CORS origin is the distribution's own domain, so
            // naming the API in the distribution's headers would be a dependency cycle. Any API Gateway
            // endpoint of the stack's region, HTTPS for the HTTP API and WSS for the WebSocket API.
            connectSources: [`https://${apiHosts}`, `wss://${apiHosts}`],
            scriptHashes: inlineScriptHashes(readFileSync(path.join(this.siteDir, 'index.html'), 'utf8')),
            upgradeInsecureRequests: true,
          }),
          override: true,
        },
        // Two years, the value browsers' preload lists ask for; no preload: that is the domain owner's call.
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.SAME_ORIGIN, override: true },
      },
    });

    const origin = S3BucketOrigin.withOriginAccessControl(this.bucket);
    const uncached: cloudfront.BehaviorOptions = {
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      responseHeadersPolicy: headers,
    };
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Alert Whisperer (${props.stage}) dashboard`,
      defaultRootObject: 'index.html',
      // index.html, SPA routes and unhashed files: straight from S3 on every request (they are small).
      defaultBehavior: uncached,
      additionalBehaviors: {
        // The runtime config: never cached, so a redeploy with new API URLs is picked up at once.
        [`/${DASHBOARD_CONFIG_FILE}`]: uncached,
        // Content-hashed files: a new build has new names, so they may be cached for as long as they exist.
        [`/${HASHED_ASSETS_DIR}/*`]: { ...uncached, cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED },
      },
      // SPA routing: the bucket answers 403 (OAC cannot list) or 404 for a client route; serve the app.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(0),
      })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      webAclId: props.webAclArn,
      ...(props.customDomain
        ? {
            domainNames: props.customDomain.domainNames,
            certificate: props.customDomain.certificate,
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });

    if (!props.webAclArn) {
      acknowledgeNag(
        this.distribution,
        'AwsSolutions-CFR2',
        'CLOUDFRONT-scope web ACLs must be created in us-east-1, outside this regional stack: attach one with -c dashboardWebAclArn=... (docs/deploy.md, Dashboard).',
      );
    }
    if (!props.customDomain) {
      acknowledgeNag(
        this.distribution,
        'AwsSolutions-CFR4',
        'With the default *.cloudfront.net certificate CloudFront forces the TLSv1 security policy; TLSv1.2_2021 applies once a custom domain and certificate are configured.',
      );
    }
    acknowledgeNag(
      this.distribution,
      'AwsSolutions-CFR1',
      "MSP technicians and client contacts work from any country; there is no allow-list to restrict to (a web ACL's geo rules can add one).",
    );
  }

  /** The dashboard's origin: `https://<distribution domain>` (no trailing slash), the HTTP API's CORS origin. */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  /**
   * Uploads the dashboard's files and writes config.json with the API URLs (tokens, resolved at deploy
   * time), then invalidates the entry points. Hashed assets go first and are never pruned, so a browser
   * still running the previous index.html finds its files; index.html and config.json follow.
   */
  deploy(apiUrl: string, wsUrl: string): BucketDeployment {
    if (this.deployment) throw new Error('Dashboard.deploy() may be called once');
    const stack = Stack.of(this);
    const removalPolicy = this.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // Our own role and log group instead of AWSLambdaBasicExecutionRole and a log group kept forever.
    const logGroup = new logs.LogGroup(this, 'DeploymentLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy });
    const role = new iam.Role(this, 'DeploymentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Alert Whisperer (${this.stage}) dashboard deployment (CDK BucketDeployment)`,
    });
    logGroup.grantWrite(role);

    const site = Source.asset(this.siteDir);
    const common = { destinationBucket: this.bucket, role, logGroup };
    const assets = new BucketDeployment(this, 'AssetsDeployment', {
      ...common,
      sources: [site],
      exclude: ['*'],
      include: [`${HASHED_ASSETS_DIR}/*`],
      prune: false,
      cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(Duration.days(365)), CacheControl.immutable()],
    });
    this.deployment = new BucketDeployment(this, 'SiteDeployment', {
      ...common,
      sources: [
        site,
        Source.jsonData(DASHBOARD_CONFIG_FILE, {
          // The local gateway's apiUrl has no trailing slash (the dashboard appends '/v1/...'); an HTTP API's
          // $default stage URL ends in one.
          apiUrl: apiUrl.replace(/\/$/, ''),
          wsUrl,
          stage: this.stage,
        }),
      ],
      // Pruning deletes files the new build no longer has, except the hashed assets (see above).
      exclude: [`${HASHED_ASSETS_DIR}/*`],
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/', '/index.html', `/${DASHBOARD_CONFIG_FILE}`],
    });
    this.deployment.node.addDependency(assets);

    // Both deployments share one CDK-provided handler function (a singleton at the stack's root).
    const handler = stack.node.children.find(
      (child): child is lambda.Function => child instanceof lambda.Function && child.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (!handler) throw new Error('BucketDeployment created no handler function');
    acknowledgeNag(
      handler,
      'AwsSolutions-L1',
      "CDK's BucketDeployment handler: its Python runtime and AWS CLI layer are pinned by aws-cdk-lib and move with its upgrades.",
    );
    const assetBucket = `arn:<AWS::Partition>:s3:::cdk-${stack.synthesizer.bootstrapQualifier ?? 'hnb659fds'}-assets-<AWS::AccountId>-${nagRegion(this)}`;
    const reasons: Record<string, string> = {
      'Action::s3:GetObject*':
        'CDK grant set for reading the uploaded asset zips and the dashboard bucket (GetObject, versions, ACL, tagging).',
      'Action::s3:GetBucket*':
        'CDK grant set for the bucket-level reads aws s3 sync needs (location, versioning) on the asset and dashboard buckets.',
      'Action::s3:List*': 'aws s3 sync lists the dashboard bucket to compare and prune; the statement names only the two buckets.',
      'Action::s3:DeleteObject*': 'aws s3 sync --delete prunes files the new build no longer has; limited to the dashboard bucket.',
      'Action::s3:Abort*': 'Aborts multipart uploads of large files on failure; limited to the dashboard bucket.',
      [`Resource::${nagRef(this.bucket, 'Arn')}/*`]:
        'The deployment writes every object of the dashboard bucket (keys come from the build).',
      [`Resource::${assetBucket}/*`]:
        'The CDK bootstrap asset bucket: the deployment reads its own asset zips, whose keys are content hashes.',
      'Resource::*': 'CloudFront CreateInvalidation and GetInvalidation support no resource-level permissions.',
    };
    for (const [finding, reason] of Object.entries(reasons)) acknowledgeNag(role, `AwsSolutions-IAM5[${finding}]`, reason);
    return this.deployment;
  }
}
