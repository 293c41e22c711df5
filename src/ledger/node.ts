/**
 * The Ethereum node the app talks to: an embedded Ganache persisted under DATA_DIR, or an
 * external node given by RPC_URL.
 *
 * The embedded node runs in this process and the app talks to it directly (no HTTP). Its
 * wallet is locked under a random passphrase that nobody keeps: the app signs every transaction
 * with its own keys, so nothing the node signs by itself (`eth_sendTransaction`,
 * `personal_sendTransaction`) can ever pass for the admin. People and tools reach it only through
 * the read-only gate on CHAIN_PORT (rpc-gate.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { generateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english';
import { ConfigError } from '../config';
import { startRpcGate, type Eip1193, type RpcGate } from './rpc-gate';

export interface LedgerNode {
  /** EIP-1193 provider for the embedded node; the URL of an external one. */
  readonly provider: Eip1193 | string;
  /** The JSON-RPC URL people may use (read-only for the embedded node); undefined when CHAIN_PORT is off. */
  readonly rpcUrl: string | undefined;
  /** Where the node is, in words, for messages: "the embedded Ganache" or the URL. */
  readonly description: string;
  readonly embedded: boolean;
  /** Private key of the admin and funding account when the app holds it. */
  readonly adminKey: string | undefined;
  /** A URL that Truffle's migration can deploy through, until `close` is called. */
  deployUrl(): Promise<{ url: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

/** The embedded chain's seed: its id, and the mnemonic of its accounts (the admin's first). */
interface ChainSeed {
  mnemonic: string;
  chainId: number;
}

/**
 * What DATA_DIR/chain.json holds: the mnemonic sealed under the master key, so that a copy of
 * DATA_DIR without the key does not give away the admin's account. (The first release kept it
 * in the clear as `mnemonic`; such a file is sealed on its next start.)
 */
interface StoredSeed {
  chainId: number;
  sealedMnemonic?: string;
  mnemonic?: string;
}

/** Seals and opens the mnemonic (crypto/envelope under a key derived from the master key). */
export interface SeedCipher {
  seal(mnemonic: string): string;
  open(sealed: string): string;
}

const CHAIN_FILE = 'chain.json';
const CHAIN_DB_DIR = 'chain';
// The balance, in ether, of the admin and funding account (and the nine other accounts a
// classroom sees in `truffle console`).
const FUNDING_BALANCE_ETHER = 1_000_000;

export interface EmbeddedNodeOptions {
  dataDir: string;
  host: string;
  /** The read-only JSON-RPC port; undefined: none. */
  port: number | undefined;
  /** Whether this data set has a deployment recorded: then its chain must be there as well. */
  hasDeployment: boolean;
  /** CHAIN_RPC=writable: the port serves every method, and the nine spare accounts are unlocked. */
  writable: boolean;
  seedCipher: SeedCipher;
}

const SPARE_ACCOUNTS = [1, 2, 3, 4, 5, 6, 7, 8, 9];

export async function startEmbeddedNode(options: EmbeddedNodeOptions): Promise<LedgerNode> {
  const seed = ensureChainSeed(options.dataDir, options.hasDeployment, options.seedCipher);
  // Loaded only here: an external node needs none of Ganache.
  const { default: ganache } = await import('ganache');
  const provider = ganache.provider({
    chain: { chainId: seed.chainId, networkId: seed.chainId, hardfork: 'shanghai' as const },
    // Locked: the app signs with its own keys. Account 0 is the admin's, and stays locked even on
    // a writable port: its nonces are the app's, and it holds the contract's admin role.
    wallet: {
      mnemonic: seed.mnemonic,
      totalAccounts: 10,
      defaultBalance: FUNDING_BALANCE_ETHER,
      lock: true,
      // `lock` alone locks under an empty passphrase, which `personal_unlockAccount(admin, "")` and
      // `personal_sendTransaction(…, "")` on a writable port open. This one is never stored nor
      // shown, so nothing can unlock the node's accounts; the app keeps the admin's key from the seed.
      passphrase: randomBytes(32).toString('hex'),
      ...(options.writable ? { unlockedAccounts: SPARE_ACCOUNTS } : {}),
    },
    database: { dbPath: path.join(options.dataDir, CHAIN_DB_DIR) },
    logging: { quiet: true },
    miner: { instamine: 'eager' as const },
  });
  await provider.request({ method: 'eth_chainId', params: [] }); // opened, its genesis made on the first start
  const closeNode = () => provider.disconnect();
  let gate: RpcGate | undefined;
  if (options.port !== undefined) {
    try {
      gate = await startRpcGate(provider, options.host, options.port, options.writable);
    } catch (error) {
      await closeNode();
      const code = (error as NodeJS.ErrnoException).code;
      throw new ConfigError(
        code === 'EADDRINUSE'
          ? `CHAIN_PORT ${options.port} on ${options.host} is already in use (another EHR Ledger or Ganache?): stop it, or set CHAIN_PORT to a free port or to off`
          : `CHAIN_PORT ${options.port} on ${options.host} cannot be used: ${(error as Error).message}`,
      );
    }
  }
  // The keys Ganache derived from our mnemonic: its passphrase locks only its own signing.
  const accounts = provider.getInitialAccounts();
  const [adminAddress] = Object.keys(accounts);
  return {
    provider,
    rpcUrl: gate?.url,
    description: 'the embedded Ganache',
    embedded: true,
    adminKey: accounts[adminAddress].secretKey,
    async deployUrl() {
      if (gate) return { url: gate.deployUrl, close: async () => undefined };
      const temporary = await startRpcGate(provider, '127.0.0.1', 0);
      return { url: temporary.deployUrl, close: () => temporary.close() };
    },
    async close() {
      await gate?.close();
      await closeNode();
    },
  };
}

/**
 * The embedded chain's mnemonic and id, written (atomically, 0600) before Ganache first opens
 * its database, so a first start killed at any point leaves nothing a later start cannot use.
 * (Before, Ganache made a random mnemonic and funded its accounts in a new database that a failed
 * start left behind without the mnemonic; every later start then had accounts with no money.)
 * A chain database with no seed beside it is such a leftover: with no deployment recorded it
 * holds nothing, and is set aside; with one, the data set is damaged and the start refused.
 */
function ensureChainSeed(dataDir: string, hasDeployment: boolean, cipher: SeedCipher): ChainSeed {
  const file = path.join(dataDir, CHAIN_FILE);
  if (fs.existsSync(file)) {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredSeed;
    if (stored.sealedMnemonic) return { chainId: stored.chainId, mnemonic: openSeed(file, stored.sealedMnemonic, cipher) };
    if (!stored.mnemonic) throw new ConfigError(`${file} holds no mnemonic: restore it from a backup`);
    const seed = { chainId: stored.chainId, mnemonic: stored.mnemonic };
    writeSeed(file, seed, cipher); // a first release's file in the clear: sealed from now on
    return seed;
  }
  const chainDb = path.join(dataDir, CHAIN_DB_DIR);
  if (fs.existsSync(chainDb)) {
    if (hasDeployment) {
      throw new ConfigError(`${file} is missing: the embedded chain of this data set cannot be opened without it. Restore it from a backup, or start with a new DATA_DIR`);
    }
    fs.renameSync(chainDb, `${chainDb}.unfinished-${Date.now()}`);
  }
  // A chain id of our own, away from public networks' ids and the usual 1337.
  const seed: ChainSeed = { mnemonic: generateMnemonic(wordlist), chainId: randomInt(100_000, 1_000_000_000) };
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeSeed(file, seed, cipher);
  return seed;
}

function openSeed(file: string, sealed: string, cipher: SeedCipher): string {
  try {
    return cipher.open(sealed);
  } catch {
    throw new ConfigError(`EHR_MASTER_KEY does not open ${file}: it is not the key this data was made with`);
  }
}

/** Atomically, mode 0600. */
function writeSeed(file: string, seed: ChainSeed, cipher: SeedCipher): void {
  const stored: StoredSeed = { chainId: seed.chainId, sealedMnemonic: cipher.seal(seed.mnemonic) };
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(stored, null, 2), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

/** Connects to an external node, checking within `timeoutMs` that it answers. */
export async function connectExternalNode(rpcUrl: string, adminKey: string | undefined, timeoutMs = 5000): Promise<LedgerNode> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json()) as { result?: string };
    if (!body.result) throw new Error('it did not answer eth_chainId');
  } catch (error) {
    throw new ConfigError(`RPC_URL ${rpcUrl} is unreachable: ${(error as Error).message}`);
  }
  return {
    provider: rpcUrl,
    rpcUrl,
    description: rpcUrl,
    embedded: false,
    adminKey,
    deployUrl: async () => ({ url: rpcUrl, close: async () => undefined }),
    close: async () => undefined,
  };
}
