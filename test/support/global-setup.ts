/**
 * Mocha's global fixture (`--require` in package.json's test:app): compiles the contracts once,
 * in the main process, before any test file runs. With `--parallel`, every worker then finds the
 * build up to date, instead of two Truffle compiles writing build/ at the same time.
 */
import { ensureCompiled } from '../../src/ledger/truffle';

export async function mochaGlobalSetup(): Promise<void> {
  await ensureCompiled();
}
