/** The store in one SQLite file under DATA_DIR (see ports.ts). */
import path from 'node:path';
import type { Store } from '../ports';
import { createAccountStore } from './accounts';
import { createActs } from './acts';
import { createBodyStore } from './bodies';
import { createDirectoryBlobStore } from '../blobs/directory';
import { createFileStore } from './files';
import { SqliteConnection } from './connection';
import { DATABASE_FILE, openDatabase, type Db } from './database';
import { createProjection } from './projection';
import { createReadModel } from './read-model';
import { createSessionRows } from './sessions';
import { createSettingsStore } from './settings';
import { createThrottleEvents } from './throttle-events';
import { createUserStore } from './users';

/** The SQLite store; `db` is its connection, for tools and tests that inspect the file. */
/** Where the encrypted bytes of attached files are kept, under DATA_DIR. */
export const FILES_DIR = 'files';

export interface SqliteStore extends Store {
  readonly db: Db;
}

export function openSqliteStore(dataDir: string): SqliteStore {
  const db = openDatabase(dataDir);
  const sql = new SqliteConnection(db);
  return {
    db,
    users: createUserStore(sql),
    accounts: createAccountStore(sql),
    bodies: createBodyStore(sql),
    settings: createSettingsStore(sql),
    readModel: createReadModel(sql),
    projection: createProjection(sql),
    acts: createActs(sql),
    sessions: createSessionRows(sql),
    throttle: createThrottleEvents(sql),
    files: createFileStore(sql),
    blobs: createDirectoryBlobStore(path.join(dataDir, FILES_DIR)),
    transaction: work => sql.transaction(work),
    description: `SQLite at ${path.join(dataDir, DATABASE_FILE)}`,
    async close() {
      if (db.open) db.close();
    },
  };
}
