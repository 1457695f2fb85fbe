import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey } from '../../lib/store/api-keys';
import { putAsset } from '../../lib/store/assets';
import { putTenant } from '../../lib/store/tenants';
import type { Asset } from '../../lib/domain/asset';
import { seedDemo, type DemoInfo } from '../../local/seed';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { testDynamoEndpoint, testMotoEndpoint } from './dynamo';

/** A local stack on a free port against the shared DynamoDB Local, seeded with the demo MSP. */
export async function startTestStack(
  tableName: string,
  options: { snsVerify?: 'on' | 'off'; scheduleScale?: number } = {},
): Promise<{ stack: LocalStack; demo: DemoInfo }> {
  const stack = await startLocalStack({
    port: 0,
    dataDir: null,
    dynamoEndpoint: testDynamoEndpoint(),
    motoEndpoint: testMotoEndpoint(),
    tableName,
    log: () => undefined,
    ...options,
  });
  const demo = await seedDemo(stack.table, mkdtempSync(join(tmpdir(), 'aw-demo-')));
  return { stack, demo };
}

/** A tenant of its own for a test, with an API key (returned in plain text). */
export async function createTenant(stack: LocalStack, tenantId: string, assets: Asset[] = []): Promise<string> {
  const now = new Date();
  await putTenant(stack.table, { id: tenantId, name: tenantId, createdAt: now.toISOString() });
  for (const asset of assets) await putAsset(stack.table, tenantId, asset);
  return (await createApiKey(stack.table, tenantId, now)).apiKey;
}

export interface JsonResponse {
  status: number;
  body: any;
  headers: Headers;
}

export async function postJson(
  stack: LocalStack,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

export async function getJson(stack: LocalStack, path: string, token?: string): Promise<JsonResponse> {
  const response = await fetch(`${stack.apiUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

export async function login(stack: LocalStack, demo: DemoInfo, email: string): Promise<string> {
  const user = demo.users.find((candidate) => candidate.email === email);
  if (!user) throw new Error(`No demo user ${email}`);
  const { status, body } = await postJson(stack, '/v1/auth/login', { email, password: user.password });
  if (status !== 200) throw new Error(`Login failed for ${email}: ${status}`);
  return body.accessToken as string;
}
