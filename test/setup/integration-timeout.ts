import { jest } from '@jest/globals';

// The per-test time limit of the integration tests. A project's own `testTimeout` in jest.config.js is not
// applied by Jest (only the root one is), so each project sets it here.
jest.setTimeout(30_000);
