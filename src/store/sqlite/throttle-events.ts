/**
 * Counted throttle events in SQLite, one row each. A key's count is the number of its rows
 * inside a sliding window; rows older than the longest window are pruned as new ones arrive.
 */
import { THROTTLE_LONGEST_WINDOW_MS, type ThrottleEvents } from '../ports';
import type { SqliteConnection } from './connection';

export function createThrottleEvents(sql: SqliteConnection): ThrottleEvents {
  const times = (key: string, since: number) =>
    sql.statement<[string, number], { at: number }>('SELECT at FROM throttle_events WHERE key = ? AND at > ? ORDER BY at').all(key, since).map(row => row.at);
  const record = (keys: readonly string[], at: number) =>
    sql.db.transaction(() => {
      sql.statement('DELETE FROM throttle_events WHERE at <= ?').run(at - THROTTLE_LONGEST_WINDOW_MS);
      for (const key of keys) sql.statement('INSERT INTO throttle_events (key, at) VALUES (?, ?)').run(key, at);
    })();
  return {
    record: (keys, at) => sql.run(() => record(keys, at)),
    since: (key, since) => sql.run(() => times(key, since)),
    // Check and insert in one synchronous step: nothing runs between them on this connection.
    admit: (key, at, limit, windowMs) =>
      sql.run(() => {
        const inWindow = times(key, at - windowMs);
        if (inWindow.length >= limit) return inWindow;
        record([key], at);
        return undefined;
      }),
  };
}
