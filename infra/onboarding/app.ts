import { App, DefaultStackSynthesizer, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ClientOnboardingStack, onboardingInputFromContext, parseOnboardingConfig } from './client-stack';

/**
 * The client onboarding app, deployed by the client company in its own AWS account (docs/onboarding.md):
 *
 *   npx cdk deploy --app 'npx tsx infra/onboarding/app.ts' \
 *     -c mspAccountId=... -c externalId=... -c tenantId=... -c webhookUrl=...
 *
 * Optional: -c mspRunbookStepRoleArn=... -c instanceTagKey=... -c instanceTagValue=... -c alarmTopicArn=...
 * -c roleName=... and -c region=... (else the CLI profile's region). Synth needs no credentials.
 */
const app = new App();

let config;
try {
  config = parseOnboardingConfig(onboardingInputFromContext(app.node));
} catch (error) {
  // A clear message, not a stack trace: this runs on the client's machine.
  console.error(`${(error as Error).message}\n`);
  console.error(
    "Usage: npx cdk deploy --app 'npx tsx infra/onboarding/app.ts' -c mspAccountId=<12 digits> -c externalId=<from your MSP> " +
      '-c tenantId=<your tenant id> -c webhookUrl=<API URL>/v1/webhooks/cloudwatch?api_key=<key>   (see docs/onboarding.md)',
  );
  process.exit(1);
}

const region: unknown = app.node.tryGetContext('region') || process.env.CDK_DEFAULT_REGION;
new ClientOnboardingStack(app, 'AlertWhispererOnboarding', {
  ...config,
  // No account: synth makes no lookups. The role's SendCommand resources are this region's instances.
  env: typeof region === 'string' && region ? { region } : undefined,
  // The template carries no bootstrap-version rule, so `cdk synth` output also deploys with plain
  // CloudFormation; `cdk deploy` still checks the bootstrap stack itself.
  synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
});

// The AWS Solutions rules (cdk-nag) on every synth: the stack is small, and whoever deploys it in a
// client account gets the check; any unacknowledged finding fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
