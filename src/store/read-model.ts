/**
 * The queries pages make over the read model (`ledger_*` tables) joined with the off-ledger
 * details. Each list is one query: no page costs a node call per row.
 */
import type { Db } from './database';

export interface HospitalRow {
  readonly id: number;
  readonly name: string;
  readonly address: string;
  readonly phone: string;
  readonly doctorCount: number;
}

export interface DoctorRow {
  readonly username: string;
  readonly fullName: string;
  readonly email: string;
  readonly specialty: string;
  readonly address: string;
  readonly hospitalId: number;
  readonly hospitalName: string;
  readonly hospitalAddress: string;
  readonly hospitalPhone: string;
}

export interface ReportRow {
  readonly id: number;
  readonly patient: string;
  readonly commitment: string;
  readonly createdAt: number;
  readonly transactionHash: string;
  readonly blockNumber: number;
}

export interface GrantRow {
  readonly reportId: number;
  readonly hospitalId: number;
  readonly hospitalName: string;
  readonly active: boolean;
}

export interface PrescriptionRow {
  readonly reportId: number;
  readonly index: number;
  readonly doctor: string;
  readonly hospitalId: number;
  readonly hospitalName: string;
  readonly commitment: string;
  readonly createdAt: number;
  readonly transactionHash: string;
  readonly blockNumber: number;
}

const REPORT_COLUMNS = 'r.id, r.patient, r.commitment, r.created_at AS createdAt, r.tx_hash AS transactionHash, r.block_number AS blockNumber';
const PRESCRIPTION_COLUMNS = `p.report_id AS reportId, p.idx AS "index", p.doctor, p.hospital_id AS hospitalId, h.name AS hospitalName,
  p.commitment, p.created_at AS createdAt, p.tx_hash AS transactionHash, p.block_number AS blockNumber`;

/** Which rows of a list to read: `limit` rows after skipping `offset`. */
export interface PageWindow {
  readonly limit: number;
  readonly offset: number;
}

const ALL: PageWindow = { limit: -1, offset: 0 }; // SQLite reads LIMIT -1 as "no limit"

const placeholders = (values: readonly unknown[]) => values.map(() => '?').join(',');

export function createReadModel(db: Db) {
  const hospitals = db.prepare<[], HospitalRow>(`
    SELECT h.id, h.name, coalesce(d.address, '') AS address, coalesce(d.phone, '') AS phone,
      (SELECT count(*) FROM ledger_doctors WHERE hospital_id = h.id) AS doctorCount
    FROM ledger_hospitals h LEFT JOIN hospital_details d ON d.hospital_id = h.id
    ORDER BY h.name COLLATE NOCASE, h.id`);
  const hospitalNames = db.prepare<[], { id: number; name: string }>('SELECT id, name FROM ledger_hospitals');
  const hospitalExists = db.prepare<[number], { id: number }>('SELECT id FROM ledger_hospitals WHERE id = ?');
  const doctors = db.prepare<[], DoctorRow>(`
    SELECT u.username, u.full_name AS fullName, u.email, u.specialty, u.address, h.id AS hospitalId, h.name AS hospitalName,
      coalesce(d.address, '') AS hospitalAddress, coalesce(d.phone, '') AS hospitalPhone
    FROM users u
      JOIN ledger_doctors ld ON ld.address = u.address
      JOIN ledger_hospitals h ON h.id = ld.hospital_id
      LEFT JOIN hospital_details d ON d.hospital_id = h.id
    WHERE u.role = 'doctor'
    ORDER BY u.full_name COLLATE NOCASE, u.username`);
  const report = db.prepare<[number], ReportRow>(`SELECT ${REPORT_COLUMNS} FROM ledger_reports r WHERE r.id = ?`);
  // Pages of reports, newest first. Each walks its index in order and stops after LIMIT rows, so
  // a page costs the same however many reports the ledger holds in all.
  const reportsOfPatient = db.prepare<[string, number, number], ReportRow>(`
    SELECT ${REPORT_COLUMNS} FROM ledger_reports r WHERE r.patient = ? ORDER BY r.id DESC LIMIT ? OFFSET ?`);
  const reportsForHospital = db.prepare<[number, number, number], ReportRow>(`
    SELECT ${REPORT_COLUMNS} FROM ledger_grants g JOIN ledger_reports r ON r.id = g.report_id
    WHERE g.hospital_id = ? AND g.active = 1 ORDER BY g.report_id DESC LIMIT ? OFFSET ?`);

  return {
    hospitals: () => hospitals.all(),
    hospitalExists: (hospitalId: number) => hospitalExists.get(hospitalId) !== undefined,
    doctors: () => doctors.all(),
    report: (reportId: number) => report.get(reportId),
    reportsOfPatient: (patient: string, page: PageWindow = ALL) => reportsOfPatient.all(patient, page.limit, page.offset),
    reportsForHospital: (hospitalId: number, page: PageWindow = ALL) => reportsForHospital.all(hospitalId, page.limit, page.offset),

    /** Every grant (active or revoked) of the given reports, by report. */
    grants(reportIds: readonly number[]): Map<number, GrantRow[]> {
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
    },

    /** The newest prescription of each of the given reports that has one. */
    latestPrescriptions(reportIds: readonly number[]): Map<number, PrescriptionRow> {
      if (reportIds.length === 0) return new Map();
      const rows = db
        .prepare<number[], PrescriptionRow>(`
          SELECT ${PRESCRIPTION_COLUMNS} FROM ledger_prescriptions p JOIN ledger_hospitals h ON h.id = p.hospital_id
          WHERE p.report_id IN (${placeholders(reportIds)})
            AND p.idx = (SELECT max(idx) FROM ledger_prescriptions WHERE report_id = p.report_id)`)
        .all(...reportIds);
      return new Map(rows.map(row => [row.reportId, row]));
    },

    hospitalNames(): Map<number, string> {
      return new Map(hospitalNames.all().map(row => [row.id, row.name]));
    },
  };
}

export type ReadModel = ReturnType<typeof createReadModel>;
