/**
 * The read model in PostgreSQL: the contract's events applied to the `ledger_*` tables, as in
 * SQLite (sqlite/projection.ts); which change an event makes, and what each kind of change means,
 * is ../events.ts, here is only how PostgreSQL writes them. Applying an event twice changes
 * nothing, so two servers (or a server's receipts and its follower) may apply the same events at
 * once; each call is one unit of work, so a range and the cursor past it are kept together or not
 * at all.
 */
import type { DecodedEvent } from '../../ledger/abi';
import { actRecordOf, ledgerChangeOf, PROJECTION_CURSOR, READ_MODEL_TABLES, type LedgerChange } from '../events';
import type { EventOrigin, Projection } from '../ports';
import type { PostgresConnection } from './connection';
import { SET_SETTING } from './settings';

/** A statement whose values are named after fields (`:reportId`), as PostgreSQL's $1, $2…, and how to bind an object's fields to it. */
interface NamedStatement {
  readonly text: string;
  values(fields: object): unknown[];
}

/** `text` with each `:name` (not a `::type` cast) made a positional parameter; a name used twice is one parameter. */
function named(text: string): NamedStatement {
  const names: string[] = [];
  const positional = text.replace(/(?<!:):([A-Za-z]\w*)/g, (_, name: string) => {
    const position = names.includes(name) ? names.indexOf(name) : names.push(name) - 1;
    return `$${position + 1}`;
  });
  return {
    text: positional,
    // A name the object lacks is a mistake in the statement, not a NULL (as better-sqlite3 says too).
    values: fields =>
      names.map(name => {
        if (!(name in fields)) throw new Error(`no value for :${name}`);
        return (fields as Record<string, unknown>)[name];
      }),
  };
}

/** The statement of each kind of change (see LedgerChange for what each must do). */
const CHANGES: Record<LedgerChange['kind'], NamedStatement> = {
  organisation: named(`
    INSERT INTO ledger_organisations (id, kind, name, block_number, tx_hash)
    VALUES (:id, :organisationKind, :name, :blockNumber, :txHash) ON CONFLICT DO NOTHING`),
  // A newer add replaces the row, removed or not (staff may be added again, to any organisation).
  'staff-added': named(`
    INSERT INTO ledger_staff (address, organisation_id, role, removed_at, block_number, tx_hash)
    VALUES (:address, :organisationId, :role, NULL, :blockNumber, :txHash)
    ON CONFLICT (address) DO UPDATE SET
      organisation_id = excluded.organisation_id, role = excluded.role, removed_at = NULL,
      block_number = excluded.block_number, tx_hash = excluded.tx_hash
    WHERE excluded.block_number >= ledger_staff.block_number`),
  // The removal's block becomes the row's, so that its add applied again does not undo it.
  'staff-removed': named(`
    UPDATE ledger_staff SET removed_at = :removedAt, block_number = :blockNumber::bigint, tx_hash = :txHash
    WHERE address = :address AND block_number <= :blockNumber::bigint`),
  patient: named('INSERT INTO ledger_patients (address, block_number, tx_hash) VALUES (:address, :blockNumber, :txHash) ON CONFLICT DO NOTHING'),
  report: named(`
    INSERT INTO ledger_reports (id, patient, commitment, created_at, block_number, tx_hash)
    VALUES (:id, :patient, :commitment, :createdAt, :blockNumber, :txHash) ON CONFLICT DO NOTHING`),
  grant: named(`
    INSERT INTO ledger_grants (report_id, hospital_id, active, until, changed_at, block_number, tx_hash)
    VALUES (:reportId, :hospitalId, :active, :until, :changedAt, :blockNumber, :txHash)
    ON CONFLICT (report_id, hospital_id) DO UPDATE SET
      active = excluded.active, until = excluded.until, changed_at = excluded.changed_at,
      block_number = excluded.block_number, tx_hash = excluded.tx_hash
    WHERE excluded.block_number >= ledger_grants.block_number`),
  prescription: named(`
    INSERT INTO ledger_prescriptions (report_id, idx, doctor, hospital_id, commitment, created_at, block_number, tx_hash)
    VALUES (:reportId, :index, :doctor, :hospitalId, :commitment, :createdAt, :blockNumber, :txHash) ON CONFLICT DO NOTHING`),
  'emergency-opened': named(`
    INSERT INTO ledger_emergencies (id, patient, doctor, hospital_id, start, "end", reason_hash, ended_early, block_number, tx_hash)
    VALUES (:id, :patient, :doctor, :hospitalId, :start, :end, :reasonHash, false, :blockNumber, :txHash) ON CONFLICT DO NOTHING`),
  'emergency-ended': named('UPDATE ledger_emergencies SET "end" = :end, ended_early = true WHERE id = :id'),
  // A newer send replaces the dispatch (another pharmacy, another end), withdrawn or not; its dispensing stays.
  'prescription-sent': named(`
    INSERT INTO ledger_dispatches (report_id, idx, pharmacy_id, until, active, dispensed_by, dispensed_at, block_number, tx_hash)
    VALUES (:reportId, :index, :pharmacyId, :until, true, NULL, NULL, :blockNumber, :txHash)
    ON CONFLICT (report_id, idx) DO UPDATE SET
      pharmacy_id = excluded.pharmacy_id, until = excluded.until, active = true,
      block_number = excluded.block_number, tx_hash = excluded.tx_hash
    WHERE excluded.block_number >= ledger_dispatches.block_number`),
  // The withdrawal's block becomes the row's, so that its send applied again does not undo it.
  'prescription-withdrawn': named(`
    UPDATE ledger_dispatches SET active = false, until = :changedAt, block_number = :blockNumber::bigint, tx_hash = :txHash
    WHERE report_id = :reportId AND idx = :index AND pharmacy_id = :pharmacyId AND block_number <= :blockNumber::bigint`),
  dispensed: named(`
    UPDATE ledger_dispatches SET dispensed_by = :pharmacist, dispensed_at = :dispensedAt
    WHERE report_id = :reportId AND idx = :index AND dispensed_by IS NULL`),
  'claim-filed': named(`
    INSERT INTO ledger_claims (id, report_id, patient, insurer_id, amount, filed_at, status, block_number, tx_hash)
    VALUES (:id, :reportId, :patient, :insurerId, :amount, :filedAt, 'open', :blockNumber, :txHash) ON CONFLICT DO NOTHING`),
  'claim-decided': named(`
    UPDATE ledger_claims SET status = :status, approved_amount = :approvedAmount, decided_by = :decidedBy, decided_at = :decidedAt, note_hash = :noteHash
    WHERE id = :id AND status = 'open'`),
};

// An act whose event names only the report (a prescription, a replayed grant): its patient, and
// for a report owner's act its actor, come from the report.
const INSERT_ACT = named(`
  INSERT INTO ledger_acts (tx_hash, log_index, block_number, time, act, actor, patient, doctor, report_id, hospital_id, purpose, ref)
  SELECT :txHash::text, :logIndex::bigint, :blockNumber::bigint, :time::bigint, :act::text,
    coalesce(:actor::text, CASE WHEN :byReportOwner::boolean THEN r.patient END),
    coalesce(:patient::text, r.patient), :doctor::text, :reportId::bigint, :hospitalId::bigint, :purpose::text, :ref::bigint
  FROM (SELECT 1) AS one LEFT JOIN ledger_reports r ON r.id = :reportId::bigint
  ON CONFLICT DO NOTHING`);

export function createProjection(sql: PostgresConnection): Projection {
  const run = (statement: NamedStatement, fields: object) => sql.query(statement.text, statement.values(fields));

  async function apply(event: DecodedEvent, origin: EventOrigin): Promise<void> {
    const change = ledgerChangeOf(event, origin);
    if (change) await run(CHANGES[change.kind], change);
    const act = actRecordOf(event, origin);
    if (act) await run(INSERT_ACT, act);
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
