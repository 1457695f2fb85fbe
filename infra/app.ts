import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildDashboard } from '../scripts/dashboard-build';
import { loadConfig } from './config';
import { AlertWhispererStack } from './stack';

// The dashboard's files are an asset of the stack: build them first so a deploy never ships a stale one.
await buildDashboard();

const app = new App();
const config = loadConfig(app.node);

// No account on purpose (synth needs no credentials and makes no lookups); the stack pins the region
// from the config itself.
new AlertWhispererStack(app, `AlertWhisperer-${config.stage}`, {
  config,
  description: `Alert Whisperer (${config.stage}): alert ingestion, correlation and the operator API`,
});

// `cdk synth -c nag=true` runs the AWS Solutions rules (cdk-nag) and fails on any unacknowledged finding.
// Off by default: the infra tests run the same check on every change.
const nag: unknown = app.node.tryGetContext('nag');
if (nag === true || nag === 'true') Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
