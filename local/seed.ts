import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { hashPassword } from '../lib/auth/password';
import type * as z from 'zod';
import type { Asset } from '../lib/domain/asset';
import type { serviceCalendarSchema } from '../lib/domain/sla/calendar';
import { DEFAULT_SLA_TARGETS, slaPolicySchema } from '../lib/domain/sla/policy';
import type { Role } from '../lib/domain/user';
import { createApiKey, findActiveApiKey } from '../lib/store/api-keys';
import { remediationPolicySchema, type RemediationPolicyInput } from '../lib/domain/remediation/decision';
import { putAsset } from '../lib/store/assets';
import { remediationPolicies } from '../lib/store/remediation';
import { slaPolicies } from '../lib/store/sla';
import { keys } from '../lib/store/keys';
import { createSchedule } from '../lib/store/oncall';
import { getTenant, putTenant } from '../lib/store/tenants';
import { createUser, findUserByEmail } from '../lib/store/users';
import type { TableRef } from '../lib/store/table-ref';

/** The demo users' ids: stable, so schedules and tests can name them. */
const demoUserId = (email: string) => `usr_${email.replace(/[^a-z0-9]+/gi, '_')}`;

/**
 * The demo MSP: two client companies with assets that depend on each other, and a login for every
 * role. Seeding is idempotent: it creates what is missing and leaves the rest alone. The secrets it
 * generates (passwords, API keys, HMAC secrets) are kept in `.local/demo-secrets.json` so every run
 * prints the same ones; only their hashes go into the table.
 */
interface DemoUserSpec {
  email: string;
  name: string;
  role: Role;
  tenantIds: string[];
  skills: string[];
}

interface DemoTenantSpec {
  id: string;
  name: string;
  assets: Asset[];
  /** What the tenant changed in its remediation policy (lib/domain/remediation/decision.ts). */
  remediation: RemediationPolicyInput;
  /** Its contract: the service calendar, and which severities' targets count only business hours. */
  sla: z.input<typeof slaPolicySchema>;
}

/** "Critical and high 24x7; medium, low and info within business hours" (the default minutes). */
function contract(calendar: z.input<typeof serviceCalendarSchema>): z.input<typeof slaPolicySchema> {
  const inBusinessHours = (severity: 'medium' | 'low' | 'info') => ({
    ...DEFAULT_SLA_TARGETS[severity],
    coverage: 'business-hours' as const,
  });
  return { calendar, targets: { medium: inBusinessHours('medium'), low: inBusinessHours('low'), info: inBusinessHours('info') } };
}

const asset = (a: Partial<Asset> & Pick<Asset, 'id' | 'name' | 'type'>): Asset => ({
  aliases: [],
  dependsOn: [],
  critical: false,
  tags: {},
  ...a,
});

export const DEMO_TENANTS: DemoTenantSpec[] = [
  {
    id: 'acme',
    name: 'Acme Manufacturing',
    // Acme lets low-risk runbooks run on their own (a full disk on app-prod-02 fixes itself).
    remediation: { autoExecute: true },
    // A plant in Chicago: two shifts on weekdays, US holidays.
    sla: contract({
      timeZone: 'America/Chicago',
      week: {
        mon: [{ from: '06:00', to: '22:00' }],
        tue: [{ from: '06:00', to: '22:00' }],
        wed: [{ from: '06:00', to: '22:00' }],
        thu: [{ from: '06:00', to: '22:00' }],
        fri: [{ from: '06:00', to: '22:00' }],
      },
      holidays: [
        { date: '2026-01-01', name: "New Year's Day", yearly: true },
        { date: '2026-07-04', name: 'Independence Day', yearly: true },
        { date: '2026-11-26', name: 'Thanksgiving' },
        { date: '2026-11-27', name: 'Day after Thanksgiving' },
        { date: '2026-12-25', name: 'Christmas Day', yearly: true },
      ],
    }),
    assets: [
      asset({
        id: 'db-prod-01',
        name: 'db-prod-01',
        type: 'database',
        critical: true,
        aliases: ['db-prod-01.acme.internal', '10.0.1.10', 'i-0a1b2c3d4e5f60001'],
        tags: { os: 'linux', env: 'prod' },
        ssm: { instanceId: 'i-0a1b2c3d4e5f60001', accountId: '111122223333', region: 'us-east-1', platform: 'linux' },
      }),
      asset({
        id: 'app-prod-01',
        name: 'app-prod-01',
        type: 'server',
        dependsOn: ['db-prod-01'],
        aliases: ['app-prod-01.acme.internal', '10.0.2.11', 'i-0a1b2c3d4e5f60011'],
        tags: { os: 'linux', env: 'prod' },
      }),
      asset({
        id: 'app-prod-02',
        name: 'app-prod-02',
        type: 'server',
        dependsOn: ['db-prod-01'],
        aliases: ['app-prod-02.acme.internal', '10.0.2.12', 'i-0a1b2c3d4e5f60012'],
        tags: { os: 'linux', env: 'prod' },
        ssm: { instanceId: 'i-0a1b2c3d4e5f60012', accountId: '111122223333', region: 'us-east-1', platform: 'linux' },
      }),
      asset({
        id: 'lb-prod-01',
        name: 'lb-prod-01',
        type: 'load_balancer',
        dependsOn: ['app-prod-01', 'app-prod-02'],
        aliases: [
          'lb-prod-01.acme.internal',
          '10.0.0.5',
          'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/acme-prod/50dc6c495c0c9188',
        ],
      }),
      asset({
        id: 'www-acme',
        name: 'www.acme.example',
        type: 'endpoint',
        critical: true,
        dependsOn: ['lb-prod-01'],
        aliases: ['https://www.acme.example'],
      }),
      asset({
        id: 'win-file-01',
        name: 'win-file-01',
        type: 'server',
        aliases: ['win-file-01.acme.internal', '10.0.3.20', 'i-0a1b2c3d4e5f60021'],
        tags: { os: 'windows', env: 'prod' },
        ssm: { instanceId: 'i-0a1b2c3d4e5f60021', accountId: '111122223333', region: 'us-east-1', platform: 'windows' },
      }),
    ],
  },
  {
    id: 'globex',
    name: 'Globex Retail',
    // Globex keeps the default: every runbook waits for an approval.
    remediation: {},
    // A London shop: office hours on weekdays, UK bank holidays.
    sla: contract({
      timeZone: 'Europe/London',
      week: {
        mon: [{ from: '08:30', to: '17:30' }],
        tue: [{ from: '08:30', to: '17:30' }],
        wed: [{ from: '08:30', to: '17:30' }],
        thu: [{ from: '08:30', to: '17:30' }],
        fri: [{ from: '08:30', to: '17:30' }],
      },
      holidays: [
        { date: '2026-01-01', name: "New Year's Day", yearly: true },
        { date: '2026-12-25', name: 'Christmas Day', yearly: true },
        { date: '2026-12-26', name: 'Boxing Day', yearly: true },
        { date: '2026-12-28', name: 'Boxing Day (substitute day)' },
      ],
    }),
    assets: [
      // Same host name as Acme's on purpose: tenants never see or join each other's alerts.
      asset({
        id: 'db-prod-01',
        name: 'db-prod-01',
        type: 'database',
        critical: true,
        aliases: ['db-prod-01.globex.lan', '172.16.4.10', 'i-0f9e8d7c6b5a40001'],
        tags: { os: 'linux' },
      }),
      asset({
        id: 'web-01',
        name: 'web-01',
        type: 'server',
        dependsOn: ['db-prod-01'],
        aliases: ['web-01.globex.lan', '172.16.5.11', 'i-0f9e8d7c6b5a40011'],
        tags: { os: 'linux' },
        ssm: { instanceId: 'i-0f9e8d7c6b5a40011', accountId: '444455556666', region: 'eu-west-1', platform: 'linux' },
      }),
      asset({
        id: 'shop-endpoint',
        name: 'shop.globex.example',
        type: 'endpoint',
        dependsOn: ['web-01'],
        aliases: ['https://shop.globex.example'],
      }),
    ],
  },
];

export const DEMO_USERS: DemoUserSpec[] = [
  { email: 'admin@msp.example', name: 'Morgan MSP-Admin', role: 'msp_admin', tenantIds: [], skills: ['Cloud', 'Security'] },
  { email: 'admin@acme.example', name: 'Casey Acme-Admin', role: 'company_admin', tenantIds: ['acme'], skills: ['Server'] },
  {
    email: 'tech.dana@msp.example',
    name: 'Dana Database',
    role: 'technician',
    tenantIds: ['acme', 'globex'],
    skills: ['Database', 'Server'],
  },
  { email: 'tech.niko@msp.example', name: 'Niko Network', role: 'technician', tenantIds: ['acme'], skills: ['Network', 'Server'] },
  { email: 'tech.gale@msp.example', name: 'Gale Globex', role: 'technician', tenantIds: ['globex'], skills: ['Server', 'Cloud'] },
  // Acme's own IT lead, on the client portal: Acme's incidents, assets, maintenance and reports, nothing else.
  { email: 'it@acme.example', name: 'Jordan Acme-IT', role: 'client_viewer', tenantIds: ['acme'], skills: [] },
];

interface DemoSecrets {
  passwords: Record<string, string>;
  apiKeys: Record<string, string>;
  hmacSecrets: Record<string, string>;
}

export interface DemoInfo {
  admin: { email: string; password: string };
  users: Array<{ email: string; password: string; role: Role; tenants: string[] }>;
  tenants: Array<{ id: string; name: string; apiKey: string; hmacSecret: string }>;
}

function loadSecrets(file: string): DemoSecrets {
  const secrets: DemoSecrets = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { passwords: {}, apiKeys: {}, hmacSecrets: {} };
  for (const user of DEMO_USERS) secrets.passwords[user.email] ??= `Demo-${randomBytes(9).toString('base64url')}`;
  for (const tenant of DEMO_TENANTS) {
    secrets.apiKeys[tenant.id] ??= `aw_${randomBytes(32).toString('base64url')}`;
    secrets.hmacSecrets[tenant.id] ??= randomBytes(32).toString('hex');
  }
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export async function seedDemo(table: TableRef, dataDir: string, now = new Date()): Promise<DemoInfo> {
  const secrets = loadSecrets(join(dataDir, 'demo-secrets.json'));

  for (const tenant of DEMO_TENANTS) {
    if (!(await getTenant(table, tenant.id))) await putTenant(table, { id: tenant.id, name: tenant.name, createdAt: now.toISOString() });
    for (const item of tenant.assets) await putAsset(table, tenant.id, item);
    if ((await slaPolicies.get(table, tenant.id)).version === 0) {
      await slaPolicies.put(table, tenant.id, slaPolicySchema.parse(tenant.sla), 'seed', now, 0);
    }
    if ((await remediationPolicies.get(table, tenant.id)).version === 0 && Object.keys(tenant.remediation).length > 0) {
      await remediationPolicies.put(table, tenant.id, remediationPolicySchema.parse(tenant.remediation), 'seed', now, 0);
    }
    const apiKey = secrets.apiKeys[tenant.id] as string;
    if (!(await findActiveApiKey(table, apiKey, now))) await createApiKey(table, tenant.id, now, { apiKey });
    // The webhook signing secret (HMAC verification is optional per tenant and off by default).
    await table.db
      .send(
        new PutCommand({
          TableName: table.tableName,
          Item: {
            ...keys.hmacSecret(tenant.id),
            entity: 'hmacSecret',
            tenantId: tenant.id,
            secret: secrets.hmacSecrets[tenant.id],
            required: false,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .catch((error: Error) => {
        if (error.name !== 'ConditionalCheckFailedException') throw error;
      });
  }

  for (const user of DEMO_USERS) {
    if (await findUserByEmail(table, user.email)) continue;
    await createUser(table, {
      id: demoUserId(user.email),
      ...user,
      createdAt: now.toISOString(),
      passwordHash: await hashPassword(secrets.passwords[user.email] as string),
    });
  }

  const users = DEMO_USERS.map((user) => ({
    email: user.email,
    password: secrets.passwords[user.email] as string,
    role: user.role,
    tenants: user.role === 'msp_admin' ? DEMO_TENANTS.map((tenant) => tenant.id) : user.tenantIds,
  }));
  const admin = users.find((user) => user.role === 'msp_admin') as (typeof users)[number];
  return {
    admin: { email: admin.email, password: admin.password },
    users,
    tenants: DEMO_TENANTS.map((tenant) => ({
      id: tenant.id,
      name: tenant.name,
      apiKey: secrets.apiKeys[tenant.id] as string,
      hmacSecret: secrets.hmacSecrets[tenant.id] as string,
    })),
  };
}

/**
 * On-call schedules for the demo companies, so `npm start` shows who is on call and escalations reach
 * "whoever is on call". Only `npm start` adds them: the tests' routing and escalation expectations
 * assume no schedule unless a test makes one. An existing schedule (same id) is left as it is.
 */
export async function seedDemoOnCall(table: TableRef, now = new Date()): Promise<void> {
  const change = { updatedBy: 'seed', now };
  await createSchedule(
    table,
    'acme',
    {
      id: 'acme-primary',
      name: 'Acme primary',
      layers: [
        {
          name: 'Weekly rotation',
          members: [demoUserId('tech.niko@msp.example'), demoUserId('tech.dana@msp.example')],
          rotation: 'weekly',
          handoffTime: '09:00',
          timeZone: 'Europe/London',
          startDate: '2026-01-05',
        },
      ],
    },
    change,
  );
  await createSchedule(
    table,
    'globex',
    {
      id: 'globex-primary',
      name: 'Globex primary',
      layers: [
        {
          name: 'Daily rotation',
          members: [demoUserId('tech.gale@msp.example'), demoUserId('tech.dana@msp.example')],
          rotation: 'daily',
          handoffTime: '08:00',
          timeZone: 'America/New_York',
          startDate: '2026-01-05',
        },
      ],
    },
    change,
  );
}
