/**
 * The SQLite database under DATA_DIR: opened in WAL mode, migrated to the newest schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { privateDir, privateFile } from '../../crypto/secrets';
import type { Migration } from '../migration';
import { MIGRATIONS } from './migrations';

export type Db = Database.Database;

export const DATABASE_FILE = 'ehr.sqlite';

export function openDatabase(dataDir: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  privateDir(dataDir);
  const file = path.join(dataDir, DATABASE_FILE);
  // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database's mode.
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const suffix of ['', '-wal', '-shm']) privateFile(`${file}${suffix}`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across a process crash (kill -9) in WAL mode; only a power loss may
  // drop the last transactions, and the ledger reconciliation covers those.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}

/** Runs the migrations not yet applied, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[]): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  if (applied > migrations.length) {
    throw new Error(`the database schema (version ${applied}) is newer than this code (${migrations.length})`);
  }
  migrations.slice(applied).forEach((migration, offset) => {
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${applied + offset + 1}`);
    })();
  });
}
