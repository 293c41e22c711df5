/**
 * Encrypted bodies of reports and prescriptions, keyed by their commitment. A body is stored as
 * pending before its transaction is sent and confirmed with the transaction's hash and block
 * after, so a crash in between leaves a row to reconcile, never a lost or half-shown record.
 */
import type { Db } from './database';

export type BodyKind = 'report' | 'prescription';
export type BodyStatus = 'pending' | 'confirmed' | 'failed';

export interface BodyRow {
  readonly commitment: string;
  readonly kind: BodyKind;
  readonly author: string;
  readonly envelope: string;
  readonly status: BodyStatus;
  /** Where the body's commitment was written, once confirmed. */
  readonly transactionHash: string | null;
  readonly blockNumber: number | null;
}

const COLUMNS = 'commitment, kind, author, envelope, status, tx_hash AS transactionHash, block_number AS blockNumber';

export function createBodyRepository(db: Db) {
  const insert = db.prepare(`
    INSERT INTO bodies (commitment, kind, author, envelope, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)`);
  const confirm = db.prepare(`UPDATE bodies SET status = 'confirmed', tx_hash = ?, block_number = ? WHERE commitment = ?`);
  const discard = db.prepare(`DELETE FROM bodies WHERE commitment = ? AND status = 'pending'`);
  const failedOf = db.prepare<[BodyKind, string], BodyRow & { createdAt: number }>(`
    SELECT ${COLUMNS}, created_at AS createdAt FROM bodies
    WHERE status = 'failed' AND kind = ? AND author = ? ORDER BY created_at DESC, commitment`);
  const get = db.prepare<[string], BodyRow>(`SELECT ${COLUMNS} FROM bodies WHERE commitment = ?`);
  return {
    insertPending(commitment: string, kind: BodyKind, author: string, envelope: string): void {
      insert.run(commitment, kind, author, envelope, Date.now());
    },
    confirm(commitment: string, transactionHash: string, blockNumber: number): void {
      confirm.run(transactionHash, blockNumber, commitment);
    },
    /** A write that certainly never reached the ledger: its pending body goes, as if never typed. */
    discard: (commitment: string) => void discard.run(commitment),
    /** The author's bodies whose write was lost (a crash before the ledger had it), newest first. */
    failedOf: (kind: BodyKind, author: string) => failedOf.all(kind, author.toLowerCase()),
    get: (commitment: string) => get.get(commitment),
    getMany(commitments: readonly string[]): Map<string, BodyRow> {
      if (commitments.length === 0) return new Map();
      const rows = db
        .prepare<string[], BodyRow>(`SELECT ${COLUMNS} FROM bodies WHERE commitment IN (${commitments.map(() => '?').join(',')})`)
        .all(...commitments);
      return new Map(rows.map(row => [row.commitment, row]));
    },
  };
}

export type BodyRepository = ReturnType<typeof createBodyRepository>;
