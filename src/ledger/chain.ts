/**
 * Blocks and transactions as the node keeps them, for the explorer: the chain itself, and what
 * the contract's ABI makes of a transaction's input and logs. Raw JSON-RPC answers (hex
 * quantities) become plain numbers, bigints and strings.
 */
import type { ContractCodec, Decoded, DecodedEvent } from './abi';
import type { RpcHeader, RpcTransaction } from './block-hash';
import type { Log, TransactionSender } from './transactions';

export interface Block {
  readonly number: number;
  readonly hash: string;
  readonly parentHash: string;
  /** Seconds. */
  readonly timestamp: number;
  readonly gasUsed: number;
  readonly gasLimit: number;
  readonly miner: string;
  readonly transactionHashes: readonly string[];
}

export interface ChainTransaction {
  readonly hash: string;
  readonly blockNumber: number;
  readonly from: string;
  /** null for a contract creation. */
  readonly to: string | null;
  readonly value: bigint;
  readonly input: string;
  readonly nonce: number;
  readonly gasPrice: bigint;
}

export interface ChainReceipt {
  readonly succeeded: boolean;
  readonly gasUsed: number;
  readonly contractAddress: string | null;
  readonly logs: readonly Log[];
  /** What each unit of gas cost (wei): the fee is gasUsed × this. */
  readonly effectiveGasPrice: bigint;
}

/** A block as the node hashed it: every header field (hex, as JSON-RPC gives them) and its transactions in full. */
export interface RawBlockCopy extends RpcHeader {
  readonly transactions: readonly (RpcTransaction & { readonly from: string })[];
}

type Hex = string;
interface RawBlock {
  number: Hex;
  hash: Hex;
  parentHash: Hex;
  timestamp: Hex;
  gasUsed: Hex;
  gasLimit: Hex;
  miner: Hex;
  transactions: (Hex | RawTransaction)[];
}
interface RawTransaction {
  hash: Hex;
  blockNumber: Hex | null;
  from: Hex;
  to: Hex | null;
  value: Hex;
  input: Hex;
  nonce: Hex;
  gasPrice?: Hex;
}
interface RawReceipt {
  status: Hex;
  gasUsed: Hex;
  contractAddress: Hex | null;
  logs: Log[];
  effectiveGasPrice?: Hex;
}

const hex = (value: number) => `0x${value.toString(16)}`;
const lower = (value: string) => value.toLowerCase();

export class ChainReader {
  private readonly contract: string;

  constructor(
    private readonly sender: TransactionSender,
    private readonly codec: ContractCodec,
    contract: string,
  ) {
    this.contract = contract.toLowerCase();
  }

  /** The contract's ABI: its functions and events, for the explorer's page of the contract. */
  get abi(): ContractCodec['abi'] {
    return this.codec.abi;
  }

  /** The function of the contract a transaction calls; undefined when it is not a call of the contract's. */
  decodeCall(tx: Pick<ChainTransaction, 'to' | 'input'>): Decoded | undefined {
    return tx.to?.toLowerCase() === this.contract ? this.codec.decodeCall(tx.input) : undefined;
  }

  /** The contract's events among a receipt's logs (logs of other contracts and unknown events are left out). */
  decodeLogs(logs: readonly Log[]): DecodedEvent[] {
    return this.codec.decodeLogs(logs, this.contract);
  }

  latestBlockNumber(): Promise<number> {
    return this.sender.blockNumber();
  }

  /** A block with its transactions' hashes; undefined when the chain has no such block yet. */
  async block(blockNumber: number): Promise<Block | undefined> {
    return (await this.blockWithTransactions(blockNumber))?.block;
  }

  /** A block and its transactions in full. */
  async blockWithTransactions(blockNumber: number): Promise<{ block: Block; transactions: ChainTransaction[] } | undefined> {
    const raw = await this.sender.query<RawBlock | null>('eth_getBlockByNumber', [hex(blockNumber), true]);
    if (!raw) return undefined;
    const transactions = raw.transactions.filter((tx): tx is RawTransaction => typeof tx !== 'string').map(toTransaction);
    return {
      block: {
        number: Number(raw.number),
        hash: lower(raw.hash),
        parentHash: lower(raw.parentHash),
        timestamp: Number(raw.timestamp),
        gasUsed: Number(raw.gasUsed),
        gasLimit: Number(raw.gasLimit),
        miner: lower(raw.miner),
        transactionHashes: transactions.map(tx => tx.hash),
      },
      transactions,
    };
  }

  /** A block's header and transactions exactly as the node gives them (for the tamper lab); undefined when there is no such block. */
  async rawBlock(blockNumber: number): Promise<RawBlockCopy | undefined> {
    return (await this.sender.query<RawBlockCopy | null>('eth_getBlockByNumber', [hex(blockNumber), true])) ?? undefined;
  }

  /** The number of the block with this hash; undefined when the node has none. */
  async blockNumberOf(hash: string): Promise<number | undefined> {
    const raw = await this.sender.query<{ number: Hex } | null>('eth_getBlockByHash', [hash, false]);
    return raw ? Number(raw.number) : undefined;
  }

  /** An account's balance (wei), code (0x for a person's account) and how many transactions it has sent. */
  async account(address: string): Promise<{ balance: bigint; code: string; sent: number }> {
    const [balance, code, sent] = await Promise.all([
      this.sender.query<Hex>('eth_getBalance', [address, 'latest']),
      this.sender.query<Hex>('eth_getCode', [address, 'latest']),
      this.sender.query<Hex>('eth_getTransactionCount', [address, 'latest']),
    ]);
    return { balance: BigInt(balance), code, sent: Number(sent) };
  }

  /** A mined transaction and its receipt; undefined when the node knows no mined transaction by that hash. */
  async transaction(hash: string): Promise<{ transaction: ChainTransaction; receipt: ChainReceipt } | undefined> {
    const [raw, receipt] = await Promise.all([
      this.sender.query<RawTransaction | null>('eth_getTransactionByHash', [hash]),
      this.sender.query<RawReceipt | null>('eth_getTransactionReceipt', [hash]),
    ]);
    if (!raw || !receipt || raw.blockNumber === null) return undefined;
    return {
      transaction: toTransaction(raw),
      receipt: {
        succeeded: Number(receipt.status) === 1,
        gasUsed: Number(receipt.gasUsed),
        contractAddress: receipt.contractAddress ? lower(receipt.contractAddress) : null,
        logs: receipt.logs,
        effectiveGasPrice: BigInt(receipt.effectiveGasPrice ?? raw.gasPrice ?? '0x0'),
      },
    };
  }
}

function toTransaction(raw: RawTransaction): ChainTransaction {
  return {
    hash: lower(raw.hash),
    blockNumber: Number(raw.blockNumber),
    from: lower(raw.from),
    to: raw.to ? lower(raw.to) : null,
    value: BigInt(raw.value),
    input: raw.input,
    nonce: Number(raw.nonce),
    gasPrice: BigInt(raw.gasPrice ?? '0x0'),
  };
}
