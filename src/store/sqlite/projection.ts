/**
 * The read model: the contract's events applied to SQLite tables (`ledger_*`). Every page reads
 * ledger state from here instead of one node call per row. The same function applies the events
 * of the app's own receipts (so a page right after a write shows it) and, when catching up or
 * rebuilding, the events found on the ledger; applying an event twice changes nothing. Which
 * change an event makes, and what each kind of change means, is ../events.ts; here is only how
 * SQLite writes them, each statement's values named after the change's fields.
 */
import type { Statement } from 'better-sqlite3';
import type { DecodedEvent } from '../../ledger/abi';
import { actRecordOf, ledgerChangeOf, PROJECTION_CURSOR, READ_MODEL_TABLES, type LedgerChange } from '../events';
import type { EventOrigin, Projection } from '../ports';
import type { SqliteConnection } from './connection';
import { settingsStatements } from './settings';

/** The statement of each kind of change (see LedgerChange for what each must do). */
const CHANGES: Record<LedgerChange['kind'], string> = {
  organisation: `
    INSERT OR IGNORE INTO ledger_organisations (id, kind, name, block_number, tx_hash)
    VALUES (:id, :organisationKind, :name, :blockNumber, :txHash)`,
  // A newer add replaces the row, removed or not (staff may be added again, to any organisation).
  'staff-added': `
    INSERT INTO ledger_staff (address, organisation_id, role, removed_at, block_number, tx_hash)
    VALUES (:address, :organisationId, :role, NULL, :blockNumber, :txHash)
    ON CONFLICT (address) DO UPDATE SET
      organisation_id = excluded.organisation_id, role = excluded.role, removed_at = NULL,
      block_number = excluded.block_number, tx_hash = excluded.tx_hash
    WHERE excluded.block_number >= ledger_staff.block_number`,
  // The removal's block becomes the row's, so that its add applied again does not undo it.
  'staff-removed': `
    UPDATE ledger_staff SET removed_at = :removedAt, block_number = :blockNumber, tx_hash = :txHash
    WHERE address = :address AND block_number <= :blockNumber`,
  patient: 'INSERT OR IGNORE INTO ledger_patients (address, block_number, tx_hash) VALUES (:address, :blockNumber, :txHash)',
  report: `
    INSERT OR IGNORE INTO ledger_reports (id, patient, commitment, created_at, block_number, tx_hash)
    VALUES (:id, :patient, :commitment, :createdAt, :blockNumber, :txHash)`,
  grant: `
    INSERT INTO ledger_grants (report_id, hospital_id, active, until, changed_at, block_number, tx_hash)
    VALUES (:reportId, :hospitalId, :active, :until, :changedAt, :blockNumber, :txHash)
    ON CONFLICT (report_id, hospital_id) DO UPDATE SET
      active = excluded.active, until = excluded.until, changed_at = excluded.changed_at,
      block_number = excluded.block_number, tx_hash = excluded.tx_hash
    WHERE excluded.block_number >= ledger_grants.block_number`,
  prescription: `
    INSERT OR IGNORE INTO ledger_prescriptions (report_id, idx, doctor, hospital_id, commitment, created_at, block_number, tx_hash)
    VALUES (:reportId, :index, :doctor, :hospitalId, :commitment, :createdAt, :blockNumber, :txHash)`,
  'emergency-opened': `
    INSERT OR IGNORE INTO ledger_emergencies (id, patient, doctor, hospital_id, start, "end", reason_hash, ended_early, block_number, tx_hash)
    VALUES (:id, :patient, :doctor, :hospitalId, :start, :end, :reasonHash, 0, :blockNumber, :txHash)`,
  'emergency-ended': 'UPDATE ledger_emergencies SET "end" = :end, ended_early = 1 WHERE id = :id',
  // A newer send replaces the dispatch (another pharmacy, another end), withdrawn or not; its dispensing stays.
  'prescription-sent': `
    INSERT INTO ledger_dispatches (report_id, idx, pharmacy_id, until, active, dispensed_by, dispensed_at, block_number, tx_hash)
    VALUES (:reportId, :index, :pharmacyId, :until, 1, NULL, NULL, :blockNumber, :txHash)
    ON CONFLICT (report_id, idx) DO UPDATE SET
      pharmacy_id = excluded.pharmacy_id, until = excluded.until, active = 1,
      block_number = excluded.block_number, tx_hash = excluded.tx_hash
    WHERE excluded.block_number >= ledger_dispatches.block_number`,
  // The withdrawal's block becomes the row's, so that its send applied again does not undo it.
  'prescription-withdrawn': `
    UPDATE ledger_dispatches SET active = 0, until = :changedAt, block_number = :blockNumber, tx_hash = :txHash
    WHERE report_id = :reportId AND idx = :index AND pharmacy_id = :pharmacyId AND block_number <= :blockNumber`,
  dispensed: `
    UPDATE ledger_dispatches SET dispensed_by = :pharmacist, dispensed_at = :dispensedAt
    WHERE report_id = :reportId AND idx = :index AND dispensed_by IS NULL`,
  'claim-filed': `
    INSERT OR IGNORE INTO ledger_claims (id, report_id, patient, insurer_id, amount, filed_at, status, block_number, tx_hash)
    VALUES (:id, :reportId, :patient, :insurerId, :amount, :filedAt, 'open', :blockNumber, :txHash)`,
  'claim-decided': `
    UPDATE ledger_claims SET status = :status, approved_amount = :approvedAmount, decided_by = :decidedBy, decided_at = :decidedAt, note_hash = :noteHash
    WHERE id = :id AND status = 'open'`,
};

// An act whose event names only the report (a prescription, a replayed grant): its patient, and
// for a report owner's act its actor, come from the report.
const INSERT_ACT = `
  INSERT OR IGNORE INTO ledger_acts (tx_hash, log_index, block_number, time, act, actor, patient, doctor, report_id, hospital_id, purpose, ref)
  SELECT :txHash, :logIndex, :blockNumber, :time, :act,
    coalesce(:actor, CASE WHEN :byReportOwner THEN r.patient END),
    coalesce(:patient, r.patient), :doctor, :reportId, :hospitalId, :purpose, :ref
  FROM (SELECT 1) LEFT JOIN ledger_reports r ON r.id = :reportId`;

/** A change or an act as named values SQLite binds: it has no booleans, true and false are 1 and 0. */
const bindable = (values: object) =>
  Object.fromEntries(Object.entries(values).map(([name, value]: [string, unknown]) => [name, typeof value === 'boolean' ? Number(value) : value]));

export function createProjection(sql: SqliteConnection): Projection {
  const { db } = sql;
  const changes = Object.fromEntries(Object.entries(CHANGES).map(([kind, text]) => [kind, db.prepare(text)])) as Record<LedgerChange['kind'], Statement>;
  const insertAct = db.prepare(INSERT_ACT);

  function apply(event: DecodedEvent, origin: EventOrigin): void {
    const change = ledgerChangeOf(event, origin);
    if (change) changes[change.kind].run(bindable(change));
    const act = actRecordOf(event, origin);
    if (act) insertAct.run(bindable(act));
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
