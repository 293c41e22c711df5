/**
 * Envelope encryption with AES-256-GCM.
 *
 * An envelope is a string `v1.<iv>.<tag>.<ciphertext>` (base64url parts). The associated data
 * (`aad`) binds an envelope to what it belongs to — a private key to its address, a record body
 * to its owner — so a row copied onto another row fails to decrypt instead of being believed.
 *
 * The commitment of an envelope, the keccak256 of its UTF-8 bytes, is what the ledger keeps.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { utils } from 'web3';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** An envelope that does not decrypt: wrong key, altered bytes, or the wrong owner. */
export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
}

/** A 32-byte key for one purpose, derived from the master key (HKDF-SHA256). */
export function deriveKey(masterKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `ehr-ledger/${purpose}`, 32));
}

export function seal(key: Buffer, plaintext: string | Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext].map(part => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

export function open(key: Buffer, envelope: string, aad: string): Buffer {
  const parts = envelope.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new DecryptionError('not an envelope');
  const [iv, tag, ciphertext] = parts.slice(1).map(part => Buffer.from(part, 'base64url'));
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new DecryptionError('not an envelope');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new DecryptionError('the envelope does not decrypt under this key');
  }
}

/** The ledger's commitment to an envelope. */
export function commitment(envelope: string): string {
  return utils.keccak256(Buffer.from(envelope, 'utf8'));
}
