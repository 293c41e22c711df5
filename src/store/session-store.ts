/**
 * express-session's store in SQLite, so sessions survive restarts and are never kept in
 * MemoryStore. Expired sessions are removed on a timer.
 *
 * Rows are keyed by the sha256 of the session id, never the id itself: a copy of the database
 * (a backup, a stolen disk) then holds nothing that a cookie could be made from. Each row also
 * names its user (`role:id`), so that a password change can end that user's other sessions.
 *
 * A session's data is sealed (AES-256-GCM under a key derived from the master key, bound to its
 * row): it can hold what a user typed (a report kept across a login that its session outlived,
 * the title in a "saved" message), and such text is never stored in the clear.
 */
import { createHash } from 'node:crypto';
import session from 'express-session';
import { DecryptionError, deriveKey, open, seal } from '../crypto/envelope';
import type { Db } from './database';

const DEFAULT_TTL_MS = 8 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 5 * 60 * 1000;

/** The key of a session row: the id's sha256 (the id is 24 random bytes, so no salt is needed). */
export const hashSessionId = (sid: string) => createHash('sha256').update(sid).digest('hex');

/** Who a session belongs to, as stored with it: `admin:0`, `patient:12`…; null while anonymous. */
export const sessionUserKey = (user: { role: string; id: number } | undefined) => (user ? `${user.role}:${user.id}` : null);

export class SqliteSessionStore extends session.Store {
  private readonly statements;
  private readonly sweeper: NodeJS.Timeout;
  private readonly key: Buffer;

  constructor(db: Db, masterKey: Buffer, private readonly now: () => number = Date.now) {
    super();
    this.key = deriveKey(masterKey, 'sessions');
    this.statements = {
      get: db.prepare<[string, number], { data: string }>('SELECT data FROM sessions WHERE sid = ? AND expires > ?'),
      set: db.prepare(
        `INSERT INTO sessions (sid, data, expires, user_key) VALUES (?, ?, ?, ?)
         ON CONFLICT (sid) DO UPDATE SET data = excluded.data, expires = excluded.expires, user_key = excluded.user_key`,
      ),
      touch: db.prepare('UPDATE sessions SET expires = ? WHERE sid = ?'),
      destroy: db.prepare('DELETE FROM sessions WHERE sid = ?'),
      destroyOthers: db.prepare('DELETE FROM sessions WHERE user_key = ? AND sid <> ?'),
      sweep: db.prepare('DELETE FROM sessions WHERE expires <= ?'),
    };
    // close() stops it (the app's context calls it at shutdown); a database closed without it
    // stops it too, rather than throwing from a timer.
    this.sweeper = setInterval(() => (db.open ? this.sweep() : this.close()), SWEEP_INTERVAL_MS).unref();
  }

  override get(sid: string, callback: (error: unknown, session?: session.SessionData | null) => void): void {
    this.attempt(callback, () => {
      const key = hashSessionId(sid);
      const row = this.statements.get.get(key, this.now());
      return row ? this.opened(row.data, key) : null;
    });
  }

  override set(sid: string, data: session.SessionData, callback?: (error?: unknown) => void): void {
    const key = hashSessionId(sid);
    this.attempt(callback, () => void this.statements.set.run(key, seal(this.key, JSON.stringify(data), `session:${key}`), this.expiry(data), sessionUserKey(data.user)));
  }

  override touch(sid: string, data: session.SessionData, callback?: () => void): void {
    this.attempt(callback, () => void this.statements.touch.run(this.expiry(data), hashSessionId(sid)));
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.attempt(callback, () => void this.statements.destroy.run(hashSessionId(sid)));
  }

  /** Ends every session of `user` but the one of `keepSid` (a password change); returns how many. */
  destroyOthers(user: { role: string; id: number }, keepSid: string): number {
    return this.statements.destroyOthers.run(sessionUserKey(user), hashSessionId(keepSid)).changes;
  }

  /** A row's data; null (no session: a new one starts) for a row that does not open under this key. */
  private opened(data: string, key: string): session.SessionData | null {
    try {
      return JSON.parse(open(this.key, data, `session:${key}`).toString('utf8')) as session.SessionData;
    } catch (error) {
      if (error instanceof DecryptionError) return null;
      throw error;
    }
  }

  /** Removes expired sessions; returns how many. */
  sweep(): number {
    return this.statements.sweep.run(this.now()).changes;
  }

  /** Stops the sweeper. */
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
