/**
 * The read model: the contract's events applied to SQLite tables (`ledger_*`). Every page reads
 * ledger state from here instead of one node call per row. The same function applies the events
 * of the app's own receipts (so a page right after a write shows it) and, when catching up or
 * rebuilding, the events found on the ledger; applying an event twice changes nothing.
 */
import { actOfEvent, type ActActor } from '../../domain/acts';
import type { DecodedEvent } from '../../ledger/abi';
import type { EventOrigin, Projection } from '../ports';
import type { SqliteConnection } from './connection';

/** The follower's cursor: the first block whose events are not applied yet. */
const CURSOR = 'projection.next_block';
const READ_MODEL_TABLES = ['ledger_hospitals', 'ledger_doctors', 'ledger_patients', 'ledger_reports', 'ledger_grants', 'ledger_prescriptions', 'ledger_acts'];

/** Who did it, as the vocabulary says; null for the admin's acts and for those of a report's owner (found below). */
function actorOf(event: DecodedEvent, actor: ActActor): string | null {
  switch (actor) {
    case 'patient':
      return addr(event.args.patient);
    case 'doctor':
      return addr(event.args.doctor);
    default:
      return null;
  }
}

const num = (value: unknown) => Number(value as bigint);
const addr = (value: unknown) => String(value).toLowerCase();

export function createProjection(sql: SqliteConnection): Projection {
  const { db } = sql;
  const statements = {
    hospital: db.prepare('INSERT OR IGNORE INTO ledger_hospitals (id, name, block_number, tx_hash) VALUES (?, ?, ?, ?)'),
    doctor: db.prepare('INSERT OR IGNORE INTO ledger_doctors (address, hospital_id, block_number, tx_hash) VALUES (?, ?, ?, ?)'),
    patient: db.prepare('INSERT OR IGNORE INTO ledger_patients (address, block_number, tx_hash) VALUES (?, ?, ?)'),
    report: db.prepare(
      'INSERT OR IGNORE INTO ledger_reports (id, patient, commitment, created_at, block_number, tx_hash) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    grant: db.prepare(`
      INSERT INTO ledger_grants (report_id, hospital_id, active, changed_at, block_number, tx_hash) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (report_id, hospital_id) DO UPDATE SET
        active = excluded.active, changed_at = excluded.changed_at, block_number = excluded.block_number, tx_hash = excluded.tx_hash
      WHERE excluded.block_number >= ledger_grants.block_number`),
    prescription: db.prepare(`
      INSERT OR IGNORE INTO ledger_prescriptions (report_id, idx, doctor, hospital_id, commitment, created_at, block_number, tx_hash)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    // A share, revoke or prescription names only the report: its patient comes from the report.
    act: db.prepare(`
      INSERT OR IGNORE INTO ledger_acts (tx_hash, log_index, block_number, time, act, actor, patient, doctor, report_id, hospital_id)
      SELECT :txHash, :logIndex, :blockNumber, :time, :act,
        coalesce(:actor, CASE WHEN :byReportOwner THEN r.patient END),
        coalesce(:patient, r.patient), :doctor, :reportId, :hospitalId
      FROM (SELECT 1) LEFT JOIN ledger_reports r ON r.id = :reportId`),
  };

  function recordAct(event: DecodedEvent, origin: EventOrigin): void {
    const definition = actOfEvent(event.name);
    if (!definition) return; // OpenZeppelin's role events are not acts of the app
    const { args } = event;
    const optional = (value: unknown, as: (v: unknown) => string | number) => (value === undefined ? null : as(value));
    statements.act.run({
      txHash: origin.transactionHash,
      logIndex: event.logIndex,
      blockNumber: origin.blockNumber,
      time: origin.timestamp,
      act: definition.act,
      actor: actorOf(event, definition.actor),
      byReportOwner: definition.actor === 'report-owner' ? 1 : 0,
      patient: optional(args.patient, addr),
      doctor: optional(args.doctor, addr),
      reportId: optional(args.reportId, num),
      hospitalId: optional(args.hospitalId, num),
    });
  }

  function apply(event: DecodedEvent, origin: EventOrigin): void {
    const { args } = event;
    const at = [origin.blockNumber, origin.transactionHash] as const;
    switch (event.name) {
      case 'HospitalAdded':
        statements.hospital.run(num(args.hospitalId), String(args.name), ...at);
        break;
      case 'DoctorAdded':
        statements.doctor.run(addr(args.doctor), num(args.hospitalId), ...at);
        break;
      case 'PatientRegistered':
        statements.patient.run(addr(args.patient), ...at);
        break;
      case 'ReportAdded':
        statements.report.run(num(args.reportId), addr(args.patient), String(args.commitment), origin.timestamp, ...at);
        break;
      case 'ReportShared':
      case 'ReportRevoked':
        statements.grant.run(num(args.reportId), num(args.hospitalId), event.name === 'ReportShared' ? 1 : 0, origin.timestamp, ...at);
        break;
      case 'PrescriptionAdded':
        statements.prescription.run(
          num(args.reportId), num(args.index), addr(args.doctor), num(args.hospitalId), String(args.commitment), origin.timestamp, ...at,
        );
        break;
      default:
        break; // ReportAccessed is only an act; OpenZeppelin's role events change no table here
    }
    recordAct(event, origin);
  }

  const setCursor = (next: number) =>
    sql.statement('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(CURSOR, String(next));

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
        const row = sql.statement<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(CURSOR);
        return row === undefined ? undefined : Number(row.value);
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
