/** Repository of custodial accounts: an address and its encrypted private key. */
import type { Db } from './database';

export interface AccountRow {
  readonly id: number;
  readonly address: string;
  readonly encryptedKey: string;
}

export interface AccountRepository {
  insert(address: string, encryptedKey: string): AccountRow;
  findByAddress(address: string): AccountRow | undefined;
  first(): AccountRow | undefined;
}

export function createAccountRepository(db: Db): AccountRepository {
  const insert = db.prepare<[string, string, number]>(
    'INSERT INTO accounts (address, encrypted_key, created_at) VALUES (?, ?, ?)',
  );
  const byAddress = db.prepare<[string], AccountRow>(
    'SELECT id, address, encrypted_key AS encryptedKey FROM accounts WHERE address = ?',
  );
  const first = db.prepare<[], AccountRow>('SELECT id, address, encrypted_key AS encryptedKey FROM accounts ORDER BY id LIMIT 1');
  return {
    insert(address, encryptedKey) {
      const result = insert.run(address.toLowerCase(), encryptedKey, Date.now());
      return { id: Number(result.lastInsertRowid), address: address.toLowerCase(), encryptedKey };
    },
    findByAddress: address => byAddress.get(address.toLowerCase()),
    first: () => first.get(),
  };
}
