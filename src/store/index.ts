/**
 * Opens the store the settings name: PostgreSQL when `databaseUrl` is a postgres:// or
 * postgresql:// URL (several servers on one database), else SQLite under DATA_DIR (the
 * embedded default). Each implementation is a folder beside the ports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isPostgresUrl } from '../config';
import type { Store } from './ports';
import { isDatabaseUnavailable } from './postgres/errors';
import { openSqliteStore } from './sqlite';
import { DATABASE_FILE } from './sqlite/database';

export interface StoreSettings {
  readonly dataDir: string;
  /** postgres://… or postgresql://…: the store is that PostgreSQL database, not SQLite under dataDir. */
  readonly databaseUrl?: string;
}

/**
 * Whether an error of a store call means its database is out of reach for now (PostgreSQL
 * stopped, restarting or unreachable; a statement past its time limit): a 503, not a 500. The
 * embedded SQLite file has no such errors.
 */
export const isStoreUnavailable = (error: unknown): boolean => isDatabaseUnavailable(error);

/** True when the settings name a data set that exists; otherwise what is missing (tools never make one by mistake). */
export function storeExists(settings: StoreSettings): true | string {
  // A PostgreSQL database is made by its administrator, never by mistake here: opening it says
  // whether it can be reached.
  if (isPostgresUrl(settings.databaseUrl)) return true;
  return fs.existsSync(path.join(settings.dataDir, DATABASE_FILE)) ? true : `no ${DATABASE_FILE}`;
}

export async function openStore(settings: StoreSettings): Promise<Store> {
  if (isPostgresUrl(settings.databaseUrl)) {
    // Loaded only here: pg takes about 0.1 s to load, which every start on SQLite would pay. A
    // require, not import(): under tsx's CommonJS hook, import() goes to Node's ESM loader.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { openPostgresStore } = require('./postgres') as typeof import('./postgres');
    return openPostgresStore(settings.databaseUrl);
  }
  return openSqliteStore(settings.dataDir);
}
