/**
 * The Ethereum node the app talks to: an embedded Ganache persisted under DATA_DIR, or an
 * external node given by RPC_URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import ganache, { type EthereumProvider } from 'ganache';
import { ConfigError } from '../config';

export interface LedgerNode {
  /** EIP-1193 provider: in-process for the embedded node, HTTP for an external one. */
  readonly provider: EthereumProvider | string;
  /** JSON-RPC URL, for Truffle and for people (truffle console, explorers). */
  readonly rpcUrl: string;
  readonly embedded: boolean;
  /** Private key of the admin and funding account when the app holds it. */
  readonly adminKey: string | undefined;
  close(): Promise<void>;
}

/** What the embedded chain keeps in DATA_DIR: made once, so the chain survives restarts. */
interface ChainIdentity {
  mnemonic: string;
  chainId: number;
}

const CHAIN_FILE = 'chain.json';
const CHAIN_DB_DIR = 'chain';
// The balance, in ether, of the admin and funding account (and the nine other accounts a
// classroom sees in `truffle console`).
const FUNDING_BALANCE_ETHER = 1_000_000;

export interface EmbeddedNodeOptions {
  dataDir: string;
  host: string;
  port: number;
}

export async function startEmbeddedNode(options: EmbeddedNodeOptions): Promise<LedgerNode> {
  const file = path.join(options.dataDir, CHAIN_FILE);
  const kept = readChainIdentity(file);
  // A chain id of our own, away from public networks' ids and the usual 1337.
  const chainId = kept?.chainId ?? randomInt(100_000, 1_000_000_000);
  const server = ganache.server({
    chain: { chainId, networkId: chainId, hardfork: 'shanghai' as const },
    // Without a mnemonic Ganache makes a random one: on the first start it is kept below.
    wallet: { ...(kept ? { mnemonic: kept.mnemonic } : {}), totalAccounts: 10, defaultBalance: FUNDING_BALANCE_ETHER },
    database: { dbPath: path.join(options.dataDir, CHAIN_DB_DIR) },
    logging: { quiet: true },
    miner: { instamine: 'eager' as const },
  });
  try {
    await server.listen(options.port, options.host);
  } catch (error) {
    await server.close().catch(() => undefined);
    throw new ConfigError(`CHAIN_PORT ${options.port} on ${options.host} cannot be used: ${(error as Error).message}`);
  }
  if (!kept) {
    const { mnemonic } = server.provider.getOptions().wallet;
    if (!mnemonic) throw new Error('Ganache made no mnemonic');
    writeChainIdentity(file, { mnemonic, chainId });
  }
  const accounts = server.provider.getInitialAccounts();
  const [adminAddress] = Object.keys(accounts);
  return {
    provider: server.provider,
    rpcUrl: `http://${options.host}:${options.port}`,
    embedded: true,
    adminKey: accounts[adminAddress].secretKey,
    close: () => server.close(),
  };
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
  return { provider: rpcUrl, rpcUrl, embedded: false, adminKey, close: async () => undefined };
}

function readChainIdentity(file: string): ChainIdentity | undefined {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as ChainIdentity) : undefined;
}

/** Kept with mode 0600: the mnemonic holds the admin's key. */
function writeChainIdentity(file: string, identity: ChainIdentity): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(identity, null, 2), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}
