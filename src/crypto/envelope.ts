/**
 * Envelope encryption with AES-256-GCM.
 *
 * An envelope is a string `<version>.<iv>.<tag>.<ciphertext>` (base64url parts). The associated
 * data (`aad`) binds an envelope to what it belongs to — a private key to its address, a record
 * body to its owner and record — so a row copied onto another row fails to decrypt instead of
 * being believed. The version names which binding the sealer used (the cipher is the same): `v1`
 * the first release's, `v2` a fuller one (see the record vault). A reader picks the associated
 * data by the version; changing the marker gains nothing, since the data then differs and the
 * tag no longer matches.
 *
 * The commitment of an envelope, the keccak256 of its UTF-8 bytes, is what the ledger keeps.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { keccak256 } from './keccak-secp256k1';

export const ENVELOPE_VERSIONS = ['v1', 'v2'] as const;
export type EnvelopeVersion = (typeof ENVELOPE_VERSIONS)[number];
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

/** The version marker of an envelope, or undefined when it is not one. */
export function envelopeVersion(envelope: string): EnvelopeVersion | undefined {
  const marker = envelope.slice(0, envelope.indexOf('.'));
  return ENVELOPE_VERSIONS.find(version => version === marker);
}

export function seal(key: Buffer, plaintext: string | Buffer, aad: string, version: EnvelopeVersion = 'v1'): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [version, iv, cipher.getAuthTag(), ciphertext].map(part => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

export function open(key: Buffer, envelope: string, aad: string): Buffer {
  const parts = envelope.split('.');
  if (parts.length !== 4 || envelopeVersion(envelope) === undefined) throw new DecryptionError('not an envelope');
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
  return keccak256(Buffer.from(envelope, 'utf8'));
}
