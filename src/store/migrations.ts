/**
 * The database schema, as an ordered list of migrations. A migration is never edited once it has
 * landed: change the schema by appending one. `PRAGMA user_version` records how many have run.
 */
export interface Migration {
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'custodial accounts',
    sql: `
      -- One Ethereum account per user. The private key is kept only as an AES-256-GCM envelope
      -- under a key derived from the master key, bound to the address.
      CREATE TABLE accounts (
        id            INTEGER PRIMARY KEY,
        address       TEXT NOT NULL UNIQUE CHECK (address GLOB '0x*' AND length(address) = 42),
        encrypted_key TEXT NOT NULL,
        created_at    INTEGER NOT NULL
      ) STRICT;
    `,
  },
];
