/**
 * Ethereum's two primitives on the hot path of every write: keccak256 (a body's commitment, a
 * transaction's digest, an address's checksum) and a secp256k1 signature with its recovery id.
 *
 * Both through the native bindings Ethereum's JavaScript tools have long used (cryptocoinjs'
 * `keccak` and `secp256k1`, libsecp256k1 itself, prebuilt for Linux, macOS and Windows, so
 * nothing is compiled at install): a signature takes about 0.04 ms against @noble/curves' 0.37,
 * a 1.4 KB commitment 0.016 ms against 0.09 (measured here). On Anvil the app's own CPU is what
 * bounds its writes (issue 20), and these were a tenth of it.
 *
 * Where a binding cannot load (a platform without a prebuild), web3's keccak256 (@noble/hashes
 * underneath) and @noble/curves, audited pure JavaScript, do the same work. Both signers take
 * their nonce by RFC 6979 and give a low s, so the bytes are the same either way
 * (test/app/signing.test.ts compares them). secp256k1's own fallback, `elliptic`, is never used.
 */
import { secp256k1 as noble } from '@noble/curves/secp256k1';
import { utils } from 'web3';

interface NativeKeccak {
  (algorithm: 'keccak256'): { update(data: Buffer): { digest(): Buffer } };
}
interface NativeSecp256k1 {
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
}

/** A module's native binding, or undefined where it does not load. */
function binding<T>(name: string): T | undefined {
  try {
    // The packages' own entry points fall back silently to JavaScript (secp256k1's to elliptic);
    // the bindings entry fails instead, so the fallback is ours.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(`${name}/bindings`) as T;
  } catch {
    return undefined;
  }
}

const nativeKeccak = binding<NativeKeccak>('keccak');
const nativeSecp256k1 = binding<NativeSecp256k1>('secp256k1');

/** Which implementation is in use: native wherever the prebuilt bindings load (signing.test.ts checks it here). */
export const CRYPTO_BACKEND = nativeKeccak && nativeSecp256k1 ? 'native' : 'javascript';

/** keccak256 of `bytes`, as 0x hex. */
export function keccak256(bytes: Uint8Array): string {
  if (!nativeKeccak) return javascript.keccak256(bytes);
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength); // it takes only Buffers
  return `0x${nativeKeccak('keccak256').update(buffer).digest().toString('hex')}`;
}

export interface RecoverableSignature {
  readonly r: bigint;
  readonly s: bigint;
  /** 0 or 1: which of the two public keys with this r the signer's is. */
  readonly recovery: number;
}

/** Signs a 32-byte digest (RFC 6979 nonce, low s, as Ethereum requires). */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array): RecoverableSignature {
  if (!nativeSecp256k1) return javascript.signDigest(digest, privateKey);
  const { signature, recid } = nativeSecp256k1.ecdsaSign(digest, privateKey);
  const hex = Buffer.from(signature.buffer, signature.byteOffset, 64).toString('hex');
  return { r: BigInt(`0x${hex.slice(0, 64)}`), s: BigInt(`0x${hex.slice(64)}`), recovery: recid };
}

/** The pure JavaScript implementations, used where a binding does not load (and by the tests, to compare). */
export const javascript = {
  keccak256: (bytes: Uint8Array): string => utils.keccak256(bytes),
  signDigest(digest: Uint8Array, privateKey: Uint8Array): RecoverableSignature {
    const signature = noble.sign(digest, privateKey, { lowS: true });
    return { r: signature.r, s: signature.s, recovery: signature.recovery };
  },
};
