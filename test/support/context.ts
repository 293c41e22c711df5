/**
 * Test fixtures: a real embedded Ganache and a real SQLite file in a temporary DATA_DIR.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config';
import { createApp } from '../../src/app';
import { startContext, type AppContext } from '../../src/context';
import { createServices, type ServiceOptions } from '../../src/services';
import type { SqliteStore } from '../../src/store/sqlite';
import type { Db } from '../../src/store/sqlite/database';
import { freePort } from './ports';
import { PRODUCTION_SECRETS } from './process';

export { freePort };

/**
 * The SQLite connection under a test's store, for the tests that look into the file or alter it
 * the way an attacker with the database would. (The app itself sees only the store's ports.)
 */
export function sqlOf(context: Pick<AppContext, 'store'>): Db {
  const { db } = context.store as Partial<SqliteStore>;
  if (!db) throw new Error(`the store is not SQLite: ${context.store.description}`);
  return db;
}

export function tempDataDir(label = 'ehr'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`));
}

/** The app's settings over a fresh DATA_DIR; no chain port, as by default (`CHAIN_PORT: '0'` opens one on a free port). */
export async function testConfig(overrides: Record<string, string> = {}): Promise<Config> {
  return loadConfig({
    DATA_DIR: tempDataDir(),
    PORT: '0',
    ...(overrides.NODE_ENV === 'production' ? PRODUCTION_SECRETS : {}),
    ...overrides,
  });
}

export async function startTestContext(overrides: Record<string, string> = {}): Promise<AppContext> {
  return startContext(await testConfig(overrides));
}

/**
 * The whole app over a fresh node and database; bcrypt at its lowest cost to keep tests quick.
 * `serviceLog` collects what the services log (failed background writes, detected tampering);
 * `serviceOptions` adds to the services' options (a test clock).
 */
export async function startTestApp(overrides: Record<string, string> = {}, serviceOptions: ServiceOptions = {}) {
  const context = await startTestContext(overrides);
  const serviceLog: string[] = [];
  const services = createServices(context, { bcryptCost: 4, log: line => serviceLog.push(line), ...serviceOptions });
  await services.auth.ensureAdminPassword(context.config.adminPassword);
  return { context, services, serviceLog, app: createApp(context, services, { log: () => undefined }) };
}

/** `startTestApp`, listening on a free port of 127.0.0.1 (for a browser): `base` is its URL. */
export async function serveTestApp(overrides: Record<string, string> = {}, serviceOptions: ServiceOptions = {}) {
  const started = await startTestApp(overrides, serviceOptions);
  const server = started.app.listen(0, '127.0.0.1');
  await new Promise(resolve => server.once('listening', resolve));
  return { ...started, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
