/**
 * How far the running app's read model has got: its SQLite file opened read-only (WAL lets a
 * reader in beside the app), so the benchmark knows when seeded reports have been caught up.
 */
import path from 'node:path';
import Database from 'better-sqlite3';

const POLL_MS = 250;

/** Resolves once the read model holds at least `count` reports; resolves to how long that took. */
export async function waitForReports(dataDir: string, count: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  const db = new Database(path.join(dataDir, 'ehr.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const reports = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM ledger_reports');
    while (reports.get()!.n < count) {
      if (performance.now() - started > timeoutMs) throw new Error(`the read model did not reach ${count} reports in time`);
      await new Promise(resolve => setTimeout(resolve, POLL_MS));
    }
    return performance.now() - started;
  } finally {
    db.close();
  }
}
