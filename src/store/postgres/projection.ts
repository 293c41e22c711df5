/**
 * The read model in PostgreSQL: the contract's events applied to the `ledger_*` tables, as in
 * SQLite (sqlite/projection.ts). Applying an event twice changes nothing, so two servers (or a
 * server's receipts and its follower) may apply the same events at once; each call is one unit
 * of work, so a range and the cursor past it are kept together or not at all.
 */
import { actOfEvent, type ActActor } from '../../domain/acts';
import type { DecodedEvent } from '../../ledger/abi';
import type { EventOrigin, Projection } from '../ports';
import type { PostgresConnection } from './connection';
import { SET_SETTING } from './settings';

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

const STATEMENTS = {
  hospital: 'INSERT INTO ledger_hospitals (id, name, block_number, tx_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
  doctor: 'INSERT INTO ledger_doctors (address, hospital_id, block_number, tx_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
  patient: 'INSERT INTO ledger_patients (address, block_number, tx_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
  report: `INSERT INTO ledger_reports (id, patient, commitment, created_at, block_number, tx_hash) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT DO NOTHING`,
  grant: `
    INSERT INTO ledger_grants (report_id, hospital_id, active, changed_at, block_number, tx_hash) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (report_id, hospital_id) DO UPDATE SET
      active = excluded.active, changed_at = excluded.changed_at, block_number = excluded.block_number, tx_hash = excluded.tx_hash
    WHERE excluded.block_number >= ledger_grants.block_number`,
  prescription: `
    INSERT INTO ledger_prescriptions (report_id, idx, doctor, hospital_id, commitment, created_at, block_number, tx_hash)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
  // A share, revoke or prescription names only the report: its patient comes from the report.
  act: `
    INSERT INTO ledger_acts (tx_hash, log_index, block_number, time, act, actor, patient, doctor, report_id, hospital_id)
    SELECT $1::text, $2::bigint, $3::bigint, $4::bigint, $5::text,
      coalesce($6::text, CASE WHEN $7::boolean THEN r.patient END),
      coalesce($8::text, r.patient), $9::text, $10::bigint, $11::bigint
    FROM (SELECT 1) AS one LEFT JOIN ledger_reports r ON r.id = $10::bigint
    ON CONFLICT DO NOTHING`,
};

export function createProjection(sql: PostgresConnection): Projection {
  async function recordAct(event: DecodedEvent, origin: EventOrigin): Promise<void> {
    const definition = actOfEvent(event.name);
    if (!definition) return; // OpenZeppelin's role events are not acts of the app
    const { args } = event;
    const optional = (value: unknown, as: (v: unknown) => string | number) => (value === undefined ? null : as(value));
    await sql.query(STATEMENTS.act, [
      origin.transactionHash,
      event.logIndex,
      origin.blockNumber,
      origin.timestamp,
      definition.act,
      actorOf(event, definition.actor),
      definition.actor === 'report-owner',
      optional(args.patient, addr),
      optional(args.doctor, addr),
      optional(args.reportId, num),
      optional(args.hospitalId, num),
    ]);
  }

  async function apply(event: DecodedEvent, origin: EventOrigin): Promise<void> {
    const { args } = event;
    const at = [origin.blockNumber, origin.transactionHash] as const;
    switch (event.name) {
      case 'HospitalAdded':
        await sql.query(STATEMENTS.hospital, [num(args.hospitalId), String(args.name), ...at]);
        break;
      case 'DoctorAdded':
        await sql.query(STATEMENTS.doctor, [addr(args.doctor), num(args.hospitalId), ...at]);
        break;
      case 'PatientRegistered':
        await sql.query(STATEMENTS.patient, [addr(args.patient), ...at]);
        break;
      case 'ReportAdded':
        await sql.query(STATEMENTS.report, [num(args.reportId), addr(args.patient), String(args.commitment), origin.timestamp, ...at]);
        break;
      case 'ReportShared':
      case 'ReportRevoked':
        await sql.query(STATEMENTS.grant, [num(args.reportId), num(args.hospitalId), event.name === 'ReportShared', origin.timestamp, ...at]);
        break;
      case 'PrescriptionAdded':
        await sql.query(STATEMENTS.prescription, [
          num(args.reportId), num(args.index), addr(args.doctor), num(args.hospitalId), String(args.commitment), origin.timestamp, ...at,
        ]);
        break;
      default:
        break; // ReportAccessed is only an act; OpenZeppelin's role events change no table here
    }
    await recordAct(event, origin);
  }

  const setCursor = (next: number) => sql.query(SET_SETTING, [CURSOR, String(next)]);

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
      const row = await sql.first<{ value: string }>('SELECT value FROM settings WHERE key = $1', [CURSOR]);
      return row === undefined ? undefined : Number(row.value);
    },
    reset: fromBlock =>
      sql.transaction(async () => {
        for (const table of READ_MODEL_TABLES) await sql.query(`DELETE FROM ${table}`);
        await setCursor(fromBlock);
      }),
  };
}
