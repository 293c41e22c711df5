/**
 * express-session's store over the store's session rows (SQLite, or any other implementation of
 * SessionRows), so sessions survive restarts and are never kept in MemoryStore. Expired
 * sessions are removed on a timer.
 *
 * Rows are keyed by the sha256 of the session id, never the id itself: a copy of the database
 * (a backup, a stolen disk) then holds nothing that a cookie could be made from. Each row also
 * names its user (`role:id`), so that a password change can end that user's other sessions.
 *
 * A session's data is sealed (AES-256-GCM under a key derived from the master key, bound to its
 * row): it can hold what a user typed (a report kept across a login that its session outlived),
 * and such text is never stored in the clear. (The messages after a write are not kept here: see
 * web/flash.ts.)
 */
import { createHash } from 'node:crypto';
import session from 'express-session';
import { DecryptionError, deriveKey, open, seal } from '../crypto/envelope';
import type { SessionRows } from './ports';

const DEFAULT_TTL_MS = 8 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 5 * 60 * 1000;
/**
 * A page within this long of the session's last write leaves its row as it is: express-session
 * touches the session on every request it does not save (rolling), and one write a page was one
 * database commit a page. The idle timeout then counts from the last request give or take this.
 */
export const TOUCH_AFTER_MS = 60 * 1000;

/** The key of a session row: the id's sha256 (the id is 24 random bytes, so no salt is needed). */
export const hashSessionId = (sid: string) => createHash('sha256').update(sid).digest('hex');

/** Who a session belongs to, as stored with it: `admin:0`, `patient:12`…; null while anonymous. */
export const sessionUserKey = (user: { role: string; id: number } | undefined) => (user ? `${user.role}:${user.id}` : null);

export class SealedSessionStore extends session.Store {
  private readonly sweeper: NodeJS.Timeout;
  private readonly key: Buffer;

  constructor(private readonly rows: SessionRows, masterKey: Buffer, private readonly now: () => number = Date.now) {
    super();
    this.key = deriveKey(masterKey, 'sessions');
    // close() stops it (the app's context calls it at shutdown); a sweep that fails (a closed
    // database) stops it too, rather than throwing from a timer.
    this.sweeper = setInterval(() => void this.sweep().catch(() => this.close()), SWEEP_INTERVAL_MS).unref();
  }

  override get(sid: string, callback: (error: unknown, session?: session.SessionData | null) => void): void {
    const key = hashSessionId(sid);
    this.attempt(callback, async () => {
      const data = await this.rows.get(key, this.now());
      return data === undefined ? null : this.opened(data, key);
    });
  }

  override set(sid: string, data: session.SessionData, callback?: (error?: unknown) => void): void {
    const key = hashSessionId(sid);
    this.attempt(callback, () => this.rows.set(key, seal(this.key, JSON.stringify(data), `session:${key}`), this.expiry(data), sessionUserKey(data.user)));
  }

  override touch(sid: string, data: session.SessionData, callback?: () => void): void {
    const expires = this.expiry(data);
    this.attempt(callback, () => this.rows.touch(hashSessionId(sid), expires, expires - TOUCH_AFTER_MS));
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.attempt(callback, () => this.rows.destroy(hashSessionId(sid)));
  }

  /** Ends every session of `user` but the one of `keepSid` (a password change); resolves to how many. */
  destroyOthers(user: { role: string; id: number }, keepSid: string): Promise<number> {
    return this.rows.destroyOthers(sessionUserKey(user)!, hashSessionId(keepSid));
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

  /** Removes expired sessions; resolves to how many. */
  sweep(): Promise<number> {
    return this.rows.sweep(this.now());
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

  private attempt<T>(callback: ((error: unknown, value?: T) => void) | undefined, work: () => Promise<T>): void {
    work().then(
      value => callback?.(null, value),
      (error: unknown) => callback?.(error),
    );
  }
}
