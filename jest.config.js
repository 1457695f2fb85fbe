// Four test layers as jest projects: unit (no network, aws-sdk-client-mock only for AWS
// that cannot run here), integration (DynamoDB Local and the local gateway on loopback), e2e (the dashboard
// in a real browser), infra (CDK assertions). Tests run as native ES modules; swc only strips the types (tsc checks them in lint).
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

// Tests run outside Lambda, where Powertools does not trace: start the X-Ray SDK without its async hook
// (lib/tracing-mode.ts does this for the local stack; jest loads CommonJS dependencies such as the SDK
// before the modules importing them run, so it is set here, for the workers this process starts).
process.env.AWS_XRAY_MANUAL_MODE ??= 'true';

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  testEnvironment: 'node',
};

export default {
  // One worker process (this machine has two cores; the other runs DynamoDB Local, the stacks and Chromium),
  // recycled once a test file leaves it holding more than this: a single process running every file in
  // turn kept each file's modules (aws-cdk-lib, the SDK) and grew until garbage collection dominated, and
  // the last files ran 10-30x slower than alone (an infra test of 3 s took 92 s at the end of the run).
  workerIdleMemoryLimit: '1GB',
  maxWorkers: 1,
  // The dashboard's build (frontend/dist) is the CDK stack's asset and what the browser tests load.
  globalSetup: '<rootDir>/test/build-dashboard.js',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/setup/integration-timeout.ts'],
    },
    {
      // The dashboard in Debian's Chromium (playwright-core) against a local stack.
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/setup/e2e-timeout.ts'],
    },
    {
      ...common,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup/infra-timeout.ts'],
    },
  ],
};
