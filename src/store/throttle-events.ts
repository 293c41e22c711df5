/**
 * Counted events of the throttles (failed logins, signups), one row each, in the database so
 * that the counts survive a restart. A key's count is the number of its rows inside a sliding
 * window; rows older than the longest window are pruned as new ones arrive.
 */
import type { Db } from './database';

/** The longest window any throttle uses; older rows count for nothing and are pruned. */
export const LONGEST_WINDOW_MS = 60 * 60 * 1000;

export interface ThrottleEvents {
  /** Records one event at `at` under each of `keys`. */
  record(keys: readonly string[], at: number): void;
  /** The times of `key`'s events after `since`, oldest first. */
  since(key: string, since: number): number[];
}

export function createThrottleEvents(db: Db): ThrottleEvents {
  const insert = db.prepare<[string, number]>('INSERT INTO throttle_events (key, at) VALUES (?, ?)');
  const prune = db.prepare<[number]>('DELETE FROM throttle_events WHERE at <= ?');
  const times = db.prepare<[string, number], { at: number }>('SELECT at FROM throttle_events WHERE key = ? AND at > ? ORDER BY at');
  const record = db.transaction((keys: readonly string[], at: number) => {
    prune.run(at - LONGEST_WINDOW_MS);
    for (const key of keys) insert.run(key, at);
  });
  return {
    record: (keys, at) => record(keys, at),
    since: (key, since) => times.all(key, since).map(row => row.at),
  };
}
