/**
 * The benchmark's own line to the embedded node: JSON-RPC over HTTP on CHAIN_PORT, as
 * `truffle console` reaches it, with the node's unlocked accounts (never the admin's, whose
 * nonces the app keeps). Used for receipts, the raw rate, the naive baseline and seeding.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Web3, type ContractAbi } from 'web3';
import { encodeTransaction, type RpcTransaction } from '../src/ledger/block-hash';
import { data as bytesOf, hexOf, keccak } from '../src/ledger/rlp';
import { exchange } from './client';
import { ROOT } from './server';

interface Artifact {
  readonly abi: ContractAbi;
  readonly bytecode: string;
}

export interface Receipt {
  readonly status: string;
  readonly gasUsed: string;
  readonly contractAddress: string | null;
  readonly blockNumber: string;
}

/** The raw transaction back from its fields, checked against its hash. */
function rawOf(tx: RpcTransaction & { readonly from: string }): string {
  const raw = hexOf(encodeTransaction(tx));
  if (keccak(bytesOf(raw)) !== tx.hash) throw new Error(`transaction ${tx.hash} could not be rebuilt from its fields`);
  return raw;
}

// Generous: the seeder's transactions add hundreds of reports each, below Ganache's 30M block limit.
const SEED_GAS = 29_000_000;

export class Chain {
  private readonly web3 = new Web3();
  private id = 0;

  constructor(private readonly url: string) {}

  async rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    const res = await exchange(this.url, 'POST', { 'content-type': 'application/json' }, JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }));
    const body = JSON.parse(res.body.toString('utf8')) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  }

  /** The node's unlocked accounts after the first (the app's admin and funding account). */
  async spareAccounts(): Promise<string[]> {
    return (await this.rpc<string[]>('eth_accounts')).slice(1);
  }

  async receipt(hash: string): Promise<Receipt> {
    for (let delay = 0; ; delay = Math.min(delay + 2, 20)) {
      const receipt = await this.rpc<Receipt | null>('eth_getTransactionReceipt', [hash]);
      if (receipt) return receipt;
      await new Promise(resolve => setTimeout(resolve, delay));
    }
  }

  async gasUsed(hash: string): Promise<number> {
    return Number((await this.receipt(hash)).gasUsed);
  }

  /** Sends from an unlocked account and waits until it is mined; throws if it failed. */
  async sendAndWait(tx: { from: string; to?: string; data?: string; value?: bigint; gas?: number }): Promise<Receipt> {
    const hash = await this.rpc<string>('eth_sendTransaction', [
      {
        from: tx.from,
        ...(tx.to ? { to: tx.to } : {}),
        ...(tx.data ? { data: tx.data } : {}),
        ...(tx.value ? { value: `0x${tx.value.toString(16)}` } : {}),
        ...(tx.gas ? { gas: `0x${tx.gas.toString(16)}` } : {}),
      },
    ]);
    const receipt = await this.receipt(hash);
    if (receipt.status !== '0x1') throw new Error(`transaction ${hash} failed`);
    return receipt;
  }

  /** Deploys a contract of build/contracts (compiled by the app's start); resolves to its address. */
  async deploy(from: string, name: string, args: unknown[] = []): Promise<{ address: string; contract: InstanceType<Web3['eth']['Contract']> }> {
    const artifact = loadArtifact(name);
    const contract = new this.web3.eth.Contract(artifact.abi);
    const data = contract.deploy({ data: artifact.bytecode, arguments: args as never }).encodeABI();
    const receipt = await this.sendAndWait({ from, data, gas: 6_000_000 });
    if (!receipt.contractAddress) throw new Error(`${name} was not deployed`);
    return { address: receipt.contractAddress, contract: new this.web3.eth.Contract(artifact.abi, receipt.contractAddress) };
  }

  /**
   * Plain value transfers signed by the node, one after another, each awaited until mined:
   * the node's own rate on this machine right now. Resolves to transfers per second.
   */
  async rawRate(from: string, to: string, count: number): Promise<number> {
    const started = performance.now();
    for (let i = 0; i < count; i++) await this.sendAndWait({ from, to, value: 1n });
    return count / ((performance.now() - started) / 1000);
  }

  /**
   * The same work as a report over HTTP, without the app: addReport from a node-signed account,
   * one after another, each awaited until mined. Resolves to reports per second.
   */
  async nodeReportRate(from: string, ehrAddress: string, hospitalIds: readonly number[], count: number): Promise<number> {
    const ehr = new this.web3.eth.Contract(loadArtifact('EHRv2').abi, ehrAddress);
    const registered = await this.rpc<string>('eth_call', [{ to: ehrAddress, data: ehr.methods.isPatient(from).encodeABI() }, 'latest']);
    if (BigInt(registered) === 0n) await this.sendAndWait({ from, to: ehrAddress, data: ehr.methods.registerPatient().encodeABI(), gas: 200_000 });
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const data = ehr.methods.addReport(`0x${randomBytes(32).toString('hex')}`, [...hospitalIds], 0).encodeABI();
      await this.sendAndWait({ from, to: ehrAddress, data, gas: 300_000 });
    }
    return count / ((performance.now() - started) / 1000);
  }

  /**
   * The transactions mined in blocks (fromBlock, toBlock], as they were signed (rebuilt from
   * their fields, each checked against its hash), grouped by sender in nonce order.
   */
  async signedTransactions(fromBlock: number, toBlock: number): Promise<string[][]> {
    const bySender = new Map<string, { nonce: number; raw: string }[]>();
    for (let n = fromBlock + 1; n <= toBlock; n++) {
      const block = await this.rpc<{ transactions: (RpcTransaction & { from: string })[] }>('eth_getBlockByNumber', [`0x${n.toString(16)}`, true]);
      for (const tx of block.transactions) {
        const from = tx.from.toLowerCase();
        bySender.set(from, [...(bySender.get(from) ?? []), { nonce: Number(tx.nonce), raw: rawOf(tx) }]);
      }
    }
    return [...bySender.values()].map(list => list.sort((a, b) => a.nonce - b.nonce).map(entry => entry.raw));
  }

  /**
   * The node alone replaying signed transactions: each group's in turn, each awaited until mined,
   * all groups at once (the app's concurrency). Resolves to transactions per second.
   */
  async replayRate(groups: readonly (readonly string[])[]): Promise<number> {
    const started = performance.now();
    await Promise.all(
      groups.map(async raws => {
        for (const raw of raws) {
          const receipt = await this.receipt(await this.rpc<string>('eth_sendRawTransaction', [raw]));
          if (receipt.status !== '0x1') throw new Error('a replayed transaction failed');
        }
      }),
    );
    const count = groups.reduce((sum, raws) => sum + raws.length, 0);
    return count / ((performance.now() - started) / 1000);
  }

  /** The EHR contract's reportCount(). */
  async reportCount(ehrAddress: string): Promise<number> {
    const data = this.web3.eth.abi.encodeFunctionSignature('reportCount()');
    return Number(await this.rpc<string>('eth_call', [{ to: ehrAddress, data }, 'latest']));
  }

  /** Adds `count` real reports to the EHR contract through a new seeder, shared with `hospitalIds`. */
  async seedReports(from: string, ehrAddress: string, count: number, hospitalIds: readonly number[], perTransaction = 250): Promise<void> {
    const { address, contract } = await this.deploy(from, 'EHRSeeder', [ehrAddress]);
    for (let done = 0; done < count; done += perTransaction) {
      const batch = Math.min(perTransaction, count - done);
      const salt = `0x${randomBytes(32).toString('hex')}`; // distinct commitments in every batch
      const data = contract.methods.seed(batch, [...hospitalIds], salt).encodeABI();
      await this.sendAndWait({ from, to: address, data, gas: SEED_GAS });
    }
  }
}

function loadArtifact(name: string): Artifact {
  const file = path.join(ROOT, 'build', 'contracts', `${name}.json`);
  const artifact = JSON.parse(fs.readFileSync(file, 'utf8')) as Artifact;
  if (!artifact.bytecode || artifact.bytecode === '0x') throw new Error(`${name} has no bytecode in build/contracts`);
  return artifact;
}
