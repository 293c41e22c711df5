/**
 * The read model's queries in SQLite (see ReadModel): the `ledger_*` tables joined with the
 * off-ledger details. Each list is one query: no page costs a node call per row.
 */
import type { DoctorRow, GrantRow, HospitalRow, PageWindow, PrescriptionRow, ReadModel, ReportRow } from '../ports';
import type { SqliteConnection } from './connection';

const REPORT_COLUMNS = 'r.id, r.patient, r.commitment, r.created_at AS createdAt, r.tx_hash AS transactionHash, r.block_number AS blockNumber';
const PRESCRIPTION_COLUMNS = `p.report_id AS reportId, p.idx AS "index", p.doctor, p.hospital_id AS hospitalId, h.name AS hospitalName,
  p.commitment, p.created_at AS createdAt, p.tx_hash AS transactionHash, p.block_number AS blockNumber`;

const ALL: PageWindow = { limit: -1, offset: 0 }; // SQLite reads LIMIT -1 as "no limit"

const placeholders = (values: readonly unknown[]) => values.map(() => '?').join(',');

export function createReadModel(sql: SqliteConnection): ReadModel {
  const all = <R>(query: string, ...params: unknown[]) => sql.run(() => sql.statement<unknown[], R>(query).all(...params));
  return {
    hospitals: () =>
      all<HospitalRow>(`
        SELECT h.id, h.name, coalesce(d.address, '') AS address, coalesce(d.phone, '') AS phone,
          (SELECT count(*) FROM ledger_doctors WHERE hospital_id = h.id) AS doctorCount
        FROM ledger_hospitals h LEFT JOIN hospital_details d ON d.hospital_id = h.id
        ORDER BY h.name COLLATE NOCASE, h.id`),
    hospitalExists: hospitalId => sql.run(() => sql.statement('SELECT id FROM ledger_hospitals WHERE id = ?').get(hospitalId) !== undefined),
    hospitalNames: async () => new Map((await all<{ id: number; name: string }>('SELECT id, name FROM ledger_hospitals')).map(row => [row.id, row.name])),
    saveHospitalDetails: (hospitalId, { address, phone }) =>
      sql.run(() => void sql.statement('INSERT OR REPLACE INTO hospital_details (hospital_id, address, phone) VALUES (?, ?, ?)').run(hospitalId, address, phone)),
    doctors: () =>
      all<DoctorRow>(`
        SELECT u.username, u.full_name AS fullName, u.email, u.specialty, u.address, h.id AS hospitalId, h.name AS hospitalName,
          coalesce(d.address, '') AS hospitalAddress, coalesce(d.phone, '') AS hospitalPhone
        FROM users u
          JOIN ledger_doctors ld ON ld.address = u.address
          JOIN ledger_hospitals h ON h.id = ld.hospital_id
          LEFT JOIN hospital_details d ON d.hospital_id = h.id
        WHERE u.role = 'doctor'
        ORDER BY u.full_name COLLATE NOCASE, u.username`),
    report: reportId => sql.run(() => sql.statement<[number], ReportRow>(`SELECT ${REPORT_COLUMNS} FROM ledger_reports r WHERE r.id = ?`).get(reportId)),
    // Pages of reports, newest first. Each walks its index in order and stops after LIMIT rows, so
    // a page costs the same however many reports the ledger holds in all.
    reportsOfPatient: (patient, page = ALL) =>
      all<ReportRow>(`SELECT ${REPORT_COLUMNS} FROM ledger_reports r WHERE r.patient = ? ORDER BY r.id DESC LIMIT ? OFFSET ?`, patient, page.limit, page.offset),
    reportsForHospital: (hospitalId, page = ALL) =>
      all<ReportRow>(
        `SELECT ${REPORT_COLUMNS} FROM ledger_grants g JOIN ledger_reports r ON r.id = g.report_id
         WHERE g.hospital_id = ? AND g.active = 1 ORDER BY g.report_id DESC LIMIT ? OFFSET ?`,
        hospitalId, page.limit, page.offset,
      ),

    grants: reportIds =>
      sql.run(db => {
        const byReport = new Map<number, GrantRow[]>(reportIds.map(reportId => [reportId, []]));
        if (reportIds.length === 0) return byReport;
        const rows = db
          .prepare<number[], Omit<GrantRow, 'active'> & { active: number }>(`
            SELECT g.report_id AS reportId, g.hospital_id AS hospitalId, h.name AS hospitalName, g.active
            FROM ledger_grants g JOIN ledger_hospitals h ON h.id = g.hospital_id
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
            SELECT ${PRESCRIPTION_COLUMNS} FROM ledger_prescriptions p JOIN ledger_hospitals h ON h.id = p.hospital_id
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
      (await all<{ reportId: number; hospitalId: number; active: number }>(
        'SELECT report_id AS reportId, hospital_id AS hospitalId, active FROM ledger_grants WHERE block_number <= ?',
        upTo,
      )).map(row => ({ ...row, active: row.active === 1 })),
  };
}
