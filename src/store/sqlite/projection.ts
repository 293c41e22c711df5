/**
 * The read model: the contract's events applied to SQLite tables (`ledger_*`). Every page reads
 * ledger state from here instead of one node call per row. The same function applies the events
 * of the app's own receipts (so a page right after a write shows it) and, when catching up or
 * rebuilding, the events found on the ledger; applying an event twice changes nothing. Which rows
 * an event makes is ../events.ts; here is only how SQLite writes them.
 */
import type { Statement } from 'better-sqlite3';
import type { DecodedEvent } from '../../ledger/abi';
import { actRecordOf, ledgerRowOf, PROJECTION_CURSOR, READ_MODEL_TABLES, type LedgerRow } from '../events';
import type { EventOrigin, Projection } from '../ports';
import type { SqliteConnection } from './connection';
import { settingsStatements } from './settings';

/** SQLite has no booleans: true and false are stored as 1 and 0. */
const bindable = (value: string | number | boolean | null) => (typeof value === 'boolean' ? Number(value) : value);

export function createProjection(sql: SqliteConnection): Projection {
  const { db } = sql;
  const insert: Record<LedgerRow['table'], Statement> = {
    ledger_hospitals: db.prepare('INSERT OR IGNORE INTO ledger_hospitals (id, name, block_number, tx_hash) VALUES (?, ?, ?, ?)'),
    ledger_doctors: db.prepare('INSERT OR IGNORE INTO ledger_doctors (address, hospital_id, block_number, tx_hash) VALUES (?, ?, ?, ?)'),
    ledger_patients: db.prepare('INSERT OR IGNORE INTO ledger_patients (address, block_number, tx_hash) VALUES (?, ?, ?)'),
    ledger_reports: db.prepare(
      'INSERT OR IGNORE INTO ledger_reports (id, patient, commitment, created_at, block_number, tx_hash) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    ledger_grants: db.prepare(`
      INSERT INTO ledger_grants (report_id, hospital_id, active, changed_at, block_number, tx_hash) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (report_id, hospital_id) DO UPDATE SET
        active = excluded.active, changed_at = excluded.changed_at, block_number = excluded.block_number, tx_hash = excluded.tx_hash
      WHERE excluded.block_number >= ledger_grants.block_number`),
    ledger_prescriptions: db.prepare(`
      INSERT OR IGNORE INTO ledger_prescriptions (report_id, idx, doctor, hospital_id, commitment, created_at, block_number, tx_hash)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
  };
  // A share, revoke or prescription names only the report: its patient comes from the report.
  const insertAct = db.prepare(`
    INSERT OR IGNORE INTO ledger_acts (tx_hash, log_index, block_number, time, act, actor, patient, doctor, report_id, hospital_id)
    SELECT :txHash, :logIndex, :blockNumber, :time, :act,
      coalesce(:actor, CASE WHEN :byReportOwner THEN r.patient END),
      coalesce(:patient, r.patient), :doctor, :reportId, :hospitalId
    FROM (SELECT 1) LEFT JOIN ledger_reports r ON r.id = :reportId`);

  function apply(event: DecodedEvent, origin: EventOrigin): void {
    const row = ledgerRowOf(event, origin);
    if (row) insert[row.table].run(...row.values.map(bindable));
    const act = actRecordOf(event, origin);
    if (act) insertAct.run({ ...act, byReportOwner: bindable(act.byReportOwner) });
  }

  const settings = settingsStatements(sql);
  const setCursor = (next: number) => settings.set(PROJECTION_CURSOR, String(next));

  return {
    applyAll: (events, origin) => sql.run(() => db.transaction(() => events.forEach(event => apply(event, origin)))()),
    applyRange: (events, nextBlock) =>
      sql.run(() =>
        db.transaction(() => {
          for (const { event, ...origin } of events) apply(event, origin);
          setCursor(nextBlock);
        })(),
      ),
    nextBlock: () =>
      sql.run(() => {
        const value = settings.get(PROJECTION_CURSOR);
        return value === undefined ? undefined : Number(value);
      }),
    reset: fromBlock =>
      sql.run(() =>
        db.transaction(() => {
          for (const table of READ_MODEL_TABLES) db.exec(`DELETE FROM ${table}`);
          setCursor(fromBlock);
        })(),
      ),
  };
}
