/**
 * Sends transactions for custodial accounts: signs them here (works with any node), with one
 * queue per account so that nonces are taken in order and concurrent writes never collide.
 *
 * Within an account's queue a write is estimated (a revert comes back as the contract's custom
 * error before anything is sent), given the next nonce, signed and handed to the node. Waiting
 * for the receipt happens outside the queue, so an account's writes are pipelined, and the
 * accounts of different users never wait on each other.
 */
import { eth, type Web3 } from 'web3';
import type { ContractCodec } from './abi';
import { findRevertData, LedgerError, LedgerRevertError, LedgerUnavailableError, nodeAnswered } from './errors';

export interface Signer {
  readonly address: string;
  /** undefined: the node holds the key (an unlocked account of a classroom node). */
  readonly privateKey: string | undefined;
}

export interface TransactionRequest {
  readonly to: string;
  readonly data?: string;
  readonly value?: bigint;
}

export interface Log {
  readonly address?: string;
  readonly data?: string;
  readonly topics?: readonly string[];
}

export interface MinedTransaction {
  readonly hash: string;
  readonly blockNumber: number;
  readonly gasUsed: number;
  readonly logs: readonly Log[];
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
  /** How long to wait for a transaction to be mined. */
  readonly receiptTimeoutMs?: number;
}

const GAS_MARGIN_PERCENT = 125n; // state may change between estimate and mining
const GAS_PRICE_TTL_MS = 15_000;

export class TransactionSender {
  private readonly queues = new Map<string, AccountQueue>();
  private readonly common: InstanceType<typeof eth.accounts.Common>;
  private gasPriceCache: { value: bigint; at: number } | undefined;

  constructor(private readonly options: SenderOptions) {
    this.common = eth.accounts.Common.custom(
      { chainId: Number(options.chainId), networkId: Number(options.chainId) },
      { baseChain: 'mainnet', hardfork: 'shanghai' },
    );
  }

  /** Sends `request` from `signer` and resolves once it is mined with success. */
  async send(signer: Signer, request: TransactionRequest): Promise<MinedTransaction> {
    const hash = await this.enqueue(signer.address, queue => this.submit(signer, request, queue));
    const receipt = await this.waitForReceipt(hash);
    if (receipt.status !== 1n) await this.explainFailure(signer, request, receipt.blockNumber);
    return {
      hash,
      blockNumber: Number(receipt.blockNumber),
      gasUsed: Number(receipt.gasUsed),
      logs: receipt.logs as Log[],
    };
  }

  /** Reads from the contract: an eth_call whose revert comes back as the custom error. */
  async call(request: TransactionRequest & { from?: string }): Promise<string> {
    try {
      return await this.options.web3.eth.call({ to: request.to, data: request.data, from: request.from });
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

  private async submit(signer: Signer, request: TransactionRequest, queue: AccountQueue, funded = false): Promise<string> {
    const { web3 } = this.options;
    const gasLimit = (await this.estimateGas(signer.address, request)) * GAS_MARGIN_PERCENT / 100n;
    const gasPrice = await this.gasPrice();
    try {
      queue.nextNonce ??= await web3.eth.getTransactionCount(signer.address, 'pending');
      const nonce = queue.nextNonce;
      const hash = signer.privateKey
        ? await this.sendSigned(signer.privateKey, { ...request, nonce, gasLimit, gasPrice })
        : await this.sendUnlocked(signer.address, { ...request, nonce, gasLimit, gasPrice });
      queue.nextNonce = nonce + 1n;
      return hash;
    } catch (error) {
      queue.nextNonce = undefined; // ask the node again next time
      if (!funded && this.options.topUp && /insufficient funds/i.test(String((error as Error).message ?? ''))) {
        await this.options.topUp(signer.address);
        return this.submit(signer, request, queue, true);
      }
      throw this.classify(error);
    }
  }

  private async sendSigned(privateKey: string, tx: TransactionRequest & { nonce: bigint; gasLimit: bigint; gasPrice: bigint }): Promise<string> {
    const unsigned = eth.accounts.Transaction.fromTxData(
      { nonce: tx.nonce, gasPrice: tx.gasPrice, gasLimit: tx.gasLimit, to: tx.to, value: tx.value ?? 0n, data: tx.data ?? '0x' },
      { common: this.common },
    );
    const signed = await eth.accounts.signTransaction(unsigned, privateKey);
    return this.options.web3.requestManager.send({ method: 'eth_sendRawTransaction', params: [signed.rawTransaction] });
  }

  private async sendUnlocked(from: string, tx: TransactionRequest & { nonce: bigint; gasLimit: bigint; gasPrice: bigint }): Promise<string> {
    const hex = (value: bigint) => `0x${value.toString(16)}`;
    return this.options.web3.requestManager.send({
      method: 'eth_sendTransaction',
      params: [{ from, to: tx.to, data: tx.data ?? '0x', value: hex(tx.value ?? 0n), nonce: hex(tx.nonce), gas: hex(tx.gasLimit), gasPrice: hex(tx.gasPrice) }],
    });
  }

  private async estimateGas(from: string, request: TransactionRequest): Promise<bigint> {
    try {
      return await this.options.web3.eth.estimateGas({ from, to: request.to, data: request.data, value: request.value });
    } catch (error) {
      throw this.classify(error);
    }
  }

  private async gasPrice(): Promise<bigint> {
    const cached = this.gasPriceCache;
    if (cached && Date.now() - cached.at < GAS_PRICE_TTL_MS) return cached.value;
    try {
      const value = await this.options.web3.eth.getGasPrice();
      this.gasPriceCache = { value, at: Date.now() };
      return value;
    } catch (error) {
      throw this.classify(error);
    }
  }

  private async waitForReceipt(hash: string) {
    const deadline = Date.now() + (this.options.receiptTimeoutMs ?? 120_000);
    for (let delay = 0; ; delay = Math.min(Math.max(delay * 2, 20), 1000)) {
      if (delay) await new Promise(resolve => setTimeout(resolve, delay));
      try {
        // web3 v4 throws TransactionNotFound... for a receipt the node does not have yet.
        const receipt = await this.options.web3.eth.getTransactionReceipt(hash).catch(error => {
          if (nodeAnswered(error) || /not found|null/i.test(String((error as Error).message))) return undefined;
          throw error;
        });
        if (receipt) return receipt;
      } catch (error) {
        throw this.classify(error);
      }
      if (Date.now() > deadline) throw new LedgerUnavailableError(`transaction ${hash} was not mined in time`);
    }
  }

  /** A mined transaction failed: replay it at its block to learn the contract's reason. */
  private async explainFailure(signer: Signer, request: TransactionRequest, blockNumber: bigint): Promise<never> {
    try {
      await this.options.web3.eth.call({ from: signer.address, to: request.to, data: request.data, value: request.value }, blockNumber - 1n);
    } catch (error) {
      throw this.classify(error);
    }
    throw new LedgerError('the transaction failed on the ledger');
  }

  private classify(error: unknown): Error {
    if (error instanceof LedgerRevertError || error instanceof LedgerUnavailableError || error instanceof LedgerError) return error;
    const data = findRevertData(error);
    const decoded = data ? this.options.codec.decodeError(data) : undefined;
    if (decoded) return new LedgerRevertError(decoded);
    const message = String((error as Error)?.message ?? error);
    if (nodeAnswered(error)) return new LedgerError(`the node refused: ${message}`, { cause: error });
    return new LedgerUnavailableError(`the node is unreachable: ${message}`, { cause: error });
  }
}
