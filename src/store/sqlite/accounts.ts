/** Custodial accounts in SQLite (see AccountStore). */
import type { AccountRow, AccountStore } from '../ports';
import type { SqliteConnection } from './connection';

const COLUMNS = 'id, address, encrypted_key AS encryptedKey';

export function createAccountStore(sql: SqliteConnection): AccountStore {
  return {
    insert: (address, encryptedKey) =>
      sql.run(() => {
        const lower = address.toLowerCase();
        const result = sql.statement('INSERT INTO accounts (address, encrypted_key, created_at) VALUES (?, ?, ?)').run(lower, encryptedKey, Date.now());
        return { id: Number(result.lastInsertRowid), address: lower, encryptedKey };
      }),
    findByAddress: address => sql.run(() => sql.statement<[string], AccountRow>(`SELECT ${COLUMNS} FROM accounts WHERE address = ?`).get(address.toLowerCase())),
    first: () => sql.run(() => sql.statement<[], AccountRow>(`SELECT ${COLUMNS} FROM accounts ORDER BY id LIMIT 1`).get()),
    withoutUser: before =>
      sql.run(() =>
        sql
          .statement<[number], { address: string; createdAt: number }>(`
            SELECT a.address, a.created_at AS createdAt FROM accounts a
            WHERE a.created_at < ? AND NOT EXISTS (SELECT 1 FROM users u WHERE u.address = a.address)
            ORDER BY a.id`)
          .all(before),
      ),
  };
}
