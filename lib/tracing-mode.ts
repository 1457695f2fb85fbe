/**
 * Imported by lib/observability.ts before the tracer, for its side effect on the X-Ray SDK.
 *
 * The X-Ray SDK starts in "automatic mode" when it is loaded: it installs an async hook (cls-hooked,
 * with a destroy hook on every promise) to carry the current segment across callbacks. Powertools turns
 * tracing off outside Lambda (no AWS_EXECUTION_ENV: the local stack, the tests, the benchmarks), so
 * there the hook serves nothing, yet it cost about a tenth of the local stack's CPU in a storm
 * (`npm run bench:storm`, profiled). Outside Lambda the SDK is therefore started in manual mode, which
 * installs no hook; in Lambda nothing changes, and an AWS_XRAY_MANUAL_MODE set by hand is respected.
 */
if (!process.env.AWS_EXECUTION_ENV && process.env.AWS_XRAY_MANUAL_MODE === undefined) process.env.AWS_XRAY_MANUAL_MODE = 'true';
