/**
 * Which chain a data set belongs to. A data set's records are only meaningful on the chain that
 * holds their commitments: a classroom Ganache restarted without its database is a new chain
 * (often with the same chain id, and with the contract redeployed at the same address), on
 * which every old report would look unknown, or — worse — be "verified" against a stranger's
 * commitment. So the chain's identity is recorded with the data, in the database, and checked
 * on start and whenever the node answers again: chain id, genesis block hash, the contract's
 * address and the keccak of its deployed code.
 */
import { ConfigError } from '../config';
import { LedgerUnavailableError } from './errors';

export interface ChainIdentity {
  readonly chainId: number;
  readonly genesisHash: string;
  readonly contract: string;
  readonly codeHash: string;
  readonly deploymentTransaction: string;
  readonly deploymentBlock: number;
  /**
   * The contract's version (its `version()`, e.g. "2.0.0"), kept in step with the implementation
   * behind the proxy; undefined: the first release's contract, which the next start upgrades.
   */
  readonly version?: string;
  /** The contracts this data set lived on before (a first release's), oldest first: bodies sealed for them still open. */
  readonly formerContracts?: readonly string[];
}

/** Where the identity is kept: the store's settings (the ledger itself never imports store/). */
export interface DeploymentRecord {
  load(): Promise<ChainIdentity | undefined>;
  /**
   * Records the identity. `contractChanged`: the data set moved to another contract (the upgrade
   * from the first release), so the read model is emptied in the same unit of work, to be
   * rebuilt from the new contract's first block.
   */
  save(identity: ChainIdentity, options?: { readonly contractChanged?: boolean }): Promise<void>;
}

/** What the node says it is now. */
export interface ObservedChain {
  readonly chainId: number;
  readonly genesisHash: string;
  /** keccak256 of the code at the recorded contract address ('0x' code hashes too). */
  readonly codeHash: string;
}

/** Why `observed` is not the chain of `recorded`, in one sentence; undefined when it is. */
export function chainMismatch(recorded: ChainIdentity, observed: ObservedChain): string | undefined {
  if (observed.chainId !== recorded.chainId) return `its chain id is ${observed.chainId}, not ${recorded.chainId}`;
  if (observed.genesisHash.toLowerCase() !== recorded.genesisHash.toLowerCase()) {
    return `its genesis block is ${observed.genesisHash}, not ${recorded.genesisHash}`;
  }
  if (observed.codeHash.toLowerCase() !== recorded.codeHash.toLowerCase()) return `the code at ${recorded.contract} is not the contract this data was recorded with`;
  return undefined;
}

/**
 * The node is another chain than the one this data was recorded on. A 503 on every page (it is
 * an outage of the right chain), and never "Verified"; at start, a refusal.
 */
export class WrongChainError extends LedgerUnavailableError {
  override readonly name = 'WrongChainError';
  constructor(
    readonly recorded: ChainIdentity,
    readonly observed: ObservedChain,
    readonly node: string,
  ) {
    super(`the node at ${node} is not the chain this data was recorded on: ${chainMismatch(recorded, observed) ?? 'it differs'}`, { notSent: true });
  }

  /** What an operator reads at `npm start`: both genesis hashes and the two ways out. */
  advice(): string {
    return [
      `the node at ${this.node} is not the chain this data set was recorded on (${chainMismatch(this.recorded, this.observed)}).`,
      `  recorded: chain ${this.recorded.chainId}, genesis ${this.recorded.genesisHash}, contract ${this.recorded.contract}`,
      `  node:     chain ${this.observed.chainId}, genesis ${this.observed.genesisHash}`,
      'Either point RPC_URL at the node that holds this data (a Ganache restarted without its database is a new chain),',
      'or start with a new DATA_DIR to begin a new data set on this node.',
    ].join('\n');
  }

  /** The same as a start-up refusal. */
  toConfigError(): ConfigError {
    return new ConfigError(this.advice());
  }

  toJSON() {
    return {
      status: 'wrong-chain',
      recorded: { chainId: this.recorded.chainId, genesisHash: this.recorded.genesisHash, contract: this.recorded.contract },
      node: { chainId: this.observed.chainId, genesisHash: this.observed.genesisHash },
    };
  }
}
