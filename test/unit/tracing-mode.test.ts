// Outside Lambda the X-Ray SDK starts without its async-context hook (Powertools does not trace there):
// checked in a fresh Node process as the local stack and the benchmarks start (jest loads CommonJS
// dependencies before the ES modules that import them, so it sets the mode in jest.config.js instead).
import { execFileSync } from 'node:child_process';

const probe = `
  const { tracer } = await import('./lib/observability.ts');
  console.log(JSON.stringify({
    tracing: tracer.isTracingEnabled(),
    manual: process.env.AWS_XRAY_MANUAL_MODE ?? null,
    // cls-hooked (the SDK's automatic mode) keeps its namespaces, and their async hook, on process.namespaces.
    namespaces: Object.keys(process.namespaces ?? {}),
  }));
`;

function observabilityIn(env: Record<string, string | undefined>) {
  const { AWS_XRAY_MANUAL_MODE: _inherited, ...parent } = process.env;
  const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
    env: { ...parent, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(output.trim().split('\n').at(-1) as string) as { tracing: boolean; manual: string | null; namespaces: string[] };
}

test('outside Lambda the X-Ray SDK starts in manual mode: no cls-hooked namespace, no async hook on every promise', () => {
  expect(observabilityIn({ AWS_EXECUTION_ENV: undefined })).toEqual({ tracing: false, manual: 'true', namespaces: [] });
});

test('in Lambda the SDK keeps its automatic mode (the traces need it)', () => {
  const inLambda = observabilityIn({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' });
  expect(inLambda.manual).toBeNull();
  expect(inLambda.namespaces).toEqual(['AWSXRay']);
});
