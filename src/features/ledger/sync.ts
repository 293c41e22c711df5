/**
 * Keeps the read model in step with the ledger: applies the contract's events from the block
 * after the last one applied, at start and then as blocks arrive, and settles the bodies left
 * pending by a crash between "stored" and "confirmed" — confirmed when the ledger has their
 * commitment, failed when it does not. `reindex` rebuilds the read model from the ledger alone.
 */
import type { Ledger } from '../../ledger';
import type { Store } from '../../store/ports';

export function createLedgerSync(store: Pick<Store, 'projection' | 'bodies'>, ledger: Ledger) {
  const { projection, bodies } = store;
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
     */
    async reconcile(startedAt = Date.now()): Promise<{ applied: number; failed: number }> {
      const applied = await this.catchUp();
      // Events an earlier run applied before the crash settle nothing in a catch-up that applies none.
      if (applied === 0) await bodies.settleFromReadModel();
      return { applied, failed: await bodies.failPendingBefore(startedAt) };
    },

    /** Empties the read model and applies every event of the contract again. */
    async reindex(): Promise<number> {
      await projection.reset(ledger.deployment.blockNumber);
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
