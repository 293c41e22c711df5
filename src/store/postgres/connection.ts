/**
 * A pool of PostgreSQL connections with units of work on it. Outside a unit of work each call
 * takes any pooled connection for its statements; a unit of work takes one connection of its own
 * and runs BEGIN … COMMIT (or ROLLBACK) on it, and every store call made in its async context
 * (tracked with AsyncLocalStorage) runs on that connection, so inside the transaction.
 *
 * Unlike SQLite's one connection, a unit of work here does not hold every other caller: others
 * go on with their own connections and see none of its writes until it commits (READ COMMITTED);
 * a caller that writes a row the unit wrote waits for the unit to end (a row lock).
 *
 * Nothing may hang on an outage: connecting, every statement (server side) and every reply
 * (client side) have time limits, and a unit of work that has not ended in 10 s is rolled back.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';

export interface PostgresTimeouts {
  /** How long to wait for a new connection (ms). */
  readonly connectionTimeoutMs: number;
  /** How long the server lets one statement run before cancelling it (ms). */
  readonly statementTimeoutMs: number;
  /** How long the client waits for a statement's answer before giving up on the connection (ms); a network that drops packets is caught here. */
  readonly queryTimeoutMs: number;
  /** A unit of work that has not ended in this long is a bug (e.g. a node call inside it): it is rolled back. */
  readonly unitOfWorkTimeoutMs: number;
  /** Connections per pool. */
  readonly maxConnections: number;
}

export const DEFAULT_TIMEOUTS: PostgresTimeouts = {
  connectionTimeoutMs: 3_000,
  statementTimeoutMs: 5_000,
  queryTimeoutMs: 6_000,
  unitOfWorkTimeoutMs: 10_000,
  maxConnections: 10,
};

/** Server-side limit on how long a transaction may sit idle (a client that vanished mid-unit lets go of its locks). */
const IDLE_IN_TRANSACTION_MS = 15_000;

const INT8_OID = 20;

/**
 * bigint (int8) columns and count(*) come back as JS numbers, as the ports' rows say (ms
 * timestamps, block numbers and ids are far below 2^53); a value that a number cannot hold
 * exactly is an error, never a silent rounding.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`a bigint from PostgreSQL (${text}) does not fit a JS number`);
  return value;
}

const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** How every connection to `url` is made: its time limits and its type parsers. */
export function clientConfig(url: string, timeouts: PostgresTimeouts): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: timeouts.connectionTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    query_timeout: timeouts.queryTimeoutMs,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
    keepAlive: true,
    types: TYPES,
  };
}

export function createPool(url: string, timeouts: PostgresTimeouts): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(url, timeouts), max: timeouts.maxConnections });
  // An idle connection that the server drops (a restart, an outage) is removed from the pool;
  // the next call opens a new one. Without a listener the error would end the process.
  pool.on('error', () => undefined);
  return pool;
}

interface UnitOfWork {
  readonly client: pg.PoolClient;
  /** Set once committed or rolled back: a straggler of its work must not write outside it. */
  closed: boolean;
}

export class PostgresConnection {
  private readonly scope = new AsyncLocalStorage<UnitOfWork>();

  constructor(
    readonly pool: pg.Pool,
    private readonly unitOfWorkTimeoutMs: number = DEFAULT_TIMEOUTS.unitOfWorkTimeoutMs,
  ) {}

  /** The open unit of work of the caller's async context, if any; an ended one is refused. */
  private unit(): UnitOfWork | undefined {
    const unit = this.scope.getStore();
    if (unit?.closed) throw new Error('the unit of work this call belonged to has ended');
    return unit;
  }

  /** One statement: on the caller's unit of work, or on any pooled connection. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<pg.QueryResult<R>> {
    const unit = this.unit();
    return unit ? unit.client.query<R>(text, values as unknown[]) : this.pool.query<R>(text, values as unknown[]);
  }

  async rows<R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    return (await this.query<R>(text, values)).rows;
  }

  async first<R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<R | undefined> {
    return (await this.query<R>(text, values)).rows[0];
  }

  /** How many rows a statement changed. */
  async changes(text: string, values: readonly unknown[] = []): Promise<number> {
    return (await this.query(text, values)).rowCount ?? 0;
  }

  /** Runs `work` as one transaction on a connection of its own; nested calls join the outer one. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.unit()) return work();
    const client = await this.pool.connect();
    // A checked-out connection that the server drops between statements emits 'error': the
    // statement that follows fails instead, so the error must not end the process.
    const onError = () => undefined;
    client.on('error', onError);
    const unit: UnitOfWork = { client, closed: false };
    let timer: NodeJS.Timeout | undefined;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`a unit of work took over ${this.unitOfWorkTimeoutMs} ms and was rolled back`)), this.unitOfWorkTimeoutMs);
      });
      // Closed as soon as the work is over, before COMMIT or ROLLBACK: no straggler slips in between.
      const result = await Promise.race([this.scope.run(unit, work), timeout]).finally(() => (unit.closed = true));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A statement still running for the work is answered first; ROLLBACK follows it. A
      // connection that cannot roll back is not given back to the pool.
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      clearTimeout(timer);
      client.off('error', onError);
      client.release(broken);
    }
  }
}
