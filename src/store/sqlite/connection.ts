/**
 * One SQLite connection shared by every request, with units of work on it. better-sqlite3 runs
 * each statement synchronously, so statements never interleave; a unit of work spans awaits,
 * though, so while one is open every other caller waits for it, and the calls made inside it (its
 * async context, tracked with AsyncLocalStorage) run in it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database';

interface UnitOfWork {
  readonly ended: Promise<void>;
  /** Set once committed or rolled back: a straggler of its work must not write outside it. */
  closed: boolean;
}

/** A unit of work that has not ended in this long is a bug (e.g. a node call inside it): it is rolled back. */
const UNIT_OF_WORK_TIMEOUT_MS = 10_000;

export class SqliteConnection {
  private open: UnitOfWork | undefined;
  private readonly scope = new AsyncLocalStorage<UnitOfWork>();
  private readonly statements = new Map<string, Statement>();

  constructor(readonly db: Db) {}

  /** A prepared statement, prepared once per SQL text. */
  statement<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R> {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared as Statement<P, R>;
  }

  /**
   * Runs `work` once no other caller's unit of work is open. The check and `work` happen in one
   * synchronous step, so no unit of work can begin in between.
   */
  async run<T>(work: (db: Db) => T): Promise<T> {
    if (this.scope.getStore()?.closed) throw new Error('the unit of work this call belonged to has ended');
    while (this.open && this.scope.getStore() !== this.open) await this.open.ended;
    return work(this.db);
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.scope.getStore()?.closed) throw new Error('the unit of work this call belonged to has ended');
    if (this.open && this.scope.getStore() === this.open) return work(); // nested: joins the outer one
    while (this.open) await this.open.ended;
    let end!: () => void;
    const unit: UnitOfWork = { ended: new Promise<void>(resolve => (end = resolve)), closed: false };
    this.open = unit;
    let timer: NodeJS.Timeout | undefined;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`a unit of work took over ${UNIT_OF_WORK_TIMEOUT_MS} ms and was rolled back`)), UNIT_OF_WORK_TIMEOUT_MS);
      });
      const result = await Promise.race([this.scope.run(unit, work), timeout]);
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    } finally {
      clearTimeout(timer);
      unit.closed = true;
      this.open = undefined;
      end();
    }
  }
}
