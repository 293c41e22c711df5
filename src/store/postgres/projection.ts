/**
 * The read model in PostgreSQL: the contract's events applied to the `ledger_*` tables, as in
 * SQLite (sqlite/projection.ts); which rows an event makes is ../events.ts, here is only how
 * PostgreSQL writes them. Applying an event twice changes nothing, so two servers (or a server's
 * receipts and its follower) may apply the same events at once; each call is one unit of work, so
 * a range and the cursor past it are kept together or not at all.
 */
import type { DecodedEvent } from '../../ledger/abi';
import { actRecordOf, ledgerRowOf, PROJECTION_CURSOR, READ_MODEL_TABLES, type LedgerRow } from '../events';
import type { EventOrigin, Projection } from '../ports';
import type { PostgresConnection } from './connection';
import { SET_SETTING } from './settings';

const INSERT: Record<LedgerRow['table'], string> = {
  ledger_hospitals: 'INSERT INTO ledger_hospitals (id, name, block_number, tx_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
  ledger_doctors: 'INSERT INTO ledger_doctors (address, hospital_id, block_number, tx_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
  ledger_patients: 'INSERT INTO ledger_patients (address, block_number, tx_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
  ledger_reports: `INSERT INTO ledger_reports (id, patient, commitment, created_at, block_number, tx_hash) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT DO NOTHING`,
  ledger_grants: `
    INSERT INTO ledger_grants (report_id, hospital_id, active, changed_at, block_number, tx_hash) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (report_id, hospital_id) DO UPDATE SET
      active = excluded.active, changed_at = excluded.changed_at, block_number = excluded.block_number, tx_hash = excluded.tx_hash
    WHERE excluded.block_number >= ledger_grants.block_number`,
  ledger_prescriptions: `
    INSERT INTO ledger_prescriptions (report_id, idx, doctor, hospital_id, commitment, created_at, block_number, tx_hash)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
};

// A share, revoke or prescription names only the report: its patient comes from the report.
const INSERT_ACT = `
  INSERT INTO ledger_acts (tx_hash, log_index, block_number, time, act, actor, patient, doctor, report_id, hospital_id)
  SELECT $1::text, $2::bigint, $3::bigint, $4::bigint, $5::text,
    coalesce($6::text, CASE WHEN $7::boolean THEN r.patient END),
    coalesce($8::text, r.patient), $9::text, $10::bigint, $11::bigint
  FROM (SELECT 1) AS one LEFT JOIN ledger_reports r ON r.id = $10::bigint
  ON CONFLICT DO NOTHING`;

export function createProjection(sql: PostgresConnection): Projection {
  async function apply(event: DecodedEvent, origin: EventOrigin): Promise<void> {
    const row = ledgerRowOf(event, origin);
    if (row) await sql.query(INSERT[row.table], row.values);
    const act = actRecordOf(event, origin);
    if (act) {
      await sql.query(INSERT_ACT, [
        act.txHash, act.logIndex, act.blockNumber, act.time, act.act, act.actor, act.byReportOwner, act.patient, act.doctor, act.reportId, act.hospitalId,
      ]);
    }
  }

  const setCursor = (next: number) => sql.query(SET_SETTING, [PROJECTION_CURSOR, String(next)]);

  return {
    applyAll: (events, origin) =>
      sql.transaction(async () => {
        for (const event of events) await apply(event, origin);
      }),
    applyRange: (events, nextBlock) =>
      sql.transaction(async () => {
        for (const { event, ...origin } of events) await apply(event, origin);
        await setCursor(nextBlock);
      }),
    nextBlock: async () => {
      const row = await sql.first<{ value: string }>('SELECT value FROM settings WHERE key = $1', [PROJECTION_CURSOR]);
      return row === undefined ? undefined : Number(row.value);
    },
    reset: fromBlock =>
      sql.transaction(async () => {
        for (const table of READ_MODEL_TABLES) await sql.query(`DELETE FROM ${table}`);
        await setCursor(fromBlock);
      }),
  };
}
