/**
 * `npx tsx infra/create-admin.ts --table <TableName> --email <email> --name "<name>"` creates the first
 * MSP admin straight in a deployed stack's table: the API lets only an MSP admin create MSP admins, so
 * the first one cannot come through it. Runs with the AWS CLI's credentials and region (AWS_PROFILE,
 * AWS_REGION); needs dynamodb:PutItem on the table and the KMS key's encrypt/decrypt (an administrator).
 * The password comes from ADMIN_PASSWORD, or is generated and printed once. Sign in, then create the
 * other users through `POST /v1/users`.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ulid } from 'ulid';
import * as z from 'zod';
import { passwordPolicy } from '../lib/auth/login';
import { hashPassword } from '../lib/auth/password';
import { dynamo } from '../lib/aws/clients';
import { userSchema } from '../lib/domain/user';
import { createUser } from '../lib/store/users';
import type { TableRef } from '../lib/store/table-ref';

const inputSchema = z.object({
  table: z.string().min(3, 'give the stack output TableName with --table'),
  email: z.email('give the admin email with --email'),
  name: z.string().min(1, 'give the admin name with --name').max(128),
  /** The same policy as every user's password (12+ characters, three kinds). */
  password: passwordPolicy.optional(),
});
export type FirstAdminInput = z.input<typeof inputSchema>;

/** 24 random characters that meet the password policy (drawn again in the rare case they do not). */
function generatePassword(): string {
  for (;;) {
    const candidate = randomBytes(18).toString('base64url');
    if (passwordPolicy.safeParse(candidate).success) return candidate;
  }
}

/** Creates the MSP admin; returns its id and the password (generated when none was given). */
export async function createFirstAdmin(
  input: FirstAdminInput,
  deps: { table: TableRef; now: Date },
): Promise<{ userId: string; email: string; password: string; generated: boolean }> {
  const parsed = inputSchema.parse(input);
  const password = parsed.password ?? generatePassword();
  const user = userSchema.parse({
    id: `usr_${ulid()}`,
    email: parsed.email,
    name: parsed.name,
    role: 'msp_admin',
    tenantIds: [],
    skills: [],
    createdAt: deps.now.toISOString(),
  });
  // Fails with a conflict when the email is already a user: nothing is overwritten.
  await createUser(deps.table, { ...user, passwordHash: await hashPassword(password) });
  return { userId: user.id, email: user.email, password, generated: parsed.password === undefined };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { table: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' } } });
  const result = await createFirstAdmin(
    { table: values.table ?? '', email: values.email ?? '', name: values.name ?? '', password: process.env.ADMIN_PASSWORD || undefined },
    { table: { db: dynamo(), tableName: values.table ?? '' }, now: new Date() },
  );
  console.log(`Created MSP admin ${result.email} (${result.userId}).`);
  if (result.generated) console.log(`Password (shown once: keep it in your password manager): ${result.password}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof z.ZodError ? error.issues.map((issue) => issue.message).join('\n') : error);
    process.exit(1);
  });
}
