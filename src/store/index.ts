/**
 * Opens the store the settings name. SQLite under DATA_DIR is the one implementation today; a
 * second one (PostgreSQL by DATABASE_URL) is a folder beside `sqlite/`, chosen here.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from './ports';
import { openSqliteStore } from './sqlite';
import { DATABASE_FILE } from './sqlite/database';

export interface StoreSettings {
  readonly dataDir: string;
}

/** True when the settings name a data set that exists; otherwise what is missing (tools never make one by mistake). */
export function storeExists(settings: StoreSettings): true | string {
  return fs.existsSync(path.join(settings.dataDir, DATABASE_FILE)) ? true : `no ${DATABASE_FILE}`;
}

export async function openStore(settings: StoreSettings): Promise<Store> {
  return openSqliteStore(settings.dataDir);
}
