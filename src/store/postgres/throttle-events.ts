/**
 * Counted throttle events in PostgreSQL, one row each, shared by every server: a key's count is
 * the number of its rows inside a sliding window; rows older than the longest window are pruned
 * as new ones arrive.
 */
import { THROTTLE_LONGEST_WINDOW_MS, type ThrottleEvents } from '../ports';
import type { PostgresConnection } from './connection';

/** The first key of the two-key advisory locks that `admit` takes, one per throttle key ("thro"). */
const THROTTLE_LOCKS = 0x7468726f;

// One statement, so atomic on its own: the prune and the insert. Rows another transaction is
// pruning at the same moment are skipped, not waited for.
const RECORD = `
  WITH pruned AS (
    DELETE FROM throttle_events WHERE ctid IN (SELECT ctid FROM throttle_events WHERE at <= $3 FOR UPDATE SKIP LOCKED))
  INSERT INTO throttle_events (key, at) SELECT unnest($1::text[]), $2`;

export function createThrottleEvents(sql: PostgresConnection): ThrottleEvents {
  const times = async (key: string, since: number) =>
    (await sql.rows<{ at: number }>('SELECT at FROM throttle_events WHERE key = $1 AND at > $2 ORDER BY at', [key, since])).map(row => row.at);
  const record = async (keys: readonly string[], at: number) => void (await sql.query(RECORD, [[...keys], at, at - THROTTLE_LONGEST_WINDOW_MS]));
  return {
    record,
    since: times,
    // Check and insert under the key's lock, held to the end of the transaction: another server
    // admitting the same key waits for it, then counts this event too.
    admit: (key, at, limit, windowMs) =>
      sql.transaction(async () => {
        await sql.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [THROTTLE_LOCKS, key]);
        const inWindow = await times(key, at - windowMs);
        if (inWindow.length >= limit) return inWindow;
        await record([key], at);
        return undefined;
      }),
  };
}
