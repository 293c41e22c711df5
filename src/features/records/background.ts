/**
 * Ledger writes a page queues but does not wait for (a doctor's `recordAccess`). Each runs once;
 * a failure is logged, never thrown at a request that has already been answered. Shutdown and
 * tests wait for the ones still running with `settled()`.
 */
export function createBackgroundTasks(log: (line: string) => void = line => console.error(line)) {
  const onError = (label: string, error: unknown) =>
    log(`${new Date().toISOString()} background ${label} failed: ${error instanceof Error ? error.message : String(error)}`);
  const running = new Set<Promise<void>>();
  return {
    run(label: string, task: () => Promise<unknown>): void {
      const done: Promise<void> = task().then(
        () => undefined,
        error => onError(label, error),
      );
      running.add(done);
      void done.finally(() => running.delete(done));
    },

    /** How many are still running. */
    get size(): number {
      return running.size;
    },

    /** Resolves once every task queued so far has finished (or failed). */
    async settled(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

export type BackgroundTasks = ReturnType<typeof createBackgroundTasks>;
