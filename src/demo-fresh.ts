/**
 * `npm run demo -- --fresh`: the classroom reset. Deletes the demo data set (its database, its
 * embedded chain, its secrets) so that the demo makes it anew: a teacher starts each lesson from
 * the same ledger. Only a demo data set is ever deleted: the default `data/demo`, or a directory
 * the demo marked as its own; any other DATA_DIR (the real one, say) is refused.
 */
import fs from 'node:fs';
import path from 'node:path';

export const DEMO_DIR = path.join('data', 'demo');
/** Written into a data set the demo made, so that `--fresh` knows it may delete it. */
export const DEMO_MARK = '.ehr-demo-data-set';

export class DemoArgumentError extends Error {}

/** The demo's options from its command line: only `--fresh`. */
export function demoOptions(argv: readonly string[]): { fresh: boolean } {
  const unknown = argv.filter(arg => arg !== '--fresh');
  if (unknown.length) throw new DemoArgumentError(`unknown option ${unknown[0]}: the demo takes only --fresh`);
  return { fresh: argv.includes('--fresh') };
}

/**
 * Deletes the demo data set at `dataDir` when it is one; says what it did. With DATABASE_URL the
 * store is not under DATA_DIR: refused, rather than reset by halves.
 */
export function resetDemo(dataDir: string, env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  if (env.DATABASE_URL) throw new DemoArgumentError('--fresh resets a demo kept under DATA_DIR; with DATABASE_URL, drop that database yourself');
  const dir = path.resolve(cwd, dataDir);
  if (!fs.existsSync(dir)) return `no demo data set at ${dataDir} yet: making one`;
  const isDefault = dir === path.resolve(cwd, DEMO_DIR);
  if (!isDefault && !fs.existsSync(path.join(dir, DEMO_MARK))) {
    throw new DemoArgumentError(`${dataDir} is not a demo data set (no ${DEMO_MARK} in it): --fresh deletes only the demo's`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return `deleted the demo data set at ${dataDir}: making it anew`;
}

/** Marks `dataDir` as the demo's own (after it was seeded). */
export function markDemo(dataDir: string): void {
  fs.writeFileSync(path.join(dataDir, DEMO_MARK), 'This data set was made by `npm run demo`; `npm run demo -- --fresh` deletes and remakes it.\n');
}
