/**
 * Coordination of app servers on one PostgreSQL database (see Coordination), with advisory
 * locks on connections of their own (a pool of a few, apart from the store's), so that a server
 * waiting for a lock never holds a connection the store's queries need:
 *
 * - `exclusive`: a session-level advisory lock around work that is not a database transaction
 *   (handing an account's transaction to the node, deploying the contract): taken with a wait
 *   bounded by the caller, released after, and released by PostgreSQL itself should the server
 *   die holding it (its connection ends).
 * - `lease`: a session-level advisory lock taken without waiting and kept on a connection held
 *   for it: the server whose connection holds it follows the chain; when that connection ends,
 *   the next server to ask takes it.
 *
 * Keys are texts, hashed to the lock's 64-bit number by PostgreSQL (`hashtextextended`).
 */
import pg from 'pg';
import type { Coordination } from '../ports';
import { clientConfig, createPool, type PostgresTimeouts } from './connection';

const LOCKS_POOL_SIZE = 4;
const DEFAULT_WAIT_MS = 30_000;

export function createCoordination(url: string, timeouts: PostgresTimeouts): Coordination & { close(): Promise<void> } {
  const pool = createPool(url, { ...timeouts, maxConnections: LOCKS_POOL_SIZE });
  const leases = new Map<string, pg.Client>();
  let closed = false;

  return {
    async exclusive(key, work, timeoutMs = DEFAULT_WAIT_MS) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        // The wait is the lock's, not a slow statement's: both limits widened for it alone.
        await client.query(`SET statement_timeout = ${Math.ceil(timeoutMs)}`);
        await client.query({ text: 'SELECT pg_advisory_lock(hashtextextended($1, 0))', values: [key], query_timeout: timeoutMs + 2_000 } as pg.QueryConfig);
        await client.query(`SET statement_timeout = ${timeouts.statementTimeoutMs}`);
      } catch (error) {
        client.release(error as Error); // a connection left waiting is closed, never reused
        throw new Error(`the lock "${key}" was not free within ${timeoutMs} ms`, { cause: error });
      }
      try {
        return await work();
      } finally {
        try {
          await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
        } catch (error) {
          broken = error as Error; // the connection is closed instead: its locks go with it
        }
        client.release(broken);
      }
    },

    async lease(key) {
      if (closed) return false;
      if (leases.has(key)) return true;
      const client = new pg.Client(clientConfig(url, timeouts));
      const lose = () => {
        if (leases.get(key) === client) leases.delete(key);
      };
      client.on('error', lose);
      client.on('end', lose);
      try {
        await client.connect();
        const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held', [`lease:${key}`]);
        if (rows[0]?.held && !closed) {
          leases.set(key, client);
          return true;
        }
      } catch {
        // The database is out of reach: no lease now; asked again at the next tick.
      }
      await client.end().catch(() => undefined);
      return false;
    },

    async close() {
      closed = true;
      await Promise.all([...leases.values()].map(client => client.end().catch(() => undefined)));
      leases.clear();
      await pool.end();
    },
  };
}
