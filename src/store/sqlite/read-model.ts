/**
 * The read model's queries in SQLite (see ReadModel): the `ledger_*` tables joined with the
 * off-ledger details. Each list is one query: no page costs a node call per row.
 */
import { claimWhere, emergencyWhere } from '../act-query';
import type {
  ClaimRow, DispatchRow, DoctorRow, EmergencyRow, GrantRow, HospitalRow, OrganisationRow, PageWindow, PrescriptionRow, ReadModel, ReportRow, StaffRow,
} from '../ports';
import type { SqliteConnection } from './connection';

const REPORT_COLUMNS = 'r.id, r.patient, r.commitment, r.created_at AS createdAt, r.tx_hash AS transactionHash, r.block_number AS blockNumber';
const PRESCRIPTION_COLUMNS = `p.report_id AS reportId, p.idx AS "index", p.doctor, p.hospital_id AS hospitalId, h.name AS hospitalName,
  p.commitment, p.created_at AS createdAt, p.tx_hash AS transactionHash, p.block_number AS blockNumber`;
const EMERGENCIES = `
  SELECT e.id, e.patient, e.doctor, e.hospital_id AS hospitalId, h.name AS hospitalName, e.start, e."end", e.ended_early AS endedEarly,
    e.reason_hash AS reasonHash, e.tx_hash AS transactionHash, e.block_number AS blockNumber
  FROM ledger_emergencies e JOIN ledger_organisations h ON h.id = e.hospital_id`;
// A dispatch with its prescription (doctor, hospital, commitment, time), the report's patient and the pharmacy.
const DISPATCHES = `
  SELECT x.report_id AS reportId, x.idx AS "index", r.patient, p.doctor, h.name AS hospitalName, p.commitment, p.created_at AS createdAt,
    x.pharmacy_id AS pharmacyId, ph.name AS pharmacyName, x.active, x.until, x.dispensed_by AS dispensedBy, x.dispensed_at AS dispensedAt,
    x.tx_hash AS transactionHash, x.block_number AS blockNumber
  FROM ledger_dispatches x
    JOIN ledger_prescriptions p ON p.report_id = x.report_id AND p.idx = x.idx
    JOIN ledger_reports r ON r.id = x.report_id
    JOIN ledger_organisations h ON h.id = p.hospital_id
    JOIN ledger_organisations ph ON ph.id = x.pharmacy_id`;
const CLAIMS = `
  SELECT c.id, c.report_id AS reportId, c.patient, c.insurer_id AS insurerId, i.name AS insurerName, c.amount, c.filed_at AS filedAt, c.status,
    c.approved_amount AS approvedAmount, c.decided_by AS decidedBy, c.decided_at AS decidedAt, c.note_hash AS noteHash,
    c.tx_hash AS transactionHash, c.block_number AS blockNumber
  FROM ledger_claims c JOIN ledger_organisations i ON i.id = c.insurer_id`;

const ALL: PageWindow = { limit: -1, offset: 0 }; // SQLite reads LIMIT -1 as "no limit"

const placeholders = (values: readonly unknown[]) => values.map(() => '?').join(',');

/** SQLite has no booleans: a flag comes back as 1 or 0. */
type Stored<Row, Flag extends keyof Row> = Omit<Row, Flag> & Record<Flag, number>;
const emergencyOf = (row: Stored<EmergencyRow, 'endedEarly'>): EmergencyRow => ({ ...row, endedEarly: row.endedEarly === 1 });
const dispatchOf = (row: Stored<DispatchRow, 'active'>): DispatchRow => ({ ...row, active: row.active === 1 });

export function createReadModel(sql: SqliteConnection): ReadModel {
  const all = <R>(query: string, ...params: unknown[]) => sql.run(() => sql.statement<unknown[], R>(query).all(...params));
  return {
    // Hospitals only (pharmacies and insurers are organisations too), with their doctors still on staff.
    hospitals: () =>
      all<HospitalRow>(`
        SELECT h.id, h.name, coalesce(d.address, '') AS address, coalesce(d.phone, '') AS phone,
          (SELECT count(*) FROM ledger_staff WHERE organisation_id = h.id AND role = 'doctor' AND removed_at IS NULL) AS doctorCount
        FROM ledger_organisations h LEFT JOIN hospital_details d ON d.hospital_id = h.id
        WHERE h.kind = 'hospital'
        ORDER BY h.name COLLATE NOCASE, h.id`),
    hospitalExists: hospitalId =>
      sql.run(() => sql.statement(`SELECT id FROM ledger_organisations WHERE id = ? AND kind = 'hospital'`).get(hospitalId) !== undefined),
    // Every organisation's: grants, prescriptions and acts name pharmacies and insurers too.
    hospitalNames: async () => new Map((await all<{ id: number; name: string }>('SELECT id, name FROM ledger_organisations')).map(row => [row.id, row.name])),
    saveHospitalDetails: (hospitalId, { address, phone }) =>
      sql.run(() => void sql.statement('INSERT OR REPLACE INTO hospital_details (hospital_id, address, phone) VALUES (?, ?, ?)').run(hospitalId, address, phone)),
    // Removed doctors too, with when: their names stay on what they wrote.
    doctors: () =>
      all<DoctorRow>(`
        SELECT u.username, u.full_name AS fullName, u.email, u.specialty, u.address, h.id AS hospitalId, h.name AS hospitalName,
          coalesce(d.address, '') AS hospitalAddress, coalesce(d.phone, '') AS hospitalPhone, s.removed_at AS removedAt
        FROM users u
          JOIN ledger_staff s ON s.address = u.address AND s.role = 'doctor'
          JOIN ledger_organisations h ON h.id = s.organisation_id
          LEFT JOIN hospital_details d ON d.hospital_id = h.id
        ORDER BY u.full_name COLLATE NOCASE, u.username`),
    report: reportId => sql.run(() => sql.statement<[number], ReportRow>(`SELECT ${REPORT_COLUMNS} FROM ledger_reports r WHERE r.id = ?`).get(reportId)),
    // Pages of reports, newest first. Each walks its index in order and stops after LIMIT rows, so
    // a page costs the same however many reports the ledger holds in all.
    reportsOfPatient: (patient, page = ALL) =>
      all<ReportRow>(`SELECT ${REPORT_COLUMNS} FROM ledger_reports r WHERE r.patient = ? ORDER BY r.id DESC LIMIT ? OFFSET ?`, patient, page.limit, page.offset),
    // Live grants: not revoked, and without an end or ending after now.
    reportsForHospital: (hospitalId, now, page = ALL) =>
      all<ReportRow>(
        `SELECT ${REPORT_COLUMNS} FROM ledger_grants g JOIN ledger_reports r ON r.id = g.report_id
         WHERE g.hospital_id = ? AND g.active = 1 AND (g.until = 0 OR g.until > ?) ORDER BY g.report_id DESC LIMIT ? OFFSET ?`,
        hospitalId, now, page.limit, page.offset,
      ),

    grants: reportIds =>
      sql.run(db => {
        const byReport = new Map<number, GrantRow[]>(reportIds.map(reportId => [reportId, []]));
        if (reportIds.length === 0) return byReport;
        const rows = db
          .prepare<number[], Stored<GrantRow, 'active'>>(`
            SELECT g.report_id AS reportId, g.hospital_id AS hospitalId, h.name AS hospitalName, g.active, g.until
            FROM ledger_grants g JOIN ledger_organisations h ON h.id = g.hospital_id
            WHERE g.report_id IN (${placeholders(reportIds)}) ORDER BY h.name COLLATE NOCASE, h.id`)
          .all(...reportIds);
        for (const row of rows) byReport.get(row.reportId)?.push({ ...row, active: row.active === 1 });
        return byReport;
      }),

    latestPrescriptions: reportIds =>
      sql.run(db => {
        if (reportIds.length === 0) return new Map<number, PrescriptionRow>();
        const rows = db
          .prepare<number[], PrescriptionRow>(`
            SELECT ${PRESCRIPTION_COLUMNS} FROM ledger_prescriptions p JOIN ledger_organisations h ON h.id = p.hospital_id
            WHERE p.report_id IN (${placeholders(reportIds)})
              AND p.idx = (SELECT max(idx) FROM ledger_prescriptions WHERE report_id = p.report_id)`)
          .all(...reportIds);
        return new Map(rows.map(row => [row.reportId, row]));
      }),

    commitments: async () =>
      new Map(
        (await all<{ key: string; commitment: string }>(`
          SELECT id || ':' AS key, commitment FROM ledger_reports
          UNION ALL SELECT report_id || ':' || idx, commitment FROM ledger_prescriptions`)).map(row => [row.key, row.commitment]),
      ),
    reportsUpTo: upTo => all<{ id: number; patient: string; commitment: string }>('SELECT id, patient, commitment FROM ledger_reports WHERE block_number <= ?', upTo),
    grantsUpTo: async upTo =>
      (await all<{ reportId: number; hospitalId: number; active: number; until: number }>(
        'SELECT report_id AS reportId, hospital_id AS hospitalId, active, until FROM ledger_grants WHERE block_number <= ?',
        upTo,
      )).map(row => ({ ...row, active: row.active === 1 })),

    emergencies: async (filter = {}) => {
      const { sql: clause, params } = emergencyWhere(filter, () => '?');
      return (await all<Stored<EmergencyRow, 'endedEarly'>>(`${EMERGENCIES} ${clause} ORDER BY e.id DESC`, ...params)).map(emergencyOf);
    },
    emergency: async id => {
      const row = await sql.run(() => sql.statement<[number], Stored<EmergencyRow, 'endedEarly'>>(`${EMERGENCIES} WHERE e.id = ?`).get(id));
      return row && emergencyOf(row);
    },

    // Every organisation's details are kept in hospital_details (keyed by the organisation's id).
    organisations: kind =>
      all<OrganisationRow>(`
        SELECT o.id, o.kind, o.name, coalesce(d.address, '') AS address, coalesce(d.phone, '') AS phone,
          (SELECT count(*) FROM ledger_staff WHERE organisation_id = o.id AND removed_at IS NULL) AS staffCount
        FROM ledger_organisations o LEFT JOIN hospital_details d ON d.hospital_id = o.id
        WHERE o.kind = ?
        ORDER BY o.id`, kind),
    // Removed staff too, with when: their names stay on what they did.
    staff: role =>
      all<StaffRow>(`
        SELECT u.username, u.full_name AS fullName, u.email, u.specialty, u.address, s.role, o.id AS organisationId, o.name AS organisationName,
          s.removed_at AS removedAt
        FROM users u
          JOIN ledger_staff s ON s.address = u.address AND s.role = ?
          JOIN ledger_organisations o ON o.id = s.organisation_id
        ORDER BY o.name COLLATE NOCASE, o.id, u.full_name COLLATE NOCASE, u.username`, role),
    // Live and dispensed ones (not withdrawn), newest send first, walking the partial index in order.
    dispatchesForPharmacy: async (pharmacyId, page = ALL) =>
      (await all<Stored<DispatchRow, 'active'>>(
        `${DISPATCHES} WHERE x.pharmacy_id = ? AND x.active = 1 ORDER BY x.block_number DESC, x.report_id DESC, x.idx DESC LIMIT ? OFFSET ?`,
        pharmacyId, page.limit, page.offset,
      )).map(dispatchOf),
    dispatches: prescriptions =>
      sql.run(db => {
        if (prescriptions.length === 0) return new Map<string, DispatchRow>();
        const rows = db
          .prepare<number[], Stored<DispatchRow, 'active'>>(`${DISPATCHES} WHERE (x.report_id, x.idx) IN (VALUES ${prescriptions.map(() => '(?, ?)').join(',')})`)
          .all(...prescriptions.flatMap(({ reportId, index }) => [reportId, index]));
        return new Map(rows.map(row => [`${row.reportId}:${row.index}`, dispatchOf(row)]));
      }),
    claims: (filter = {}, page = ALL) => {
      const { sql: clause, params } = claimWhere(filter, () => '?');
      return all<ClaimRow>(`${CLAIMS} ${clause} ORDER BY c.id DESC LIMIT ? OFFSET ?`, ...params, page.limit, page.offset);
    },
    claim: id => sql.run(() => sql.statement<[number], ClaimRow>(`${CLAIMS} WHERE c.id = ?`).get(id)),
  };
}
