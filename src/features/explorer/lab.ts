/**
 * The tamper lab: "what if this block were changed?" A student edits a copy of a block's
 * transactions (who they go to, the ether they carry, their input data) or its time, and sees,
 * computed here from the copy, the transaction's hash, the block's transactions root and the
 * block's own hash change — and the next block's parent hash, which the real chain keeps,
 * stop matching it. The copy lives only in this request: the real chain is never touched.
 *
 * The block's hash is the keccak256 of its RLP header (ledger/block-hash.ts); the unchanged copy's
 * recomputed hash equals the node's, which the page says, so the student can trust the sums.
 */
import { FieldError, NotFound } from '../../domain/errors';
import type { Ledger } from '../../ledger';
import { encodeTransaction, headerHash, keccak, orderedTrieRoot, type RpcTransaction } from '../../ledger/block-hash';
import { ether } from './summary';

/** What the student typed for one transaction; a field left out keeps the real value. */
export interface TransactionEdit {
  readonly to?: string;
  /** ETH, as a decimal. */
  readonly value?: string;
  /** Hex, 0x… */
  readonly input?: string;
}

export interface BlockEdits {
  /** Seconds since 1970. */
  readonly timestamp?: string;
  readonly transactions: readonly TransactionEdit[];
}

/** One transaction's fields as the form shows them. */
export interface LabFields {
  readonly to: string;
  readonly valueEther: string;
  readonly input: string;
}

export interface LabTransaction {
  readonly index: number;
  readonly from: string;
  readonly real: LabFields & { readonly hash: string };
  readonly copy: LabFields & { readonly hash: string };
  readonly changed: boolean;
}

/** Edits that are not values of their fields, by field (`timestamp`, `to-0`, `value-0`, `input-0`…). */
export class LabEditsRefused extends FieldError {
  constructor(readonly errors: Readonly<Record<string, string>>) {
    const [field, message] = Object.entries(errors)[0];
    super(field, message);
    this.name = 'LabEditsRefused';
  }
}

/** Longest input data a copy may hold (hex digits): a contract's deployment fits several times. */
const MAX_INPUT_DIGITS = 400_000;
const WEI_PER_ETHER = 10n ** 18n;

/** "1.5" ETH → wei; undefined when it is not a decimal of at most 18 places. */
function weiOf(text: string): bigint | undefined {
  const match = /^([0-9]{1,30})(?:\.([0-9]{1,18}))?$/.exec(text.trim());
  if (!match) return undefined;
  return BigInt(match[1]) * WEI_PER_ETHER + BigInt((match[2] ?? '').padEnd(18, '0'));
}

export function createTamperLab(ledger: Ledger) {
  const { chain } = ledger;

  return {
    /**
     * The block's copy with the edits applied (none: the block as it is), and what changed.
     * FieldError for an edit that is not a value of its field (the form shows it again).
     */
    async recompute(blockNumber: number, edits: BlockEdits = { transactions: [] }) {
      const [block, next, latest] = await Promise.all([chain.rawBlock(blockNumber), chain.rawBlock(blockNumber + 1), chain.latestBlockNumber()]);
      if (!block) throw new NotFound('block');

      const errors: Record<string, string> = {};
      const timestampText = edits.timestamp?.trim();
      if (timestampText !== undefined && !/^[0-9]{1,15}$/.test(timestampText)) errors.timestamp = 'A time is a whole number of seconds since 1970.';

      const transactions: LabTransaction[] = [];
      const copies: RpcTransaction[] = [];
      for (const [index, tx] of block.transactions.entries()) {
        const edit = edits.transactions[index] ?? {};
        const real: LabFields = { to: tx.to ?? '', valueEther: ether(BigInt(tx.value)), input: tx.input };
        let to = tx.to;
        if (edit.to !== undefined) {
          const typed = edit.to.trim().toLowerCase();
          if (typed === '' && tx.to === null) to = null;
          else if (/^0x[0-9a-f]{40}$/.test(typed)) to = typed;
          else errors[`to-${index}`] = tx.to === null ? 'A contract creation goes to no one: leave it empty, or type an address (0x and 40 hex digits).' : 'An address is 0x and 40 hex digits.';
        }
        let value = tx.value;
        if (edit.value !== undefined) {
          const wei = weiOf(edit.value);
          if (wei === undefined) errors[`value-${index}`] = 'An amount of ether is a decimal number, at most 18 places after the point.';
          else value = `0x${wei.toString(16)}`;
        }
        let input = tx.input;
        if (edit.input !== undefined) {
          const typed = edit.input.trim().toLowerCase();
          if (!/^0x([0-9a-f]{2})*$/.test(typed)) errors[`input-${index}`] = 'Input data is 0x and an even number of hex digits.';
          else if (typed.length - 2 > MAX_INPUT_DIGITS) errors[`input-${index}`] = `Input data of at most ${MAX_INPUT_DIGITS / 2} bytes.`;
          else input = typed;
        }
        const copy: RpcTransaction = { ...tx, to, value, input };
        copies.push(copy);
        const copyFields: LabFields = { to: to ?? '', valueEther: ether(BigInt(value)), input };
        transactions.push({
          index,
          from: tx.from.toLowerCase(),
          real: { ...real, hash: tx.hash.toLowerCase() },
          // The copy keeps the real signature, made over the real fields: its sender can no longer be recovered.
          copy: { ...copyFields, hash: keccak(encodeTransaction(copy)) },
          changed: to !== tx.to || BigInt(value) !== BigInt(tx.value) || input.toLowerCase() !== tx.input.toLowerCase(),
        });
      }
      if (Object.keys(errors).length) throw new LabEditsRefused(errors);

      const realRoot = orderedTrieRoot(block.transactions.map(encodeTransaction));
      const copyRoot = orderedTrieRoot(copies.map(encodeTransaction));
      const timestamp = timestampText !== undefined ? `0x${BigInt(timestampText).toString(16)}` : block.timestamp;
      // Recomputed from the node's own fields: equal to the node's hash, or these sums are wrong.
      const recomputed = headerHash({ ...block, transactionsRoot: realRoot });
      const copyHash = headerHash({ ...block, transactionsRoot: copyRoot, timestamp });
      return {
        number: blockNumber,
        latest,
        real: { hash: block.hash.toLowerCase(), recomputed, transactionsRoot: (block.transactionsRoot ?? '').toLowerCase(), timestamp: Number(block.timestamp) },
        copy: { hash: copyHash, transactionsRoot: copyRoot, timestamp: Number(timestamp) },
        parentHash: (block.parentHash ?? '').toLowerCase(),
        transactions,
        changed: copyHash !== block.hash.toLowerCase(),
        next: next && { number: blockNumber + 1, parentHash: (next.parentHash ?? '').toLowerCase(), hash: next.hash.toLowerCase() },
        /** How many blocks follow this one: each would have to be rewritten to hide the change. */
        after: latest - blockNumber,
      };
    },
  };
}

export type TamperLab = ReturnType<typeof createTamperLab>;
