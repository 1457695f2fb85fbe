/**
 * The layers of the back end, enforced by `npm run lint` (docs/architecture.md draws them):
 *
 *   lib/domain, lib/util, lib/errors.ts   types, schemas, pure policies; nothing below them
 *          ^
 *   lib/store, lib/aws, lib/http, lib/config, lib/observability.ts   adapters: DynamoDB, AWS, HTTP, env
 *          ^
 *   lib/<capability>   services: ingest, correlation, sla, escalation, remediation, oncall, notify, ...
 *          ^
 *   lib/api   the HTTP API's routes and schemas          functions/   the Lambda handlers (composition)
 *
 * An import may only point down (or sideways within its layer), never into functions/, and no cycle.
 * infra/ (the CDK app) reads lib/ (environment schemas, metric names) and functions/catalog.ts.
 */
const DOMAIN = '^lib/(domain/|util/|errors\\.ts$)';
const ADAPTERS = '^lib/(store|aws|http|config)/|^lib/(observability|tracing-mode)\\.ts$';
const API = '^lib/api/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other cannot be understood or tested apart.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'The domain (types, schemas, pure policies) and utilities depend on nothing but themselves.',
      from: { path: DOMAIN },
      to: { path: '^(lib|functions)/', pathNot: DOMAIN },
    },
    {
      name: 'adapters-below-services',
      severity: 'error',
      comment: 'Adapters (store, AWS, HTTP, config, observability) know the domain, not the services that use them.',
      from: { path: ADAPTERS },
      to: { path: '^(lib|functions)/', pathNot: `${DOMAIN}|${ADAPTERS}` },
    },
    {
      name: 'services-below-api',
      severity: 'error',
      comment: 'Services do not know the HTTP API that calls them.',
      from: { path: '^lib/', pathNot: API },
      to: { path: API },
    },
    {
      name: 'nothing-imports-functions',
      severity: 'error',
      comment: 'functions/ is where things are put together; lib/ never reaches into it.',
      from: { path: '^lib/' },
      to: { path: '^functions/' },
    },
    {
      name: 'infra-reads-the-catalog-only',
      severity: 'error',
      comment: 'The CDK app builds the functions the catalog declares; it does not import their handlers.',
      from: { path: '^infra/' },
      to: { path: '^functions/', pathNot: '^functions/catalog\\.ts$' },
    },
    {
      name: 'dynamodb-only-in-the-store',
      severity: 'error',
      comment: 'Items, keys and DynamoDB calls live in lib/store (lib/aws/clients.ts only builds the client).',
      from: { path: '^(lib|functions)/', pathNot: '^lib/store/|^lib/aws/clients\\.ts$' },
      to: { path: '@aws-sdk/(lib|client|util)-dynamodb' },
    },
    {
      name: 'code-does-not-import-tooling',
      severity: 'error',
      comment: 'What runs in Lambda never depends on the CDK app, the local stack, scripts or tests.',
      from: { path: '^(lib|functions)/' },
      to: { path: '^(infra|local|scripts|test)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
