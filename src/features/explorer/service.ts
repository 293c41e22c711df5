/**
 * The explorer: the chain's blocks, newest first, each with its hash link to the block before
 * checked; one block with its transactions; one transaction decoded with the contract's ABI.
 * Addresses and hospital ids are shown with the names the app knows them by.
 */
import type { Ledger } from '../../ledger';
import type { Block, ChainTransaction } from '../../ledger/chain';
import { NotFound } from '../../domain/errors';
import type { AccountName, Names } from './names';

export const BLOCKS_PER_PAGE = 20;

/** Whether a block's parent hash is the hash of the block before it. */
export type HashLink = 'linked' | 'broken' | 'genesis';

export interface BlockRow extends Block {
  readonly link: HashLink;
}

export interface TransactionRow {
  readonly hash: string;
  readonly from: Party;
  readonly to: Party | null;
  /** The contract function called, a transfer of ether, or a contract creation. */
  readonly what: string;
}

export interface Party {
  readonly address: string;
  readonly name?: AccountName;
}

/** One decoded argument of a call or an event, with the name behind it when there is one. */
export interface Value {
  readonly name: string;
  readonly value: string;
  readonly note?: string;
}

export interface TransactionPage {
  readonly hash: string;
  readonly blockNumber: number;
  readonly timestamp: number;
  readonly from: Party;
  readonly to: Party | null;
  readonly nonce: number;
  readonly valueEther: string;
  readonly succeeded: boolean;
  readonly gasUsed: number;
  readonly gasPriceGwei: string;
  readonly call: { readonly name: string; readonly args: readonly Value[] } | undefined;
  readonly what: string;
  readonly events: readonly { readonly name: string; readonly args: readonly Value[] }[];
}

const ETHER = 10n ** 18n;
const GWEI = 10n ** 9n;
const formatUnits = (value: bigint, unit: bigint) => {
  const whole = value / unit;
  const fraction = (value % unit).toString().padStart(unit.toString().length - 1, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
};

function linkOf(block: Block, before: Block | undefined): HashLink {
  if (block.number === 0) return 'genesis';
  return before && before.hash === block.parentHash ? 'linked' : 'broken';
}

export function createExplorerService(ledger: Ledger, names: Names) {
  const { chain } = ledger;
  const contract = ledger.deployment.address.toLowerCase();

  function party(address: string, known: Map<string, AccountName>): Party {
    return { address, name: known.get(address) };
  }

  function describe(tx: ChainTransaction): string {
    if (tx.to === null) return 'contract creation';
    if (tx.to === contract) return chain.decodeCall(tx)?.name ?? 'unknown call';
    return tx.value > 0n ? `transfer of ${formatUnits(tx.value, ETHER)} ETH` : 'transaction';
  }

  /** Arguments shown as text, with the user, hospital or report they refer to. */
  function values(args: Readonly<Record<string, unknown>>, known: Map<string, AccountName>, hospitals: Map<number, string>): Value[] {
    return Object.entries(args).map(([name, raw]) => {
      if (Array.isArray(raw)) {
        const items = raw.map(item => String(item));
        const note = /hospital/i.test(name) ? items.map(id => hospitals.get(Number(id)) ?? 'unknown hospital').join(', ') : undefined;
        return { name, value: `[${items.join(', ')}]`, note };
      }
      const value = String(raw);
      if (/^0x[0-9a-fA-F]{40}$/.test(value)) return { name, value: value.toLowerCase(), note: known.get(value.toLowerCase())?.name };
      if (/^(hospital|organisation|pharmacy|insurer)Id$/.test(name)) return { name, value, note: hospitals.get(Number(value)) ?? 'unknown organisation' };
      return { name, value };
    });
  }

  async function blocks(numbers: readonly number[]): Promise<Map<number, Block>> {
    const found = await Promise.all(numbers.map(n => chain.block(n)));
    return new Map(found.filter((block): block is Block => block !== undefined).map(block => [block.number, block]));
  }

  return {
    /** A page of blocks below `before` (the newest when undefined), newest first. */
    async recentBlocks(before?: number) {
      const latest = await chain.latestBlockNumber();
      const top = Math.min(latest, (before ?? latest + 1) - 1);
      const bottom = Math.max(0, top - BLOCKS_PER_PAGE + 1);
      // One block more than shown, to check the hash link of the lowest one.
      const numbers = Array.from({ length: Math.max(0, top - bottom + 2) }, (_, i) => top - i).filter(n => n >= 0);
      const found = await blocks(numbers);
      const rows: BlockRow[] = numbers
        .filter(n => n >= bottom)
        .flatMap(n => {
          const block = found.get(n);
          return block ? [{ ...block, link: linkOf(block, found.get(n - 1)) }] : [];
        });
      return {
        latest,
        blocks: rows,
        newer: top < latest ? Math.min(latest + 1, top + 1 + BLOCKS_PER_PAGE) : undefined,
        older: bottom > 0 ? bottom : undefined,
      };
    },

    async block(blockNumber: number) {
      const [found, before, latest] = await Promise.all([
        chain.blockWithTransactions(blockNumber),
        blockNumber > 0 ? chain.block(blockNumber - 1) : undefined,
        chain.latestBlockNumber(),
      ]);
      if (!found) throw new NotFound('block');
      const known = await names.accounts(found.transactions.flatMap(tx => [tx.from, tx.to]));
      const transactions: TransactionRow[] = found.transactions.map(tx => ({
        hash: tx.hash,
        from: party(tx.from, known),
        to: tx.to === null ? null : party(tx.to, known),
        what: describe(tx),
      }));
      return { block: { ...found.block, link: linkOf(found.block, before) }, transactions, latest };
    },

    async transaction(hash: string): Promise<TransactionPage> {
      const found = await chain.transaction(hash);
      if (!found) throw new NotFound('transaction');
      const { transaction: tx, receipt } = found;
      const call = chain.decodeCall(tx);
      const events = chain.decodeLogs(receipt.logs);
      const addresses = [tx.from, tx.to, ...[call, ...events].flatMap(item => Object.values(item?.args ?? {}).map(String))];
      const [known, hospitals, block] = await Promise.all([
        names.accounts(addresses.filter(value => value !== null && /^0x[0-9a-fA-F]{40}$/.test(value))),
        names.hospitals(),
        chain.block(tx.blockNumber),
      ]);
      return {
        hash: tx.hash,
        blockNumber: tx.blockNumber,
        timestamp: block?.timestamp ?? 0,
        from: party(tx.from, known),
        to: tx.to === null ? null : party(tx.to, known),
        nonce: tx.nonce,
        valueEther: formatUnits(tx.value, ETHER),
        succeeded: receipt.succeeded,
        gasUsed: receipt.gasUsed,
        gasPriceGwei: formatUnits(tx.gasPrice, GWEI),
        call: call && { name: call.name, args: values(call.args, known, hospitals) },
        what: describe(tx),
        events: events.map(event => ({ name: event.name, args: values(event.args, known, hospitals) })),
      };
    },
  };
}

export type ExplorerService = ReturnType<typeof createExplorerService>;
