/** express-session's rows in PostgreSQL (see SessionRows): shared by every server on the database. */
import type { SessionRows } from '../ports';
import type { PostgresConnection } from './connection';

export function createSessionRows(sql: PostgresConnection): SessionRows {
  return {
    get: async (key, now) => (await sql.first<{ data: string }>('SELECT data FROM sessions WHERE sid = $1 AND expires > $2', [key, now]))?.data,
    set: async (key, data, expires, userKey) =>
      void (await sql.query(
        `INSERT INTO sessions (sid, data, expires, user_key) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sid) DO UPDATE SET data = excluded.data, expires = excluded.expires, user_key = excluded.user_key`,
        [key, data, expires, userKey],
      )),
    touch: async (key, expires, ifBefore) => void (await sql.query('UPDATE sessions SET expires = $1 WHERE sid = $2 AND expires < $3', [expires, key, ifBefore])),
    destroy: async key => void (await sql.query('DELETE FROM sessions WHERE sid = $1', [key])),
    destroyOthers: (userKey, keepKey) => sql.changes('DELETE FROM sessions WHERE user_key = $1 AND sid <> $2', [userKey, keepKey]),
    sweep: now => sql.changes('DELETE FROM sessions WHERE expires <= $1', [now]),
  };
}
