/**
 * Alters a stored report body the way an attacker with the database would, for a class to watch
 * the ledger catch it: one byte of the ciphertext is flipped, the commitment on the ledger is
 * untouched, so the next page that shows the report marks it Tampered and withholds it.
 *
 * The original envelope is kept in the `settings` table (key `tamper.original.<commitment>`), so
 * `restoreReport` puts back exactly what was there and the report is Verified again.
 */
import { commitment as commitmentOf } from '../../crypto/envelope';
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
