/**
 * Compiling and migrating with Truffle, run as a child process in the project's root so that
 * `truffle-config.js` and `migrations/` are the single description of the build and the deploy.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BUILD_DIR, CONTRACTS_DIR, PROJECT_ROOT } from '../paths';

const run = promisify(execFile);
const TRUFFLE_CLI = require.resolve('truffle/build/cli.bundled.js');
const SOURCES_STAMP = path.join(BUILD_DIR, '.sources.sha256');

/** Runs Truffle; the child must be asynchronous, since the embedded node answers it from this process. */
async function truffle(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000): Promise<void> {
  try {
    await run(process.execPath, [TRUFFLE_CLI, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
      timeout: timeoutMs, // a node that stops answering mid-migration must not hold the start for ever
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const detail = `${stderr}\n${stdout}`.split('\n').find(line => /error/i.test(line))?.trim();
    throw new Error(`truffle ${args[0]} failed${detail ? `: ${detail}` : ''}`, { cause: error });
  }
}

/** A hash of everything a compile depends on: the contracts, the compiler and its settings. */
function sourcesHash(): string {
  const hash = createHash('sha256');
  const files = fs.readdirSync(CONTRACTS_DIR, { recursive: true, encoding: 'utf8' }).filter(file => file.endsWith('.sol')).sort();
  for (const file of files) hash.update(file).update(fs.readFileSync(path.join(CONTRACTS_DIR, file)));
  hash.update(fs.readFileSync(path.join(PROJECT_ROOT, 'truffle-config.js')));
  hash.update(fs.readFileSync(path.join(PROJECT_ROOT, 'package-lock.json')));
  return hash.digest('hex');
}

/**
 * The deployed contract's artifact parses: a first-release start killed while `truffle migrate`
 * rewrote it left it truncated under an up-to-date stamp. (Only that artifact was ever rewritten,
 * and parsing the whole build, about 10 MB, would cost every start some 170 ms.)
 */
function buildIsWhole(): boolean {
  try {
    JSON.parse(fs.readFileSync(path.join(BUILD_DIR, 'EHR.json'), 'utf8'));
    return true;
  } catch {
    return false;
  }
}

/** Compiles the contracts unless the build already matches the sources; says whether it compiled. */
export async function ensureCompiled(): Promise<boolean> {
  const hash = sourcesHash();
  if (fs.existsSync(SOURCES_STAMP) && fs.readFileSync(SOURCES_STAMP, 'utf8') === hash && buildIsWhole()) return false;
  await truffle(['compile', '--all', '--quiet']);
  fs.writeFileSync(SOURCES_STAMP, hash);
  return true;
}

export interface MigrateOptions {
  rpcUrl: string;
  /** Key of the deploying account; undefined = the node's first unlocked account. */
  deployerKey: string | undefined;
  /** Where the migration records the deployment. */
  deploymentFile: string;
}

/** A migration deploys one contract in a few transactions: minutes mean the node is gone. */
const MIGRATE_TIMEOUT_MS = 180_000;

/**
 * Deploys with `truffle migrate`, against a private copy of the build. Truffle writes the network
 * into each artifact it deploys with a plain writeFile: on the shared build, a start killed (or a
 * second start reading) at that moment finds a truncated EHR.json ("Unexpected end of JSON input")
 * that the sources stamp still calls up to date.
 */
export async function migrate(options: MigrateOptions): Promise<void> {
  const buildCopy = fs.mkdtempSync(path.join(os.tmpdir(), 'ehr-build-'));
  try {
    fs.cpSync(BUILD_DIR, buildCopy, { recursive: true });
    await truffle(['migrate', '--network', 'ehr', '--reset', '--compile-none', '--quiet'], {
      EHR_RPC_URL: options.rpcUrl,
      EHR_DEPLOYMENT_FILE: options.deploymentFile,
      EHR_BUILD_DIR: buildCopy,
      ...(options.deployerKey ? { EHR_DEPLOYER_KEY: options.deployerKey } : {}),
    }, MIGRATE_TIMEOUT_MS);
  } finally {
    fs.rmSync(buildCopy, { recursive: true, force: true });
  }
}
