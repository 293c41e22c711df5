/**
 * The explorer, for every signed-in role: the chain's blocks, newest first, each with its hash
 * link to the block before checked and a line saying what its transactions did; one block; one
 * transaction decoded with the contract's ABI; one account; the contract itself; a search box.
 * And the panel each write's next page shows ("what just happened on the ledger").
 *
 * Addresses are named as the reader may see them (see names.ts): the admin sees people, others
 * see roles, organisations and their own account marked "you".
 */
import { utils } from 'web3';
import { NotFound } from '../../domain/errors';
import type { Ledger } from '../../ledger';
import type { Block, ChainReceipt, ChainTransaction } from '../../ledger/chain';
import type { ActStore, ReadModel } from '../../store/ports';
import type { AccountName, Names, Viewer } from './names';
import { ether, summarise } from './summary';

export const BLOCKS_PER_PAGE = 20;
/** The newest transactions an account's page lists. */
export const ACCOUNT_TRANSACTIONS = 25;

/** Whether a block's parent hash is the hash of the block before it. */
export type HashLink = 'linked' | 'broken' | 'genesis';

export interface BlockRow extends Block {
  readonly link: HashLink;
  /** What each of its transactions did, in order. */
  readonly what: readonly { readonly hash: string; readonly what: string }[];
}

export interface TransactionRow {
  readonly hash: string;
  readonly from: Party;
  readonly to: Party | null;
  /** What it did, in a line. */
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
  /** The explorer's page for it (an account). */
  readonly href?: string;
  /** Text (a string argument): the panel shows its length, never the text. */
  readonly text?: boolean;
}

export interface Decoded {
  readonly name: string;
  readonly args: readonly Value[];
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
  /** gasUsed × the price each unit of gas cost, in ETH. */
  readonly feeEther: string;
  readonly call: Decoded | undefined;
  /** The function called, a transfer of ether, or a contract creation. */
  readonly function: string;
  /** What it did, in a line. */
  readonly what: string;
  readonly events: readonly Decoded[];
}

const GWEI = 10n ** 9n;
const gwei = (wei: bigint) => {
  const whole = wei / GWEI;
  const fraction = (wei % GWEI).toString().padStart(9, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
};
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;
const HEX = /^0x[0-9a-fA-F]*$/;

function linkOf(block: Block, before: Block | undefined): HashLink {
  if (block.number === 0) return 'genesis';
  return before && before.hash === block.parentHash ? 'linked' : 'broken';
}

export interface ExplorerDeps {
  readonly ledger: Ledger;
  readonly names: Names;
  readonly readModel: ReadModel;
  readonly acts: ActStore;
}

export function createExplorerService({ ledger, names, readModel, acts }: ExplorerDeps) {
  const { chain } = ledger;
  const contract = ledger.deployment.address.toLowerCase();

  function party(address: string, known: Map<string, AccountName>): Party {
    return { address, name: known.get(address) };
  }

  function functionOf(tx: ChainTransaction): string {
    if (tx.to === null) return 'contract creation';
    if (tx.to === contract) return chain.decodeCall(tx)?.name ?? 'unknown call';
    return tx.value > 0n ? `transfer of ${ether(tx.value)} ETH` : 'transaction';
  }

  /** Arguments shown as text, with the account or organisation they refer to. */
  function values(args: Readonly<Record<string, unknown>>, known: Map<string, AccountName>, organisations: Map<number, string>): Value[] {
    return Object.entries(args).map(([name, raw]): Value => {
      if (Array.isArray(raw)) {
        const items = raw.map(item => String(item));
        const note = /hospital|organisation/i.test(name) ? items.map(id => organisations.get(Number(id)) ?? 'unknown organisation').join(', ') : undefined;
        return { name, value: `[${items.join(', ')}]`, note };
      }
      const value = String(raw);
      if (ADDRESS.test(value)) {
        const address = value.toLowerCase();
        return { name, value: address, note: known.get(address)?.name, href: `/ledger/accounts/${address}` };
      }
      if (/^(hospital|organisation|pharmacy|insurer)Id$/.test(name)) return { name, value, note: organisations.get(Number(value)) ?? 'unknown organisation' };
      // Times the contract keeps as seconds: an end of 0 is no end.
      if (/^(until|start|end|createdAt|accessedAt)$/.test(name) && /^[0-9]+$/.test(value)) {
        return { name, value, note: value === '0' ? (name === 'until' ? 'no end' : undefined) : `${new Date(Number(value) * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC` };
      }
      if (typeof raw === 'string' && !HEX.test(raw)) return { name, value, text: true };
      return { name, value };
    });
  }

  /** The addresses among a call's and its events' arguments. */
  const addressesIn = (...items: readonly ({ args: Readonly<Record<string, unknown>> } | undefined)[]) =>
    items.flatMap(item => Object.values(item?.args ?? {}).map(String)).filter(value => ADDRESS.test(value));

  /** What a mined transaction did, in a line (its receipt read for the events). */
  async function whatOf(tx: ChainTransaction, organisations: Map<number, string>, receipt?: ChainReceipt): Promise<string> {
    const toContract = tx.to === contract;
    const found = toContract && !receipt ? (await chain.transaction(tx.hash))?.receipt : receipt;
    return summarise(
      { to: tx.to, value: tx.value, succeeded: found?.succeeded ?? true, call: chain.decodeCall(tx), events: found ? chain.decodeLogs(found.logs) : [], toContract },
      organisations,
    );
  }

  async function transaction(hash: string, viewer: Viewer): Promise<TransactionPage> {
    const found = await chain.transaction(hash);
    if (!found) throw new NotFound('transaction');
    const { transaction: tx, receipt } = found;
    const call = chain.decodeCall(tx);
    const events = chain.decodeLogs(receipt.logs);
    const [known, organisations, block] = await Promise.all([
      names.accounts([tx.from, tx.to, ...addressesIn(call, ...events)], viewer),
      names.organisations(),
      chain.block(tx.blockNumber),
    ]);
    return {
      hash: tx.hash,
      blockNumber: tx.blockNumber,
      timestamp: block?.timestamp ?? 0,
      from: party(tx.from, known),
      to: tx.to === null ? null : party(tx.to, known),
      nonce: tx.nonce,
      valueEther: ether(tx.value),
      succeeded: receipt.succeeded,
      gasUsed: receipt.gasUsed,
      gasPriceGwei: gwei(receipt.effectiveGasPrice),
      feeEther: ether(BigInt(receipt.gasUsed) * receipt.effectiveGasPrice),
      call: call && { name: call.name, args: values(call.args, known, organisations) },
      function: functionOf(tx),
      what: await whatOf(tx, organisations, receipt),
      events: events.map(event => ({ name: event.name, args: values(event.args, known, organisations) })),
    };
  }

  return {
    /** Who a session's user is to the explorer (see names.ts). */
    viewer: names.viewer,

    /** A page of blocks below `before` (the newest when undefined), newest first. */
    async recentBlocks(before?: number) {
      const latest = await chain.latestBlockNumber();
      const top = Math.min(latest, (before ?? latest + 1) - 1);
      const bottom = Math.max(0, top - BLOCKS_PER_PAGE + 1);
      // One block more than shown, to check the hash link of the lowest one.
      const numbers = Array.from({ length: Math.max(0, top - bottom + 2) }, (_, i) => top - i).filter(n => n >= 0);
      const [full, organisations] = await Promise.all([Promise.all(numbers.map(n => chain.blockWithTransactions(n))), names.organisations()]);
      const found = new Map(full.filter(entry => entry !== undefined).map(entry => [entry.block.number, entry]));
      const rows: BlockRow[] = [];
      for (const n of numbers.filter(number => number >= bottom)) {
        const entry = found.get(n);
        if (!entry) continue;
        const what = await Promise.all(entry.transactions.map(async tx => ({ hash: tx.hash, what: await whatOf(tx, organisations) })));
        rows.push({ ...entry.block, link: linkOf(entry.block, found.get(n - 1)?.block), what });
      }
      return {
        latest,
        blocks: rows,
        newer: top < latest ? Math.min(latest + 1, top + 1 + BLOCKS_PER_PAGE) : undefined,
        older: bottom > 0 ? bottom : undefined,
      };
    },

    async block(blockNumber: number, viewer: Viewer) {
      const [found, before, latest, organisations] = await Promise.all([
        chain.blockWithTransactions(blockNumber),
        blockNumber > 0 ? chain.block(blockNumber - 1) : undefined,
        chain.latestBlockNumber(),
        names.organisations(),
      ]);
      if (!found) throw new NotFound('block');
      const known = await names.accounts(found.transactions.flatMap(tx => [tx.from, tx.to]), viewer);
      const transactions: TransactionRow[] = await Promise.all(
        found.transactions.map(async tx => ({
          hash: tx.hash,
          from: party(tx.from, known),
          to: tx.to === null ? null : party(tx.to, known),
          what: await whatOf(tx, organisations),
        })),
      );
      return { block: { ...found.block, link: linkOf(found.block, before) }, transactions, latest };
    },

    transaction,

    /**
     * What a write's next page shows: the function, its arguments and the events (text
     * arguments as their length only: the panel says what the ledger holds by id and hash),
     * gas, fee, block. undefined when the node no longer knows the transaction.
     */
    async panel(hash: string, viewer: Viewer): Promise<TransactionPage | undefined> {
      try {
        return await transaction(hash, viewer);
      } catch (error) {
        if (error instanceof NotFound) return undefined;
        throw error;
      }
    },

    /**
     * Where a search leads: a transaction or block hash, a block number, an address, or a
     * report (`#12`, `report 12`). NotFound when it names nothing on this ledger.
     */
    async search(query: string): Promise<string> {
      const q = query.trim();
      if (HASH.test(q)) {
        const hash = q.toLowerCase();
        if (await chain.transaction(hash)) return `/ledger/tx/${hash}`;
        const block = await chain.blockNumberOf(hash);
        if (block !== undefined) return `/ledger/blocks/${block}`;
        throw new NotFound('transaction or block with that hash');
      }
      if (ADDRESS.test(q)) return `/ledger/accounts/${q.toLowerCase()}`;
      if (/^[0-9]{1,15}$/.test(q)) {
        if (Number(q) <= (await chain.latestBlockNumber())) return `/ledger/blocks/${Number(q)}`;
        throw new NotFound('block with that number');
      }
      const report = /^(?:#|report\s*#?\s*)([0-9]{1,15})$/i.exec(q);
      if (report) {
        const row = await readModel.report(Number(report[1]));
        if (row) return `/ledger/tx/${row.transactionHash}`;
        throw new NotFound('report with that id');
      }
      throw new NotFound('block, transaction, account or report by that name');
    },

    /** One account: who it is (as the viewer may see), its balance, and the transactions it sent. */
    async account(address: string, viewer: Viewer) {
      const at = address.toLowerCase();
      const [state, known, organisations] = await Promise.all([chain.account(at), names.accounts([at], viewer), names.organisations()]);
      const actor = at === ledger.admin.address.toLowerCase() ? 'admin' : at;
      // The acts the read model keeps of this account, one row per event: a transaction once.
      const rows = await acts.find({ actor }, 'time', true, { limit: ACCOUNT_TRANSACTIONS * 4, offset: 0 });
      const hashes = [...new Set(rows.map(row => row.transactionHash))].slice(0, ACCOUNT_TRANSACTIONS);
      const transactions = (
        await Promise.all(
          hashes.map(async hash => {
            const found = await chain.transaction(hash);
            return found && { hash, blockNumber: found.transaction.blockNumber, what: await whatOf(found.transaction, organisations, found.receipt) };
          }),
        )
      ).filter(tx => tx !== undefined);
      return {
        address: at,
        name: known.get(at),
        isContract: state.code !== '0x',
        balanceEther: ether(state.balance),
        sent: state.sent,
        transactions,
      };
    },

    /** The contract: where it is, its code's hash, where it was deployed, what it can be asked and what it tells. */
    async contract() {
      const state = await chain.account(contract);
      const abi = chain.abi;
      const signature = (fragment: (typeof abi)[number]) =>
        `${fragment.name ?? ''}(${(fragment.inputs ?? []).map(input => `${input.type}${input.indexed ? ' indexed' : ''} ${input.name}`.trim()).join(', ')})`;
      const functions = abi
        .filter(fragment => fragment.type === 'function')
        .map(fragment => ({ signature: signature(fragment), writes: !['view', 'pure'].includes(fragment.stateMutability ?? '') }))
        .sort((a, b) => Number(b.writes) - Number(a.writes) || a.signature.localeCompare(b.signature));
      const events = abi.filter(fragment => fragment.type === 'event').map(signature).sort();
      return {
        address: contract,
        version: ledger.deployment.version,
        codeHash: utils.keccak256(state.code),
        codeBytes: (state.code.length - 2) / 2,
        balanceEther: ether(state.balance),
        deployment: { transactionHash: ledger.deployment.transactionHash, blockNumber: ledger.deployment.blockNumber },
        formerContracts: ledger.deployment.formerContracts,
        functions,
        events,
      };
    },
  };
}

export type ExplorerService = ReturnType<typeof createExplorerService>;
