/** express-session's rows in SQLite (see SessionRows). */
import type { SessionRows } from '../ports';
import type { SqliteConnection } from './connection';

export function createSessionRows(sql: SqliteConnection): SessionRows {
  return {
    get: (key, now) => sql.run(() => sql.statement<[string, number], { data: string }>('SELECT data FROM sessions WHERE sid = ? AND expires > ?').get(key, now)?.data),
    set: (key, data, expires, userKey) =>
      sql.run(
        () =>
          void sql
            .statement(`
              INSERT INTO sessions (sid, data, expires, user_key) VALUES (?, ?, ?, ?)
              ON CONFLICT (sid) DO UPDATE SET data = excluded.data, expires = excluded.expires, user_key = excluded.user_key`)
            .run(key, data, expires, userKey),
      ),
    touch: (key, expires, ifBefore) => sql.run(() => void sql.statement('UPDATE sessions SET expires = ? WHERE sid = ? AND expires < ?').run(expires, key, ifBefore)),
    destroy: key => sql.run(() => void sql.statement('DELETE FROM sessions WHERE sid = ?').run(key)),
    destroyOthers: (userKey, keepKey) => sql.run(() => sql.statement('DELETE FROM sessions WHERE user_key = ? AND sid <> ?').run(userKey, keepKey).changes),
    sweep: now => sql.run(() => sql.statement('DELETE FROM sessions WHERE expires <= ?').run(now).changes),
  };
}
