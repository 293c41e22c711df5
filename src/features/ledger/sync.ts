/**
 * Keeps the read model in step with the ledger: applies the contract's events from the block
 * after the last one applied, at start and then as blocks arrive, and settles the bodies left
 * pending by a crash between "stored" and "confirmed" — confirmed when the ledger has their
 * commitment, failed when it does not. `reindex` rebuilds the read model from the ledger alone.
 */
import type { Ledger } from '../../ledger';
import type { Store } from '../../store/ports';

/**
 * Longer than any write can be under way (the account's lock, the send, the receipt's wait): a
 * body pending for longer belongs to a write that died with its server.
 */
export const WRITE_HORIZON_MS = 120_000;

/** The lease of the one server (of several on PostgreSQL) that follows the chain. */
const FOLLOWER_LEASE = 'ledger-follower';

export function createLedgerSync(store: Pick<Store, 'projection' | 'bodies' | 'coordination'>, ledger: Ledger, now: () => number = Date.now) {
  const { projection, bodies, coordination } = store;
  let running: Promise<number> | undefined;

  async function catchUp(): Promise<number> {
    // Never events of another chain: a node swapped for a new chain fails here (WrongChainError).
    const { blockNumber: latest } = await ledger.health(5000);
    const next = (await projection.nextBlock()) ?? ledger.deployment.blockNumber;
    let applied = 0;
    for await (const { toBlock, events } of ledger.client.eventWindows(next, latest)) {
      await projection.applyRange(events, toBlock + 1);
      applied += events.length;
    }
    // Only new events can settle a pending body: the app's own writes confirm theirs as they go.
    if (applied > 0) await bodies.settleFromReadModel();
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
     * With other servers on the data set, only those pending for longer than any write takes:
     * a younger one may be another server's write under way.
     */
    async reconcile(startedAt = now()): Promise<{ applied: number; failed: number }> {
      const applied = await this.catchUp();
      // Events an earlier run applied before the crash settle nothing in a catch-up that applies none.
      if (applied === 0) await bodies.settleFromReadModel();
      return { applied, failed: await bodies.failPendingBefore(coordination ? startedAt - WRITE_HORIZON_MS : startedAt) };
    },

    /** Empties the read model and applies every event of the contract again. */
    async reindex(): Promise<number> {
      await projection.reset(ledger.deployment.blockNumber);
      return this.catchUp();
    },

    /**
     * Catches up every `intervalMs` until stopped; errors (a node outage) wait for the next tick.
     * Of several servers on one database, only the one holding the follower's lease does (each
     * server's own writes reach the read model as they are confirmed, whoever follows); it also
     * fails the bodies of writes that died with their server. When it stops, another takes over
     * at its next tick. `onLead` hears when this server begins to follow.
     */
    follow(intervalMs = 2000, onLead?: () => void): () => void {
      let leading = false;
      const tick = async () => {
        if (coordination && !(await coordination.lease(FOLLOWER_LEASE))) {
          leading = false;
          return;
        }
        if (!leading) onLead?.();
        leading = true;
        await this.catchUp();
        if (coordination) await bodies.failPendingBefore(now() - WRITE_HORIZON_MS);
      };
      const timer = setInterval(() => void tick().catch(() => undefined), intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },

  };
}

export type LedgerSync = ReturnType<typeof createLedgerSync>;
