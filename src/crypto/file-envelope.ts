/**
 * Attached files, sealed as a stream (AES-256-GCM), never held whole in memory:
 *
 *     "EHRF" | version 0x01 | IV (12 bytes) | ciphertext | tag (16 bytes)
 *
 * The associated data binds a sealed file to its id and uploader, so bytes moved to another
 * file's place do not open. What a record commits to is the SHA-256 of these stored bytes (in the
 * record's body, whose keccak256 is on the ledger), so a changed byte is found by hashing alone,
 * before anything is decrypted or sent.
 */
import crypto from 'node:crypto';

const MAGIC = Buffer.from('EHRF\x01', 'latin1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const HEADER_BYTES = MAGIC.length + IV_BYTES;
/** What sealing adds to a file's size. */
export const SEAL_OVERHEAD = HEADER_BYTES + TAG_BYTES;

export const fileAad = (id: string, author: string): string => `ehr-file/v1|id:${id}|author:${author.toLowerCase()}`;

/** The sealed form of `plain`, chunk by chunk. */
export async function* sealStream(key: Buffer, aad: string, plain: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  yield Buffer.concat([MAGIC, iv]);
  for await (const chunk of plain) {
    const sealed = cipher.update(chunk);
    if (sealed.length > 0) yield sealed;
  }
  const last = cipher.final();
  yield Buffer.concat([last, cipher.getAuthTag()]);
}

/**
 * The plain bytes of a sealed stream, chunk by chunk. The tag is checked at the end: a stream that
 * does not open throws after its last chunk, so callers check the stored bytes' hash first.
 */
export async function* openStream(key: Buffer, aad: string, sealed: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let header = Buffer.alloc(0);
  let decipher: crypto.DecipherGCM | undefined;
  let held = Buffer.alloc(0); // the last TAG_BYTES seen: the tag, once the stream ends
  for await (const chunk of sealed) {
    let rest: Buffer = chunk;
    if (!decipher) {
      header = Buffer.concat([header, rest]);
      if (header.length < HEADER_BYTES) continue;
      if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a sealed file');
      decipher = crypto.createDecipheriv('aes-256-gcm', key, header.subarray(MAGIC.length, HEADER_BYTES));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      rest = header.subarray(HEADER_BYTES);
    }
    const data = Buffer.concat([held, rest]);
    const cut = Math.max(0, data.length - TAG_BYTES);
    held = data.subarray(cut);
    if (cut > 0) yield decipher.update(data.subarray(0, cut));
  }
  if (!decipher || held.length < TAG_BYTES) throw new Error('a sealed file cut short');
  decipher.setAuthTag(held);
  const last = decipher.final();
  if (last.length > 0) yield last;
}

/** Passes `chunks` through, feeding `hash`. */
export async function* hashing(hash: crypto.Hash, chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    hash.update(chunk);
    yield chunk;
  }
}

/** The SHA-256 (hex) of a stream of chunks. */
export async function sha256Of(chunks: AsyncIterable<Buffer>): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}
