/**
 * A block's hash computed from its parts, as a node computes it: the keccak256 of the RLP of its
 * header, whose `transactionsRoot` is the root of a Merkle-Patricia trie of its transactions
 * (keyed by their RLP-encoded index). The tamper lab recomputes these over an edited copy of a
 * block; the tests check them against the node for unchanged blocks.
 *
 * Written here rather than taken from @ethereumjs/trie: the app needs only the root of a trie
 * built once from a handful of entries (no database, no proofs), about a hundred lines, and the
 * ethereumjs packages in node_modules are other packages' dependencies at versions we do not choose.
 */
import { data, keccak, quantity, rlp, type RlpItem } from './rlp';

export { keccak, quantity, rlp } from './rlp';

// ─── Merkle-Patricia trie root ───────────────────────────────────────────────────────────────

interface Entry {
  readonly nibbles: readonly number[];
  readonly value: Uint8Array;
}

const nibblesOf = (key: Uint8Array): number[] => [...key].flatMap(byte => [byte >> 4, byte & 0x0f]);

/** The hex-prefix encoding of a path (Yellow Paper, appendix C): its oddness and whether it ends in a leaf. */
function hexPrefix(path: readonly number[], leaf: boolean): Uint8Array {
  const flag = (leaf ? 2 : 0) + (path.length % 2);
  const nibbles = path.length % 2 ? [flag, ...path] : [flag, 0, ...path];
  return Uint8Array.from({ length: nibbles.length / 2 }, (_, i) => (nibbles[2 * i] << 4) | nibbles[2 * i + 1]);
}

/** A child as its parent holds it: the node itself when its RLP is under 32 bytes, else its hash. */
function reference(node: RlpItem): RlpItem {
  const encoded = rlp(node);
  return encoded.length < 32 ? node : data(keccak(encoded));
}

function build(entries: readonly Entry[], depth: number): RlpItem {
  if (entries.length === 1) return [hexPrefix(entries[0].nibbles.slice(depth), true), entries[0].value];
  // The longest path all entries share below this depth becomes an extension node.
  let shared = 0;
  const [first] = entries;
  while (
    depth + shared < first.nibbles.length &&
    entries.every(entry => entry.nibbles.length > depth + shared && entry.nibbles[depth + shared] === first.nibbles[depth + shared])
  ) {
    shared++;
  }
  if (shared > 0) return [hexPrefix(first.nibbles.slice(depth, depth + shared), false), reference(build(entries, depth + shared))];
  const branch: RlpItem[] = Array.from({ length: 17 }, () => new Uint8Array());
  for (let nibble = 0; nibble < 16; nibble++) {
    const below = entries.filter(entry => entry.nibbles.length > depth && entry.nibbles[depth] === nibble);
    if (below.length) branch[nibble] = reference(build(below, depth + 1));
  }
  const ending = entries.find(entry => entry.nibbles.length === depth);
  if (ending) branch[16] = ending.value;
  return branch;
}

/** The root hash of the trie holding `entries` (distinct keys). */
export function trieRoot(entries: readonly { readonly key: Uint8Array; readonly value: Uint8Array }[]): string {
  if (entries.length === 0) return keccak(rlp(new Uint8Array()));
  return keccak(rlp(build(entries.map(({ key, value }) => ({ nibbles: nibblesOf(key), value })), 0)));
}

/** The root of a block's transactions (or receipts, withdrawals): item i under the key RLP(i). */
export function orderedTrieRoot(items: readonly Uint8Array[]): string {
  return trieRoot(items.map((value, i) => ({ key: rlp(quantity(i)), value })));
}

// ─── Transactions and headers, as JSON-RPC gives them ────────────────────────────────────────

export interface RpcTransaction {
  readonly type?: string;
  readonly hash: string;
  readonly chainId?: string;
  readonly nonce: string;
  readonly gasPrice?: string;
  readonly maxPriorityFeePerGas?: string;
  readonly maxFeePerGas?: string;
  readonly gas: string;
  readonly to: string | null;
  readonly value: string;
  readonly input: string;
  readonly accessList?: readonly { readonly address: string; readonly storageKeys: readonly string[] }[];
  readonly v: string;
  readonly r: string;
  readonly s: string;
}

/** The header fields a Shanghai block hashes, in order (withdrawalsRoot only when present). */
export const HEADER_FIELDS = [
  'parentHash', 'sha3Uncles', 'miner', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'difficulty', 'number',
  'gasLimit', 'gasUsed', 'timestamp', 'extraData', 'mixHash', 'nonce', 'baseFeePerGas', 'withdrawalsRoot',
] as const;
export type HeaderField = (typeof HEADER_FIELDS)[number];
export type RpcHeader = { readonly [K in HeaderField]?: string } & { readonly hash: string };

const QUANTITIES: ReadonlySet<HeaderField> = new Set(['difficulty', 'number', 'gasLimit', 'gasUsed', 'timestamp', 'baseFeePerGas']);

/** A transaction's bytes as the trie and its hash see them: RLP for a legacy one, type byte ‖ RLP for a typed one. */
export function encodeTransaction(tx: RpcTransaction): Uint8Array {
  const to = tx.to ? data(tx.to) : new Uint8Array();
  const accessList: RlpItem = (tx.accessList ?? []).map(entry => [data(entry.address), entry.storageKeys.map(data)]);
  const signature = [quantity(tx.v), quantity(tx.r), quantity(tx.s)];
  const type = Number(tx.type ?? '0x0');
  if (type === 0) {
    return rlp([quantity(tx.nonce), quantity(tx.gasPrice ?? '0x0'), quantity(tx.gas), to, quantity(tx.value), data(tx.input), ...signature]);
  }
  const chainId = quantity(tx.chainId ?? '0x0');
  if (type === 1) {
    return Buffer.concat([Uint8Array.of(1), rlp([chainId, quantity(tx.nonce), quantity(tx.gasPrice ?? '0x0'), quantity(tx.gas), to, quantity(tx.value), data(tx.input), accessList, ...signature])]);
  }
  if (type === 2) {
    const fees = [quantity(tx.maxPriorityFeePerGas ?? '0x0'), quantity(tx.maxFeePerGas ?? '0x0')];
    return Buffer.concat([Uint8Array.of(2), rlp([chainId, quantity(tx.nonce), ...fees, quantity(tx.gas), to, quantity(tx.value), data(tx.input), accessList, ...signature])]);
  }
  throw new RangeError(`transactions of type ${type} are not known here`);
}

/** The hash of a block's header: keccak256(RLP(its fields, in order)). */
export function headerHash(header: RpcHeader): string {
  const fields = HEADER_FIELDS.filter(field => field !== 'withdrawalsRoot' || header.withdrawalsRoot !== undefined).filter(
    // Before London a header has no base fee; its absence leaves the field out.
    field => field !== 'baseFeePerGas' || header.baseFeePerGas !== undefined,
  );
  return keccak(rlp(fields.map(field => (QUANTITIES.has(field) ? quantity(header[field] ?? '0x0') : data(header[field] ?? '0x')))));
}
