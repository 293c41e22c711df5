/**
 * Alters a stored report body the way an attacker with the database would, for a class to watch
 * the ledger catch it: one byte of the ciphertext is flipped, the commitment on the ledger is
 * untouched, so the next page that shows the report marks it Tampered and withholds it.
 *
 * The original envelope is kept in the `settings` table (key `tamper.original.<commitment>`), so
 * `restoreReport` puts back exactly what was there and the report is Verified again.
 *
 * A report's attached file is tampered with the same way (`tamperWithFile`): one byte of its
 * sealed bytes flipped, so its hash no longer matches the one its body lists, and `/files/:id`
 * withholds it; flipping it again restores it.
 */
import { commitment as commitmentOf } from '../../crypto/envelope';
import { HEADER_BYTES } from '../../crypto/file-envelope';
import type { Store } from '../../store/ports';

type TamperStore = Pick<Store, 'readModel' | 'bodies' | 'settings' | 'transaction'>;

/** The report id is not a report of this data set, or its body is not stored here. */
export class TamperError extends Error {
  override readonly name = 'TamperError';
}

export interface TamperResult {
  readonly commitment: string;
  /** The stored body already differed from its commitment: nothing was changed. */
  readonly alreadyTampered: boolean;
}

export interface RestoreResult {
  readonly commitment: string;
  /** False when the stored body already matched its commitment: nothing was changed. */
  readonly restored: boolean;
}

const originalKey = (commitment: string) => `tamper.original.${commitment}`;

/** Flips the first byte of an envelope's ciphertext (its fourth dot-separated part); flipping twice restores it. */
function flipFirstByte(envelope: string): string {
  const parts = envelope.split('.');
  const ciphertext = Buffer.from(parts[3] ?? '', 'base64url');
  if (ciphertext.length === 0) throw new TamperError('the stored body is not an envelope this command knows');
  ciphertext[0] ^= 0x01;
  parts[3] = ciphertext.toString('base64url');
  return parts.join('.');
}

async function storedBody(store: TamperStore, reportId: number): Promise<{ commitment: string; envelope: string }> {
  const report = await store.readModel.report(reportId);
  if (!report) throw new TamperError(`there is no report ${reportId} in this data set`);
  const body = await store.bodies.get(report.commitment);
  if (!body) throw new TamperError(`report ${reportId} has no stored body here (it is Missing already)`);
  return { commitment: report.commitment, envelope: body.envelope };
}

const matches = (envelope: string, commitment: string) => commitmentOf(envelope) === commitment.toLowerCase();

export function tamperWithReport(store: TamperStore, reportId: number): Promise<TamperResult> {
  return store.transaction(async (): Promise<TamperResult> => {
    const { commitment, envelope } = await storedBody(store, reportId);
    if (!matches(envelope, commitment)) return { commitment, alreadyTampered: true };
    await store.settings.set(originalKey(commitment), envelope);
    await store.bodies.replaceEnvelope(commitment, flipFirstByte(envelope));
    return { commitment, alreadyTampered: false };
  });
}

/**
 * Puts back the body as it was before `tamperWithReport`: the kept original, or, for a body
 * altered by an earlier version of this command (which kept nothing), the flipped byte flipped
 * back when that gives the committed body.
 */
export function restoreReport(store: TamperStore, reportId: number): Promise<RestoreResult> {
  return store.transaction(async (): Promise<RestoreResult> => {
    const { commitment, envelope } = await storedBody(store, reportId);
    const key = originalKey(commitment);
    if (matches(envelope, commitment)) {
      await store.settings.delete(key);
      return { commitment, restored: false };
    }
    const kept = await store.settings.get(key);
    const original = kept !== undefined && matches(kept, commitment) ? kept : flipFirstByte(envelope);
    if (!matches(original, commitment)) {
      throw new TamperError(`report ${reportId}'s stored body was altered by something other than this command; its original is not known here`);
    }
    await store.bodies.replaceEnvelope(commitment, original);
    await store.settings.delete(key);
    return { commitment, restored: true };
  });
}

// ─── Files ───────────────────────────────────────────────────────────────────────────────────

type FileTamperStore = Pick<Store, 'files' | 'blobs' | 'settings'>;

/** The byte flipped: the first of the ciphertext, after the sealed file's header (see crypto/file-envelope). */
const FLIPPED_FILE_BYTE = HEADER_BYTES;
const flippedFileKey = (fileId: string) => `tamper.file.${fileId}`;

export interface FileTamperResult {
  readonly fileId: string;
  /** Already flipped by this command (tamper), or not flipped (undo): nothing was changed. */
  readonly unchanged: boolean;
}

/** The first file (by id) the report's own body lists, as the read model places it. */
async function firstFileOf(store: FileTamperStore, reportId: number): Promise<string> {
  const file = (await store.files.placed()).find(row => row.place?.reportId === reportId && row.place.index === undefined);
  if (!file) throw new TamperError(`report ${reportId} has no attached file in this data set`);
  return file.id;
}

/** Flips one byte of a stored file's sealed bytes (the blob is rewritten whole: a tool's, not a page's, work). */
async function flipFile(store: FileTamperStore, fileId: string): Promise<void> {
  const chunks = await store.blobs.get(fileId);
  if (!chunks) throw new TamperError(`the file ${fileId} is not stored here (it is Missing already)`);
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  const sealed = Buffer.concat(parts);
  if (sealed.length <= FLIPPED_FILE_BYTE) throw new TamperError(`the file ${fileId} is not a sealed file this command knows`);
  sealed[FLIPPED_FILE_BYTE] ^= 0x01;
  await store.blobs.remove([fileId]);
  await store.blobs.put(fileId, (async function* () {
    yield sealed;
  })());
}

/** Flips one byte of the report's first attached file; the report's page then shows it withheld. */
export async function tamperWithFile(store: FileTamperStore, reportId: number): Promise<FileTamperResult> {
  const fileId = await firstFileOf(store, reportId);
  if ((await store.settings.get(flippedFileKey(fileId))) !== undefined) return { fileId, unchanged: true };
  await flipFile(store, fileId);
  await store.settings.set(flippedFileKey(fileId), String(FLIPPED_FILE_BYTE));
  return { fileId, unchanged: false };
}

/** Flips back the byte `tamperWithFile` flipped. */
export async function restoreFile(store: FileTamperStore, reportId: number): Promise<FileTamperResult> {
  const fileId = await firstFileOf(store, reportId);
  if ((await store.settings.get(flippedFileKey(fileId))) === undefined) return { fileId, unchanged: true };
  await flipFile(store, fileId);
  await store.settings.delete(flippedFileKey(fileId));
  return { fileId, unchanged: false };
}
