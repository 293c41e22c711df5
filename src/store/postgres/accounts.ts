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
  };
}
