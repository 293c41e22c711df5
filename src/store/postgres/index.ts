/**
 * The store in PostgreSQL (see ports.ts), for several app servers on one database: everything
 * they share (sessions, throttle counts, bodies, the read model, settings) lives here. Chosen by
 * `openStore` when DATABASE_URL is a postgres:// or postgresql:// URL.
 */
import pg from 'pg';
import type { Store } from '../ports';
import { createAccountStore } from './accounts';
import { createActs } from './acts';
import { createBodyStore } from './bodies';
import { createBlobStore, createFileStore } from './files';
import { createCoordination } from './coordination';
import { clientConfig, createPool, DEFAULT_TIMEOUTS, PostgresConnection, type PostgresTimeouts } from './connection';
import { migrate, MIGRATION_STATEMENT_TIMEOUT_MS } from './migrations';
import { createProjection } from './projection';
import { createReadModel } from './read-model';
import { createSessionRows } from './sessions';
import { createSettingsStore } from './settings';
import { createThrottleEvents } from './throttle-events';
import { createUserStore } from './users';

export { DEFAULT_TIMEOUTS, type PostgresTimeouts } from './connection';
export { isDatabaseUnavailable } from './errors';

/** The PostgreSQL store; `pool` is its connection pool, for tools and tests that look into the database. */
export interface PostgresStore extends Store {
  readonly pool: pg.Pool;
}

/** "PostgreSQL at host:port/database", never the user or password. */
export function describePostgres(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.searchParams.get('host') || parsed.host || 'localhost';
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || parsed.searchParams.get('dbname') || '(default database)';
    return `PostgreSQL at ${host}/${database}`;
  } catch {
    return 'PostgreSQL (an unreadable DATABASE_URL)';
  }
}

/** What went wrong, in words: a refused connection to a name with several addresses is an AggregateError with no message of its own. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  const inner = error instanceof AggregateError ? error.errors.map(reasonOf).filter(Boolean).join('; ') : '';
  return inner || (error as { code?: string }).code || error.name;
}

/**
 * Connects, migrates to the newest schema (under an advisory lock) and returns the store; a
 * database that cannot be reached, or refuses the login, is an error naming the database.
 */
export async function openPostgresStore(url: string, timeouts: Partial<PostgresTimeouts> = {}): Promise<PostgresStore> {
  const limits: PostgresTimeouts = { ...DEFAULT_TIMEOUTS, ...timeouts };
  const description = describePostgres(url);
  try {
    await migrate(
      new pg.Client({ ...clientConfig(url, limits), statement_timeout: MIGRATION_STATEMENT_TIMEOUT_MS, query_timeout: MIGRATION_STATEMENT_TIMEOUT_MS + 5_000 }),
    );
  } catch (error) {
    throw new Error(`cannot open the store (${description}): ${reasonOf(error)}`, { cause: error });
  }
  // The pool only once the database has answered: a store that cannot open leaves nothing to end.
  const pool = createPool(url, limits);
  const sql = new PostgresConnection(pool, limits.unitOfWorkTimeoutMs);
  const coordination = createCoordination(url, limits);
  let closing: Promise<void> | undefined;
  return {
    pool,
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
    blobs: createBlobStore(sql, description),
    coordination,
    transaction: work => sql.transaction(work),
    description,
    close: () => (closing ??= coordination.close().then(() => pool.end())),
  };
}
