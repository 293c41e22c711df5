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
}

export function createBodyRepository(db: Db) {
  const insert = db.prepare(`
    INSERT INTO bodies (commitment, kind, author, envelope, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)`);
  const confirm = db.prepare(`UPDATE bodies SET status = 'confirmed', tx_hash = ?, block_number = ? WHERE commitment = ?`);
  const fail = db.prepare(`UPDATE bodies SET status = 'failed' WHERE commitment = ? AND status = 'pending'`);
  const get = db.prepare<[string], BodyRow>('SELECT commitment, kind, author, envelope, status FROM bodies WHERE commitment = ?');
  return {
    insertPending(commitment: string, kind: BodyKind, author: string, envelope: string): void {
      insert.run(commitment, kind, author, envelope, Date.now());
    },
    confirm(commitment: string, transactionHash: string, blockNumber: number): void {
      confirm.run(transactionHash, blockNumber, commitment);
    },
    /** A write the ledger refused: nothing of it is shown. */
    fail: (commitment: string) => void fail.run(commitment),
    get: (commitment: string) => get.get(commitment),
    getMany(commitments: readonly string[]): Map<string, BodyRow> {
      if (commitments.length === 0) return new Map();
      const rows = db
        .prepare<string[], BodyRow>(`SELECT commitment, kind, author, envelope, status FROM bodies WHERE commitment IN (${commitments.map(() => '?').join(',')})`)
        .all(...commitments);
      return new Map(rows.map(row => [row.commitment, row]));
    },
  };
}

export type BodyRepository = ReturnType<typeof createBodyRepository>;
