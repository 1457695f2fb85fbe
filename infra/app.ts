import { App } from 'aws-cdk-lib';
import { loadConfig } from './config';
import { AlertWhispererStack } from './stack';

const app = new App();
const config = loadConfig(app.node);

// Environment-agnostic on purpose (no env: account/region): synth needs no credentials and no lookups.
new AlertWhispererStack(app, `AlertWhisperer-${config.stage}`, {
  config,
  description: `Alert Whisperer (${config.stage}): alert ingestion, correlation and the operator API`,
});
