/**
 * The Ethereum node the app talks to: an embedded Ganache persisted under DATA_DIR, or an
 * external node given by RPC_URL.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { ConfigError } from '../config';
import type { NodeProcessMessage, NodeProcessOptions, ParentMessage } from './node-process';

const NODE_PROCESS = path.join(__dirname, 'node-process.ts');

export interface LedgerNode {
  /** The node's JSON-RPC URL, for web3's HTTP provider. */
  readonly provider: string;
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

/**
 * Starts the embedded Ganache in a child process (`node-process.ts`) and connects to it over
 * JSON-RPC on CHAIN_PORT, as to any node. Its own process keeps the EVM off the app's event loop
 * and its memory out of the app's heap; it ends with the app, `kill -9` included.
 */
export async function startEmbeddedNode(options: EmbeddedNodeOptions): Promise<LedgerNode> {
  const file = path.join(options.dataDir, CHAIN_FILE);
  const kept = readChainIdentity(file);
  // A chain id of our own, away from public networks' ids and the usual 1337.
  const chainId = kept?.chainId ?? randomInt(100_000, 1_000_000_000);
  const childOptions: NodeProcessOptions = {
    dbPath: path.join(options.dataDir, CHAIN_DB_DIR),
    host: options.host,
    port: options.port,
    chainId,
    mnemonic: kept?.mnemonic,
    balanceEther: FUNDING_BALANCE_ETHER,
  };
  const child = fork(NODE_PROCESS, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  child.send({ type: 'start', options: childOptions } satisfies ParentMessage);
  const ready = await new Promise<NodeProcessMessage>((resolve, reject) => {
    child.once('message', message => resolve(message as NodeProcessMessage));
    child.once('exit', code => reject(new Error(`the embedded node exited with code ${code} before it was ready`)));
    child.once('error', reject);
  });
  if (ready.type === 'failed') {
    await exited;
    throw new ConfigError(`CHAIN_PORT ${options.port} on ${options.host} cannot be used: ${ready.message}`);
  }
  if (!kept) writeChainIdentity(file, { mnemonic: ready.mnemonic, chainId });
  const rpcUrl = `http://${options.host}:${options.port}`;
  return {
    provider: rpcUrl,
    rpcUrl,
    embedded: true,
    adminKey: ready.adminKey,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.send({ type: 'close' } satisfies ParentMessage);
      await exited;
    },
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
