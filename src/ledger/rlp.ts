/**
 * Recursive Length Prefix, Ethereum's serialisation (Yellow Paper, appendix B), and the few
 * conversions around it: what a block's header, a trie node and a signed transaction are made of.
 */
import { keccak256 } from '../crypto/keccak-secp256k1';

/** An RLP item: a byte string or a list of items. */
export type RlpItem = Uint8Array | readonly RlpItem[];

const bytesOfHex = (hex: string): Uint8Array => {
  const digits = hex.startsWith('0x') ? hex.slice(2) : hex;
  return Uint8Array.from(Buffer.from(digits.length % 2 ? `0${digits}` : digits, 'hex'));
};
export const hexOf = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString('hex')}`;
export const keccak = keccak256;

/** A quantity as RLP wants it: big-endian, no leading zero bytes (zero is the empty string). */
export function quantity(value: bigint | number | string): Uint8Array {
  const n = BigInt(value);
  if (n < 0n) throw new RangeError('a quantity cannot be negative');
  return n === 0n ? new Uint8Array() : bytesOfHex(n.toString(16));
}

/** Fixed-width data (a hash, an address, a bloom, the header's 8-byte nonce) or free data (input, extraData). */
export const data = (hex: string): Uint8Array => bytesOfHex(hex);

function lengthPrefix(length: number, offset: number): Uint8Array {
  if (length < 56) return Uint8Array.of(offset + length);
  const size = quantity(length);
  return Uint8Array.of(offset + 55 + size.length, ...size);
}

export function rlp(item: RlpItem): Uint8Array {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0] < 0x80) return item;
    return Buffer.concat([lengthPrefix(item.length, 0x80), item]);
  }
  const body = Buffer.concat((item as readonly RlpItem[]).map(rlp));
  return Buffer.concat([lengthPrefix(body.length, 0xc0), body]);
}
