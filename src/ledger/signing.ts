/**
 * Signs transactions as web3's `signTransaction` does, byte for byte (both sign
 * deterministically, RFC 6979, with a low s), in a small part of its time: web3 builds an
 * ethereumjs transaction object, validates it against a hard fork's rules and recovers the
 * sender again from the signature it has just made, about 2.5 ms of CPU a write; this is the
 * RLP of the fields, one keccak256 and one secp256k1 signature (native: ../crypto/keccak-secp256k1.ts).
 *
 * Two kinds: EIP-1559 (type 2), for a node whose blocks have a base fee (every London chain:
 * Ganache, Anvil, Hardhat, Besu, Geth), and legacy (type 0) with EIP-155 replay protection for
 * one without.
 */
import { signDigest } from '../crypto/keccak-secp256k1';
import { data, hexOf, keccak, quantity, rlp, type RlpItem } from './rlp';

interface Common {
  readonly nonce: bigint;
  readonly gasLimit: bigint;
  /** undefined: a contract creation. */
  readonly to?: string;
  readonly value?: bigint;
  readonly data?: string;
}

export interface LegacyTransaction extends Common {
  readonly gasPrice: bigint;
}

export interface FeeMarketTransaction extends Common {
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

const tail = (tx: Common): RlpItem[] => [quantity(tx.gasLimit), tx.to ? data(tx.to) : new Uint8Array(), quantity(tx.value ?? 0n), data(tx.data ?? '0x')];

const sign = (digest: string, privateKey: string) => signDigest(data(digest), data(privateKey));

/** The raw signed legacy transaction (0x hex), ready for eth_sendRawTransaction. */
export function signLegacyTransaction(tx: LegacyTransaction, chainId: bigint, privateKey: string): string {
  const fields = [quantity(tx.nonce), quantity(tx.gasPrice), ...tail(tx)];
  const signature = sign(keccak(rlp([...fields, quantity(chainId), quantity(0), quantity(0)])), privateKey);
  const v = chainId * 2n + 35n + BigInt(signature.recovery);
  return hexOf(rlp([...fields, quantity(v), quantity(signature.r), quantity(signature.s)]));
}

/** The raw signed EIP-1559 transaction (0x02 ‖ RLP, no access list), ready for eth_sendRawTransaction. */
export function signFeeMarketTransaction(tx: FeeMarketTransaction, chainId: bigint, privateKey: string): string {
  const fields = [quantity(chainId), quantity(tx.nonce), quantity(tx.maxPriorityFeePerGas), quantity(tx.maxFeePerGas), ...tail(tx), []];
  const typed = (items: RlpItem[]) => Buffer.concat([Uint8Array.of(2), rlp(items)]);
  const signature = sign(keccak(typed(fields)), privateKey);
  return hexOf(typed([...fields, quantity(signature.recovery), quantity(signature.r), quantity(signature.s)]));
}
