/**
 * Sends transactions for custodial accounts: signs them here (works with any node), with one
 * queue per account so that nonces are taken in order and concurrent writes never collide.
 *
 * Within an account's queue a write is given the next nonce, a gas limit, signed and handed to
 * the node. The gas limit of the first write of each shape (function and argument length) comes
 * from an estimate, whose revert comes back as the contract's custom error before anything is
 * sent; later writes of that shape reuse it, doubled, and a revert comes back from replaying the
 * mined transaction instead (the same custom error). Waiting for the receipt happens outside the
 * queue, so an account's writes are pipelined, and the accounts of different users never wait
 * on each other; a node that mines on arrival answers the send with the receipt itself (see
 * `receiptOnSend`).
 */
import type { Web3 } from 'web3';
import type { ContractCodec } from './abi';
import { signFeeMarketTransaction, signLegacyTransaction } from './signing';
import { findRevertData, isConnectionFailure, isConnectionRefused, LedgerError, LedgerRevertError, LedgerUnavailableError } from './errors';

export interface Signer {
  readonly address: string;
  /** undefined: the node holds the key (an unlocked account of a classroom node). */
  readonly privateKey: string | undefined;
}

export interface TransactionRequest {
  /** undefined: a contract creation (`data` is its bytecode). */
  readonly to?: string;
  readonly data?: string;
  readonly value?: bigint;
}

export interface Log {
  /** Hex (raw JSON-RPC) or a number (web3's receipts): the log's position in its block. */
  readonly logIndex?: string | number | bigint;
  readonly address?: string;
  readonly data?: string;
  readonly topics?: readonly string[];
  readonly blockTimestamp?: string | number;
}

export interface MinedTransaction {
  readonly hash: string;
  readonly blockNumber: number;
  /** The block's time, in seconds. */
  readonly timestamp: number;
  readonly gasUsed: number;
  readonly logs: readonly Log[];
  /** The contract a creation made. */
  readonly contractAddress?: string;
}

/** A receipt as JSON-RPC gives it: quantities in hex. */
interface RawReceipt {
  readonly transactionHash: string;
  readonly blockNumber: string | null;
  readonly status: string;
  readonly gasUsed: string;
  readonly logs: readonly Log[];
  readonly contractAddress?: string | null;
  /** The block's time, which some nodes add to the receipt or its logs (Anvil; Geth 1.16's logs). */
  readonly blockTimestamp?: string | number;
}

/** What a transaction offers for its gas: EIP-1559's cap and tip, or a legacy price. */
type Fees = { readonly maxFeePerGas: bigint; readonly maxPriorityFeePerGas: bigint } | { readonly gasPrice: bigint };
type Priced = TransactionRequest & Fees & { readonly nonce: bigint; readonly gasLimit: bigint };

/** A transaction handed to the node: its hash, and its receipt when the node answered with it. */
interface HandedOver {
  readonly hash: string;
  readonly receipt?: RawReceipt;
}

interface AccountQueue {
  nextNonce: bigint | undefined;
  tail: Promise<unknown>;
}

export interface SenderOptions {
  readonly web3: Web3;
  readonly chainId: bigint;
  readonly codec: ContractCodec;
  /** Called once when a send fails for lack of funds, before it is tried again. */
  readonly topUp?: (address: string) => Promise<void>;
  /** How long to wait for a transaction to be mined (default RECEIPT_TIMEOUT_MS). */
  readonly receiptTimeoutMs?: number;
  /**
   * Estimate and hand over transactions one at a time, across all accounts. Needed for Ganache
   * 7.9 (embedded, or a classroom one by URL) in "eager" instamine mode, where an eth_estimateGas
   * or a second eth_sendRawTransaction made while a block is being mined may never be answered.
   * ("strict" mode is no way out: it leaves consecutive nonces of one account stuck in its
   * "queued" pool.) Each send there returns once mined, so this costs little: the node mines one
   * transaction at a time anyway.
   */
  readonly oneSendAtATime?: boolean;
  /**
   * The node mines each transaction as it arrives and answers eth_sendRawTransactionSync
   * (EIP-7966) with its receipt (Anvil with automine): a write is then one request instead of a
   * send and a receipt poll. Only for such a node: the call holds the account's queue until the
   * transaction is mined, which on a network with blocks every few seconds would make each of an
   * account's writes at once (the funder's, in a class's signups) wait a block in turn.
   */
  readonly receiptOnSend?: boolean;
  /**
   * A lock shared by every app server on the data set (PostgreSQL's advisory locks), when there
   * may be several: each transaction's nonce is then taken under its account's lock.
   */
  readonly exclusive?: <T>(key: string, work: () => Promise<T>) => Promise<T>;
}

/**
 * How a node refuses a transaction its sender cannot pay for: "insufficient funds" (Geth,
 * Ganache, Anvil), "Sender doesn't have enough funds" (Hardhat), "Upfront cost exceeds account
 * balance" (Besu).
 */
const LACKS_FUNDS = /insufficient funds|doesn't have enough funds|upfront cost exceeds account balance/i;
const GAS_MARGIN_PERCENT = 125n; // state may change between estimate and mining
// A limit learnt from an earlier write of the same shape is doubled: the contract's writes cost
// within a few tens of thousands of gas of each other (a first grant or first report writes a
// fresh slot), and unused gas is refunded, so a generous limit costs nothing.
const GAS_REUSE_FACTOR = 2n;
const FEES_TTL_MS = 15_000;
const BLOCK_TIMES_KEPT = 4096;
// The tip when a node has no eth_maxPriorityFeePerGas: Geth's own suggestion on an idle chain, 1 gwei.
const DEFAULT_TIP = 10n ** 9n;
// Ganache mines at once and a consortium network within a few seconds: a transaction not mined
// after this is stuck (a nonce gap, a node that dropped it). The write answers 503 "may or may
// not have been saved", and the account's next write asks the node for its nonce again.
export const RECEIPT_TIMEOUT_MS = 30_000;

export class TransactionSender {
  private readonly queues = new Map<string, AccountQueue>();
  private sendLane: Promise<unknown> = Promise.resolve();
  private feesCache: { value: Fees; at: number } | undefined;
  private readonly blockTimes = new Map<number, number>();
  /** The largest estimate seen for each shape of write (see `shapeOf`). */
  private readonly gasEstimates = new Map<string, bigint>();
  /**
   * The estimate under way for a shape: the other first writers of that shape wait for it rather
   * than each running its own (on a fresh ledger, many users' first writes at once would
   * otherwise each estimate in turn, in the send lane).
   */
  private readonly estimating = new Map<string, Promise<bigint>>();

  constructor(private readonly options: SenderOptions) {}

  /** Sends `request` from `signer` and resolves once it is mined with success. */
  async send(signer: Signer, request: TransactionRequest, estimatedAfresh = false): Promise<MinedTransaction> {
    const { hash, receipt: answered } = await this.enqueue(signer.address, queue => this.submit(signer, request, queue));
    const receipt = answered ?? (await this.waitForReceipt(hash).catch((error: unknown) => {
      // Not mined in time (or the node went away): the account's next write asks the node for
      // its nonce again rather than building on one that may never be mined.
      const queue = this.queues.get(signer.address.toLowerCase());
      if (queue) queue.nextNonce = undefined;
      throw error;
    }));
    const blockNumber = Number(receipt.blockNumber);
    if (Number(receipt.status) !== 1) {
      await this.throwRevertReason(signer, request, BigInt(blockNumber));
      // No revert: it ran out of gas under a limit learnt from earlier writes. Once, afresh.
      if (estimatedAfresh) throw new LedgerError('the transaction failed on the ledger');
      this.gasEstimates.delete(shapeOf(request));
      return this.send(signer, request, true);
    }
    return {
      hash,
      blockNumber,
      // Mined with success: a failure from here on leaves the outcome unknown to the caller, never "not sent".
      timestamp: await this.minedBlockTime(hash, blockNumber, receipt),
      gasUsed: Number(receipt.gasUsed),
      logs: receipt.logs,
      ...(receipt.contractAddress ? { contractAddress: receipt.contractAddress.toLowerCase() } : {}),
    };
  }

  /** Deploys `bytecode` (a contract whose constructor takes no arguments) from `signer`; resolves to its address. */
  async deploy(signer: Signer, bytecode: string): Promise<string> {
    const mined = await this.send(signer, { data: bytecode });
    if (!mined.contractAddress) throw new LedgerError(`transaction ${mined.hash} created no contract`);
    return mined.contractAddress;
  }

  /** Reads from the contract: an eth_call whose revert comes back as the custom error. */
  call(request: TransactionRequest & { from?: string }, block: bigint | 'latest' = 'latest'): Promise<string> {
    return this.rpc<string>('eth_call', [rpcTransaction(request.from, request), typeof block === 'bigint' ? hex(block) : block]);
  }

  /** Logs of `address` in a block range, as the node gives them. */
  logs(address: string, fromBlock: number, toBlock: number): Promise<(Log & { blockNumber: string; transactionHash: string })[]> {
    return this.rpc('eth_getLogs', [{ address, fromBlock: hex(BigInt(fromBlock)), toBlock: hex(BigInt(toBlock)) }]);
  }

  /** A read-only JSON-RPC request for the explorer's blocks and transactions, its errors classified. */
  query<T>(
    method: 'eth_getBlockByNumber' | 'eth_getBlockByHash' | 'eth_getTransactionByHash' | 'eth_getTransactionReceipt' | 'eth_getBalance' | 'eth_getCode' | 'eth_getTransactionCount',
    params: unknown[],
  ): Promise<T> {
    return this.rpc<T>(method, params);
  }

  async blockNumber(): Promise<number> {
    return Number(await this.rpc<string>('eth_blockNumber', []));
  }

  /** A block's time, in seconds: of the blocks of this server's own writes, known already. */
  async blockTime(blockNumber: number): Promise<number> {
    const known = this.blockTimes.get(blockNumber);
    if (known !== undefined) return known;
    const block = await this.rpc<{ timestamp: string } | null>('eth_getBlockByNumber', [hex(BigInt(blockNumber)), false]);
    if (!block) throw new LedgerError(`the node has no block ${blockNumber}`);
    return this.rememberBlockTime(blockNumber, Number(block.timestamp));
  }

  /** A mined write's block time: from its receipt when the node puts it there, else from its block. */
  private async minedBlockTime(hash: string, blockNumber: number, receipt: RawReceipt): Promise<number> {
    const fromReceipt = blockTimestampIn(receipt);
    if (fromReceipt !== undefined) return this.rememberBlockTime(blockNumber, fromReceipt);
    return this.blockTime(blockNumber).catch((error: unknown) => {
      throw new LedgerUnavailableError(`transaction ${hash} was mined, but its block could not be read`, { cause: error });
    });
  }

  /**
   * Kept for the chain follower, which reads the time of every block with events, its own
   * writes' blocks among them. The newest few thousand: the follower is at most seconds behind.
   */
  private rememberBlockTime(blockNumber: number, seconds: number): number {
    this.blockTimes.set(blockNumber, seconds);
    if (this.blockTimes.size > BLOCK_TIMES_KEPT) this.blockTimes.delete(this.blockTimes.keys().next().value!);
    return seconds;
  }

  /**
   * A raw JSON-RPC request. Calls and estimates go through here rather than web3.eth's wrappers:
   * with Ganache's in-process provider those drop the revert data (web3 v4 keeps only a
   * RuntimeError), while the request manager's error keeps it in `cause.data`.
   */
  private async rpc<T>(method: string, params: unknown[]): Promise<T> {
    try {
      return (await this.options.web3.requestManager.send({ method, params })) as T;
    } catch (error) {
      throw this.classify(error);
    }
  }

  private enqueue<T>(address: string, task: (queue: AccountQueue) => Promise<T>): Promise<T> {
    const key = address.toLowerCase();
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { nextNonce: undefined, tail: Promise.resolve() };
      this.queues.set(key, queue);
    }
    const current = queue;
    const result = current.tail.then(() => task(current));
    current.tail = result.catch(() => undefined);
    return result;
  }

  private async submit(signer: Signer, request: TransactionRequest, queue: AccountQueue, funded = false): Promise<HandedOver> {
    const attempt = { handedOver: false }; // once the raw transaction is on its way, it may land
    try {
      const { exclusive } = this.options;
      // Several servers may write for one account: each takes the account's nonce from the node
      // under a lock they share, and hands its transaction over before letting go (the next
      // holder's "pending" count includes it). One server alone keeps the nonce in memory.
      return exclusive
        ? await exclusive(`nonce:${signer.address.toLowerCase()}`, () => {
            queue.nextNonce = undefined;
            return this.handOver(signer, request, queue, attempt);
          })
        : await this.handOver(signer, request, queue, attempt);
    } catch (error) {
      queue.nextNonce = undefined; // ask the node again next time
      // Topped up outside the account's lock: the funder's own send takes the funder's.
      if (!funded && this.options.topUp && LACKS_FUNDS.test(String((error as Error).message ?? ''))) {
        try {
          await this.options.topUp(signer.address);
        } catch (topUpError) {
          throw notSent(this.classify(topUpError)); // this account's transaction was never sent
        }
        return this.submit(signer, request, queue, true);
      }
      const classified = this.classify(error);
      throw !attempt.handedOver || isConnectionRefused(error) ? notSent(classified) : classified;
    }
  }

  /** Gives the transaction its nonce and gas limit, signs it and hands it to the node. */
  private async handOver(signer: Signer, request: TransactionRequest, queue: AccountQueue, attempt: { handedOver: boolean }): Promise<HandedOver> {
    const fees = await this.fees();
    queue.nextNonce ??= BigInt(await this.rpc<string>('eth_getTransactionCount', [signer.address, 'pending']));
    const nonce = queue.nextNonce;
    const shape = shapeOf(request);
    const { privateKey } = signer;
    let known = this.gasEstimates.get(shape);
    const underWay = known === undefined && privateKey ? this.estimating.get(shape) : undefined;
    // Its refusal (a revert) is that writer's own: this one then estimates for itself.
    if (underWay) known = await underWay.then(() => this.gasEstimates.get(shape)).catch(() => undefined);
    let handed: HandedOver;
    if (known !== undefined && privateKey) {
      // A known shape: signed here, so that only the hand-over waits in the send lane.
      const raw = await this.sign(privateKey, { ...request, ...fees, nonce, gasLimit: known * GAS_REUSE_FACTOR });
      handed = await this.inSendLane(() => {
        attempt.handedOver = true;
        return this.sendRaw(raw);
      });
    } else {
      // The estimate and the hand-over each take their turn in the lane; the estimate is shared
      // from the moment it is queued, so the writers of the same shape behind it wait for it.
      const estimate = this.inSendLane(() => this.estimateGas(signer.address, request));
      if (privateKey && !this.estimating.has(shape)) {
        this.estimating.set(shape, estimate);
        void estimate.finally(() => this.estimating.get(shape) === estimate && this.estimating.delete(shape)).catch(() => undefined);
      }
      const tx = { ...request, ...fees, nonce, gasLimit: ((await estimate) * GAS_MARGIN_PERCENT) / 100n };
      const raw = privateKey ? await this.sign(privateKey, tx) : undefined;
      handed = await this.inSendLane(async () => {
        attempt.handedOver = true;
        return raw ? this.sendRaw(raw) : { hash: await this.sendUnlocked(signer.address, tx) };
      });
    }
    queue.nextNonce = nonce + 1n;
    return handed;
  }

  private inSendLane<T>(send: () => Promise<T>): Promise<T> {
    if (!this.options.oneSendAtATime) return send();
    const result = this.sendLane.then(send);
    this.sendLane = result.catch(() => undefined);
    return result;
  }

  /** The raw transaction, signed for our chain (see signing.ts: web3's bytes, a small part of its time). */
  private async sign(privateKey: string, tx: Priced): Promise<string> {
    const { chainId } = this.options;
    return 'gasPrice' in tx ? signLegacyTransaction(tx, chainId, privateKey) : signFeeMarketTransaction(tx, chainId, privateKey);
  }

  private async sendRaw(rawTransaction: string): Promise<HandedOver> {
    const { requestManager } = this.options.web3;
    if (!this.options.receiptOnSend) return { hash: await requestManager.send({ method: 'eth_sendRawTransaction', params: [rawTransaction] }) };
    const receipt = (await requestManager.send({ method: 'eth_sendRawTransactionSync', params: [rawTransaction] })) as RawReceipt;
    return { hash: receipt.transactionHash, receipt };
  }

  private async sendUnlocked(from: string, tx: Priced): Promise<string> {
    const fees = 'gasPrice' in tx ? { gasPrice: hex(tx.gasPrice) } : { maxFeePerGas: hex(tx.maxFeePerGas), maxPriorityFeePerGas: hex(tx.maxPriorityFeePerGas) };
    return this.options.web3.requestManager.send({
      method: 'eth_sendTransaction',
      params: [{ ...rpcTransaction(from, tx), ...fees, nonce: hex(tx.nonce), gas: hex(tx.gasLimit) }],
    });
  }

  /**
   * Estimates a write, and remembers the estimate for later writes of its shape: on Ganache an
   * estimate runs the transaction several times, costing more than the send itself, in the lane
   * every account shares. Later writes of a known shape skip it; a revert then comes back from
   * the mined transaction's replay (`throwRevertReason`) as the same custom error.
   */
  private async estimateGas(from: string, request: TransactionRequest): Promise<bigint> {
    try {
      const estimate = BigInt(await this.rpc<string>('eth_estimateGas', [rpcTransaction(from, request)]));
      const shape = shapeOf(request);
      if (estimate > (this.gasEstimates.get(shape) ?? 0n)) this.gasEstimates.set(shape, estimate);
      return estimate;
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      // Ganache answers a reverting estimate with its revert data inside an object, which web3
      // v4 drops; the same request as an eth_call brings the data back as a plain hex string.
      await this.call({ ...request, from });
      throw error;
    }
  }

  /**
   * What a transaction offers for its gas. A chain whose blocks have a base fee (London and
   * later) gets EIP-1559 transactions: the node's suggested tip, and a cap of twice the base fee
   * plus the tip, room for the base fee to rise 12.5 % a block for six full blocks in a row
   * before a transaction would wait; it pays only the base fee and the tip. Older chains get a
   * legacy gas price, and so does a free-gas chain (a base fee of zero, Besu's `zeroBaseFee`):
   * its suggested tip is a percentile of recent tips, which the deployment's own (Truffle's 2.5
   * gwei) would lift, and every user, with no ether, would then need funding; its gas price is
   * set to zero (docs/deploy.md). Kept for a few seconds: every write would otherwise ask twice more.
   */
  private async fees(): Promise<Fees> {
    const cached = this.feesCache;
    if (cached && Date.now() - cached.at < FEES_TTL_MS) return cached.value;
    const latest = await this.rpc<{ baseFeePerGas?: string } | null>('eth_getBlockByNumber', ['latest', false]);
    let value: Fees;
    if (latest?.baseFeePerGas === undefined || BigInt(latest.baseFeePerGas) === 0n) {
      value = { gasPrice: BigInt(await this.rpc<string>('eth_gasPrice', [])) };
    } else {
      const tip = BigInt(await this.rpc<string>('eth_maxPriorityFeePerGas', []).catch(() => hex(DEFAULT_TIP)));
      value = { maxFeePerGas: 2n * BigInt(latest.baseFeePerGas) + tip, maxPriorityFeePerGas: tip };
    }
    this.feesCache = { value, at: Date.now() };
    return value;
  }

  /**
   * The transaction's receipt, polled as plain JSON-RPC: web3.eth's wrapper validates and
   * reformats every answer (a third of the app's CPU a write, in a profile on Anvil).
   */
  private async waitForReceipt(hash: string): Promise<RawReceipt> {
    const deadline = Date.now() + (this.options.receiptTimeoutMs ?? RECEIPT_TIMEOUT_MS);
    // At once (an instant-mining node has it), then 10, 20, 40, … ms, at most 100 ms apart: Anvil
    // mines a moment after it answers the send, and on a network with blocks every few seconds a
    // wider backoff would add up to its width to every write; a receipt query costs the node little.
    for (let delay = 0; ; delay = Math.min(Math.max(delay * 2, 10), 100)) {
      if (delay) await new Promise(resolve => setTimeout(resolve, delay));
      const receipt = await this.rpc<RawReceipt | null>('eth_getTransactionReceipt', [hash]);
      // A receipt without a block is a pending transaction's, as some nodes answer.
      if (receipt?.blockNumber) return receipt;
      if (Date.now() > deadline) throw new LedgerUnavailableError(`transaction ${hash} was not mined in time`);
    }
  }

  /** A mined transaction failed: replays it before its block, which throws the contract's reason if it reverted. */
  private async throwRevertReason(signer: Signer, request: TransactionRequest, blockNumber: bigint): Promise<void> {
    await this.call({ ...request, from: signer.address }, blockNumber - 1n);
  }

  private classify(error: unknown): Error {
    if (error instanceof LedgerRevertError || error instanceof LedgerUnavailableError || error instanceof LedgerError) return error;
    const data = findRevertData(error);
    const decoded = data ? this.options.codec.decodeError(data) : undefined;
    if (decoded) return new LedgerRevertError(decoded);
    const message = String((error as Error)?.message ?? error);
    if (isConnectionFailure(error)) return new LedgerUnavailableError(`the node is unreachable: ${message}`, { cause: error });
    return new LedgerError(`the ledger refused: ${message}`, { cause: error });
  }
}

const hex = (value: bigint) => `0x${value.toString(16)}`;

/** An outage before the transaction reached the node: marked so that the caller knows it cannot land. */
function notSent(error: Error): Error {
  return error instanceof LedgerUnavailableError && !error.notSent ? new LedgerUnavailableError(error.message, { cause: error, notSent: true }) : error;
}

/** What a write's gas depends on, near enough: the function (its selector) and the length of its arguments. */
function shapeOf(request: TransactionRequest): string {
  const data = request.data ?? '0x';
  if (data === '0x') return 'transfer'; // gas money to a user's account: 21,000 whoever receives it
  return `${request.to?.toLowerCase() ?? 'create'}:${data.slice(0, 10)}:${data.length}:${request.value ? 'value' : ''}`;
}

/** The block's time from the receipt, when the node gives it there: one request fewer a write. */
function blockTimestampIn(receipt: RawReceipt): number | undefined {
  const value = receipt.blockTimestamp ?? receipt.logs.find(log => log.blockTimestamp !== undefined)?.blockTimestamp;
  const seconds = value === undefined ? NaN : Number(value); // a hex quantity or, from Anvil, a number
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : undefined;
}

/** A transaction object as JSON-RPC takes it. */
function rpcTransaction(from: string | undefined, request: TransactionRequest) {
  return { ...(from ? { from } : {}), ...(request.to ? { to: request.to } : {}), data: request.data ?? '0x', ...(request.value ? { value: hex(request.value) } : {}) };
}
