/**
 * express-session's store in SQLite, so sessions survive restarts and are never kept in
 * MemoryStore. Expired sessions are removed on a timer.
 */
import session from 'express-session';
import type { Db } from './database';

const DEFAULT_TTL_MS = 8 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 5 * 60 * 1000;

export class SqliteSessionStore extends session.Store {
  private readonly statements;
  private readonly sweeper: NodeJS.Timeout;

  constructor(db: Db, private readonly now: () => number = Date.now) {
    super();
    this.statements = {
      get: db.prepare<[string, number], { data: string }>('SELECT data FROM sessions WHERE sid = ? AND expires > ?'),
      set: db.prepare(
        'INSERT INTO sessions (sid, data, expires) VALUES (?, ?, ?) ON CONFLICT (sid) DO UPDATE SET data = excluded.data, expires = excluded.expires',
      ),
      touch: db.prepare('UPDATE sessions SET expires = ? WHERE sid = ?'),
      destroy: db.prepare('DELETE FROM sessions WHERE sid = ?'),
      sweep: db.prepare('DELETE FROM sessions WHERE expires <= ?'),
    };
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  override get(sid: string, callback: (error: unknown, session?: session.SessionData | null) => void): void {
    this.attempt(callback, () => {
      const row = this.statements.get.get(sid, this.now());
      return row ? (JSON.parse(row.data) as session.SessionData) : null;
    });
  }

  override set(sid: string, data: session.SessionData, callback?: (error?: unknown) => void): void {
    this.attempt(callback, () => void this.statements.set.run(sid, JSON.stringify(data), this.expiry(data)));
  }

  override touch(sid: string, data: session.SessionData, callback?: () => void): void {
    this.attempt(callback, () => void this.statements.touch.run(this.expiry(data), sid));
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.attempt(callback, () => void this.statements.destroy.run(sid));
  }

  /** Removes expired sessions; returns how many. */
  sweep(): number {
    return this.statements.sweep.run(this.now()).changes;
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Idle expiry from this store's clock: the session's max age from now. (The cookie's own
   * `expires` comes from the real clock, which would make the store and a test's clock disagree.)
   */
  private expiry(data: session.SessionData): number {
    return this.now() + (data.cookie?.originalMaxAge ?? DEFAULT_TTL_MS);
  }

  private attempt<T>(callback: ((error: unknown, value?: T) => void) | undefined, work: () => T): void {
    let value: T;
    try {
      value = work();
    } catch (error) {
      callback?.(error);
      return;
    }
    callback?.(null, value);
  }
}
