/**
 * Keeps the read model in step with the ledger: applies the contract's events from the block
 * after the last one applied, at start and then as blocks arrive, and settles the bodies left
 * pending by a crash between "stored" and "confirmed" — confirmed when the ledger has their
 * commitment, failed when it does not. `reindex` rebuilds the read model from the ledger alone.
 */
import type { Ledger } from '../../ledger';
import { LOG_BLOCKS_PER_REQUEST } from '../../ledger/ehr-client';
import type { Db } from '../../store/database';
import type { Projection } from '../../store/projection';
import type { Settings } from '../../store/settings';

const CURSOR = 'projection.next_block';
const READ_MODEL_TABLES = ['ledger_hospitals', 'ledger_doctors', 'ledger_patients', 'ledger_reports', 'ledger_grants', 'ledger_prescriptions', 'ledger_acts'];

export function createLedgerSync(db: Db, ledger: Ledger, projection: Projection, settings: Settings) {
  // Driven from the few unsettled bodies (a partial index), each looked up by its commitment.
  const settlePending = db.prepare(`
    UPDATE bodies SET status = 'confirmed', (tx_hash, block_number) = (
        SELECT tx_hash, block_number FROM ledger_reports WHERE commitment = bodies.commitment
        UNION ALL SELECT tx_hash, block_number FROM ledger_prescriptions WHERE commitment = bodies.commitment
        LIMIT 1)
    WHERE status <> 'confirmed'
      AND (EXISTS (SELECT 1 FROM ledger_reports WHERE commitment = bodies.commitment)
        OR EXISTS (SELECT 1 FROM ledger_prescriptions WHERE commitment = bodies.commitment))`);
  const failStale = db.prepare(`UPDATE bodies SET status = 'failed' WHERE status = 'pending' AND created_at < ?`);
  let running: Promise<number> | undefined;

  async function catchUp(): Promise<number> {
    // Never events of another chain: a node swapped for a new chain fails here (WrongChainError).
    const { blockNumber: latest } = await ledger.health(5000);
    let next = Number(settings.get(CURSOR) ?? ledger.deployment.blockNumber);
    let applied = 0;
    while (next <= latest) {
      const to = Math.min(latest, next + LOG_BLOCKS_PER_REQUEST - 1);
      const events = await ledger.client.events(next, to);
      db.transaction(() => {
        for (const { event, ...origin } of events) projection.apply(event, origin);
        settings.set(CURSOR, String(to + 1));
      })();
      applied += events.length;
      next = to + 1;
    }
    // Only new events can settle a pending body: the app's own writes confirm theirs as they go.
    if (applied > 0) settlePending.run();
    return applied;
  }

  return {
    /** Applies the events not yet applied; concurrent calls share one run. Resolves to how many. */
    catchUp(): Promise<number> {
      running ??= catchUp().finally(() => (running = undefined));
      return running;
    },

    /**
     * At start: catch up, then mark as failed the bodies still pending from before this start —
     * their transaction never reached the ledger, and the user was never told they were saved.
     */
    async reconcile(startedAt = Date.now()): Promise<{ applied: number; failed: number }> {
      const applied = await this.catchUp();
      settlePending.run(); // also those whose events an earlier run applied before the crash
      return { applied, failed: failStale.run(startedAt).changes };
    },

    /** Empties the read model and applies every event of the contract again. */
    async reindex(): Promise<number> {
      db.transaction(() => {
        for (const table of READ_MODEL_TABLES) db.exec(`DELETE FROM ${table}`);
        settings.set(CURSOR, String(ledger.deployment.blockNumber));
      })();
      return this.catchUp();
    },

    /** Catches up every `intervalMs` until stopped; errors (a node outage) wait for the next tick. */
    follow(intervalMs = 2000): () => void {
      const timer = setInterval(() => void this.catchUp().catch(() => undefined), intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

export type LedgerSync = ReturnType<typeof createLedgerSync>;
