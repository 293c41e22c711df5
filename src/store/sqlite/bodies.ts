/** Encrypted record bodies in SQLite (see BodyStore). */
import type { BodyKind, BodyRow, BodyStore } from '../ports';
import type { SqliteConnection } from './connection';

const COLUMNS = 'commitment, kind, author, envelope, status, tx_hash AS transactionHash, block_number AS blockNumber';

/**
 * A decided claim with its decision's act: a note is written by the decision's transaction (the
 * claim's row keeps the filing's), found among its decider's acts (an index).
 */
const DECIDED = `ledger_claims c JOIN ledger_acts a ON a.actor = c.decided_by AND a.act = 'claim-decided' AND a.ref = c.id`;

export function createBodyStore(sql: SqliteConnection): BodyStore {
  return {
    insertPending: (commitment, kind, author, envelope) =>
      sql.run(() => void sql.statement(`INSERT INTO bodies (commitment, kind, author, envelope, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)`).run(commitment, kind, author, envelope, Date.now())),
    confirm: (commitment, transactionHash, blockNumber) =>
      sql.run(() => void sql.statement(`UPDATE bodies SET status = 'confirmed', tx_hash = ?, block_number = ? WHERE commitment = ?`).run(transactionHash, blockNumber, commitment)),
    discard: commitment => sql.run(() => void sql.statement(`DELETE FROM bodies WHERE commitment = ? AND status = 'pending'`).run(commitment)),
    failedOf: (kind, author) =>
      sql.run(() =>
        sql
          .statement<[BodyKind, string], BodyRow & { createdAt: number }>(`
            SELECT ${COLUMNS}, created_at AS createdAt FROM bodies
            WHERE status = 'failed' AND kind = ? AND author = ? ORDER BY created_at DESC, commitment`)
          .all(kind, author.toLowerCase()),
      ),
    get: commitment => sql.run(() => sql.statement<[string], BodyRow>(`SELECT ${COLUMNS} FROM bodies WHERE commitment = ?`).get(commitment)),
    getMany: commitments =>
      sql.run(db => {
        if (commitments.length === 0) return new Map<string, BodyRow>();
        const rows = db.prepare<string[], BodyRow>(`SELECT ${COLUMNS} FROM bodies WHERE commitment IN (${commitments.map(() => '?').join(',')})`).all(...commitments);
        return new Map(rows.map(row => [row.commitment, row]));
      }),
    // Driven from the few unsettled bodies (a partial index), each looked up by its commitment (an
    // emergency's reason body by the emergency's reason hash, a claim's note by its decision's).
    settleFromReadModel: () =>
      sql.run(
        () =>
          sql.statement(`
            UPDATE bodies SET status = 'confirmed', (tx_hash, block_number) = (
                SELECT tx_hash, block_number FROM ledger_reports WHERE commitment = bodies.commitment
                UNION ALL SELECT tx_hash, block_number FROM ledger_prescriptions WHERE commitment = bodies.commitment
                UNION ALL SELECT tx_hash, block_number FROM ledger_emergencies WHERE reason_hash = bodies.commitment
                UNION ALL SELECT a.tx_hash, a.block_number FROM ${DECIDED} WHERE c.note_hash = bodies.commitment
                LIMIT 1)
            WHERE status <> 'confirmed'
              AND (EXISTS (SELECT 1 FROM ledger_reports WHERE commitment = bodies.commitment)
                OR EXISTS (SELECT 1 FROM ledger_prescriptions WHERE commitment = bodies.commitment)
                OR EXISTS (SELECT 1 FROM ledger_emergencies WHERE reason_hash = bodies.commitment)
                OR EXISTS (SELECT 1 FROM ${DECIDED} WHERE c.note_hash = bodies.commitment))`).run().changes,
      ),
    failPendingBefore: before => sql.run(() => sql.statement(`UPDATE bodies SET status = 'failed' WHERE status = 'pending' AND created_at < ?`).run(before).changes),
    replaceEnvelope: (commitment, envelope) => sql.run(() => void sql.statement('UPDATE bodies SET envelope = ? WHERE commitment = ?').run(envelope, commitment)),
  };
}
