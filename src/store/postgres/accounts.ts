/** Custodial accounts in PostgreSQL (see AccountStore). */
import type { AccountRow, AccountStore } from '../ports';
import type { PostgresConnection } from './connection';

const COLUMNS = 'id, address, encrypted_key AS "encryptedKey"';

export function createAccountStore(sql: PostgresConnection): AccountStore {
  return {
    insert: async (address, encryptedKey) => {
      const lower = address.toLowerCase();
      const row = await sql.first<{ id: number }>('INSERT INTO accounts (address, encrypted_key, created_at) VALUES ($1, $2, $3) RETURNING id', [lower, encryptedKey, Date.now()]);
      return { id: row!.id, address: lower, encryptedKey };
    },
    findByAddress: address => sql.first<AccountRow>(`SELECT ${COLUMNS} FROM accounts WHERE address = $1`, [address.toLowerCase()]),
    first: () => sql.first<AccountRow>(`SELECT ${COLUMNS} FROM accounts ORDER BY id LIMIT 1`),
    withoutUser: before =>
      sql.rows<{ address: string; createdAt: number }>(
        `SELECT a.address, a.created_at AS "createdAt" FROM accounts a
         WHERE a.created_at < $1 AND NOT EXISTS (SELECT 1 FROM users u WHERE u.address = a.address)
         ORDER BY a.id`,
        [before],
      ),
  };
}
