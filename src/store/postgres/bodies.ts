/** Encrypted record bodies in PostgreSQL (see BodyStore). */
import type { BodyRow, BodyStore } from '../ports';
import type { PostgresConnection } from './connection';

const COLUMNS = 'commitment, kind, author, envelope, status, tx_hash AS "transactionHash", block_number AS "blockNumber"';

/**
 * A decided claim with its decision's act: a note is written by the decision's transaction (the
 * claim's row keeps the filing's), found among its decider's acts (an index).
 */
const DECIDED = `ledger_claims c JOIN ledger_acts a ON a.actor = c.decided_by AND a.act = 'claim-decided' AND a.ref = c.id`;

export function createBodyStore(sql: PostgresConnection): BodyStore {
  return {
    insertPending: async (commitment, kind, author, envelope) =>
      void (await sql.query(`INSERT INTO bodies (commitment, kind, author, envelope, status, created_at) VALUES ($1, $2, $3, $4, 'pending', $5)`, [
        commitment, kind, author, envelope, Date.now(),
      ])),
    confirm: async (commitment, transactionHash, blockNumber) =>
      void (await sql.query(`UPDATE bodies SET status = 'confirmed', tx_hash = $1, block_number = $2 WHERE commitment = $3`, [transactionHash, blockNumber, commitment])),
    discard: async commitment => void (await sql.query(`DELETE FROM bodies WHERE commitment = $1 AND status = 'pending'`, [commitment])),
    failedOf: (kind, author) =>
      sql.rows<BodyRow & { createdAt: number }>(
        `SELECT ${COLUMNS}, created_at AS "createdAt" FROM bodies
         WHERE status = 'failed' AND kind = $1 AND author = $2 ORDER BY created_at DESC, commitment COLLATE "C"`,
        [kind, author.toLowerCase()],
      ),
    get: commitment => sql.first<BodyRow>(`SELECT ${COLUMNS} FROM bodies WHERE commitment = $1`, [commitment]),
    getMany: async commitments => {
      if (commitments.length === 0) return new Map<string, BodyRow>();
      const rows = await sql.rows<BodyRow>(`SELECT ${COLUMNS} FROM bodies WHERE commitment = ANY ($1::text[])`, [[...commitments]]);
      return new Map(rows.map(row => [row.commitment, row]));
    },
    // Driven from the few unsettled bodies (a partial index), each looked up by its commitment (an
    // emergency's reason body by the emergency's reason hash, a claim's note by its decision's).
    settleFromReadModel: () =>
      sql.changes(`
        UPDATE bodies b SET status = 'confirmed', (tx_hash, block_number) = (
            SELECT tx_hash, block_number FROM ledger_reports WHERE commitment = b.commitment
            UNION ALL SELECT tx_hash, block_number FROM ledger_prescriptions WHERE commitment = b.commitment
            UNION ALL SELECT tx_hash, block_number FROM ledger_emergencies WHERE reason_hash = b.commitment
            UNION ALL SELECT a.tx_hash, a.block_number FROM ${DECIDED} WHERE c.note_hash = b.commitment
            LIMIT 1)
        WHERE b.status <> 'confirmed'
          AND (EXISTS (SELECT 1 FROM ledger_reports WHERE commitment = b.commitment)
            OR EXISTS (SELECT 1 FROM ledger_prescriptions WHERE commitment = b.commitment)
            OR EXISTS (SELECT 1 FROM ledger_emergencies WHERE reason_hash = b.commitment)
            OR EXISTS (SELECT 1 FROM ${DECIDED} WHERE c.note_hash = b.commitment))`),
    failPendingBefore: before => sql.changes(`UPDATE bodies SET status = 'failed' WHERE status = 'pending' AND created_at < $1`, [before]),
    replaceEnvelope: async (commitment, envelope) => void (await sql.query('UPDATE bodies SET envelope = $1 WHERE commitment = $2', [envelope, commitment])),
  };
}
