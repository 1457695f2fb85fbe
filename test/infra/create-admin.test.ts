import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { verifyPassword } from '../../lib/auth/password';
import { createFirstAdmin } from '../../infra/create-admin';

/** A table client that records what it is sent (the script's only call is one transaction). */
function recordingTable() {
  const sent: unknown[] = [];
  const db = { send: async (command: unknown) => void sent.push(command) };
  return { sent, table: { db: db as never, tableName: 'AlertWhisperer-prod-Table' } };
}

describe('createFirstAdmin', () => {
  const now = new Date('2026-05-01T12:00:00Z');

  it('writes one MSP admin (and its unique email item) with a scrypt hash of a generated password', async () => {
    const { sent, table } = recordingTable();
    const result = await createFirstAdmin({ table: table.tableName, email: 'Ops@MSP.example.com', name: 'Ops Lead' }, { table, now });
    expect(result).toMatchObject({ email: 'ops@msp.example.com', generated: true });
    expect(result.password).toHaveLength(24);
    expect(sent).toHaveLength(1);
    const command = sent[0] as TransactWriteCommand;
    expect(command).toBeInstanceOf(TransactWriteCommand);
    const items = command.input.TransactItems!.map((item) => item.Put!);
    expect(items.every((put) => put.TableName === table.tableName && put.ConditionExpression === 'attribute_not_exists(pk)')).toBe(true);
    const user = items.find((put) => put.Item!.entity === 'user')!.Item!;
    expect(user).toMatchObject({
      id: result.userId,
      role: 'msp_admin',
      tenantIds: [],
      email: 'ops@msp.example.com',
      createdAt: now.toISOString(),
    });
    expect(await verifyPassword(result.password, user.passwordHash as string)).toBe(true);
  });

  it('uses ADMIN_PASSWORD when it meets the password policy, and refuses a weak one or a missing table', async () => {
    const { table } = recordingTable();
    const chosen = await createFirstAdmin({ table: 'Table-1', email: 'a@b.co', name: 'A', password: 'Correct-Horse-42' }, { table, now });
    expect(chosen).toMatchObject({ password: 'Correct-Horse-42', generated: false });
    await expect(createFirstAdmin({ table: 'Table-1', email: 'a@b.co', name: 'A', password: 'short' }, { table, now })).rejects.toThrow(
      /12/,
    );
    await expect(createFirstAdmin({ table: '', email: 'a@b.co', name: 'A' }, { table, now })).rejects.toThrow(/--table/);
  });
});
