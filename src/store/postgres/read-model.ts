/**
 * The read model's queries in PostgreSQL (see ReadModel): the `ledger_*` tables joined with the
 * off-ledger details, each list one query. Orders are SQLite's: text by its bytes (COLLATE "C"),
 * and SQLite's NOCASE (ASCII letters folded) as lower() under "C".
 */
import { claimWhere, emergencyWhere } from '../act-query';
import type {
  ClaimRow, DispatchRow, DoctorRow, EmergencyRow, GrantRow, HospitalRow, OrganisationRow, PageWindow, PrescriptionRow, ReadModel, ReportRow, StaffRow,
} from '../ports';
import type { PostgresConnection } from './connection';

const REPORT_COLUMNS = 'r.id, r.patient, r.commitment, r.created_at AS "createdAt", r.tx_hash AS "transactionHash", r.block_number AS "blockNumber"';
const PRESCRIPTION_COLUMNS = `p.report_id AS "reportId", p.idx AS "index", p.doctor, p.hospital_id AS "hospitalId", h.name AS "hospitalName",
  p.commitment, p.created_at AS "createdAt", p.tx_hash AS "transactionHash", p.block_number AS "blockNumber"`;
const EMERGENCIES = `
  SELECT e.id, e.patient, e.doctor, e.hospital_id AS "hospitalId", h.name AS "hospitalName", e.start, e."end", e.ended_early AS "endedEarly",
    e.reason_hash AS "reasonHash", e.tx_hash AS "transactionHash", e.block_number AS "blockNumber"
  FROM ledger_emergencies e JOIN ledger_organisations h ON h.id = e.hospital_id`;
// A dispatch with its prescription (doctor, hospital, commitment, time), the report's patient and the pharmacy.
const DISPATCHES = `
  SELECT x.report_id AS "reportId", x.idx AS "index", r.patient, p.doctor, h.name AS "hospitalName", p.commitment, p.created_at AS "createdAt",
    x.pharmacy_id AS "pharmacyId", ph.name AS "pharmacyName", x.active, x.until, x.dispensed_by AS "dispensedBy", x.dispensed_at AS "dispensedAt",
    x.tx_hash AS "transactionHash", x.block_number AS "blockNumber"
  FROM ledger_dispatches x
    JOIN ledger_prescriptions p ON p.report_id = x.report_id AND p.idx = x.idx
    JOIN ledger_reports r ON r.id = x.report_id
    JOIN ledger_organisations h ON h.id = p.hospital_id
    JOIN ledger_organisations ph ON ph.id = x.pharmacy_id`;
const CLAIMS = `
  SELECT c.id, c.report_id AS "reportId", c.patient, c.insurer_id AS "insurerId", i.name AS "insurerName", c.amount, c.filed_at AS "filedAt", c.status,
    c.approved_amount AS "approvedAmount", c.decided_by AS "decidedBy", c.decided_at AS "decidedAt", c.note_hash AS "noteHash",
    c.tx_hash AS "transactionHash", c.block_number AS "blockNumber"
  FROM ledger_claims c JOIN ledger_organisations i ON i.id = c.insurer_id`;

/** LIMIT and OFFSET of a page: no page (or SQLite's negative "no limit") is LIMIT NULL, i.e. all. */
export function paging(page: PageWindow | undefined): [number | null, number] {
  if (!page) return [null, 0];
  const limit = Math.trunc(page.limit);
  return [limit < 0 ? null : limit, Math.max(0, Math.trunc(page.offset))];
}

export function createReadModel(sql: PostgresConnection): ReadModel {
  return {
    // Hospitals only (pharmacies and insurers are organisations too), with their doctors still on staff.
    hospitals: () =>
      sql.rows<HospitalRow>(`
        SELECT h.id, h.name, coalesce(d.address, '') AS address, coalesce(d.phone, '') AS phone,
          (SELECT count(*) FROM ledger_staff WHERE organisation_id = h.id AND role = 'doctor' AND removed_at IS NULL) AS "doctorCount"
        FROM ledger_organisations h LEFT JOIN hospital_details d ON d.hospital_id = h.id
        WHERE h.kind = 'hospital'
        ORDER BY lower(h.name COLLATE "C"), h.id`),
    hospitalExists: async hospitalId => (await sql.first(`SELECT id FROM ledger_organisations WHERE id = $1 AND kind = 'hospital'`, [hospitalId])) !== undefined,
    // Every organisation's: grants, prescriptions and acts name pharmacies and insurers too.
    hospitalNames: async () => new Map((await sql.rows<{ id: number; name: string }>('SELECT id, name FROM ledger_organisations')).map(row => [row.id, row.name])),
    saveHospitalDetails: async (hospitalId, { address, phone }) =>
      void (await sql.query(
        `INSERT INTO hospital_details (hospital_id, address, phone) VALUES ($1, $2, $3)
         ON CONFLICT (hospital_id) DO UPDATE SET address = excluded.address, phone = excluded.phone`,
        [hospitalId, address, phone],
      )),
    // Removed doctors too, with when: their names stay on what they wrote.
    doctors: () =>
      sql.rows<DoctorRow>(`
        SELECT u.username, u.full_name AS "fullName", u.email, u.specialty, u.address, h.id AS "hospitalId", h.name AS "hospitalName",
          coalesce(d.address, '') AS "hospitalAddress", coalesce(d.phone, '') AS "hospitalPhone", s.removed_at AS "removedAt"
        FROM users u
          JOIN ledger_staff s ON s.address = u.address AND s.role = 'doctor'
          JOIN ledger_organisations h ON h.id = s.organisation_id
          LEFT JOIN hospital_details d ON d.hospital_id = h.id
        ORDER BY lower(u.full_name COLLATE "C"), u.username COLLATE "C"`),
    report: reportId => sql.first<ReportRow>(`SELECT ${REPORT_COLUMNS} FROM ledger_reports r WHERE r.id = $1`, [reportId]),
    reportsOfPatient: (patient, page) =>
      sql.rows<ReportRow>(`SELECT ${REPORT_COLUMNS} FROM ledger_reports r WHERE r.patient = $1 ORDER BY r.id DESC LIMIT $2 OFFSET $3`, [patient, ...paging(page)]),
    // Live grants: not revoked, and without an end or ending after now.
    reportsForHospital: (hospitalId, now, page) =>
      sql.rows<ReportRow>(
        `SELECT ${REPORT_COLUMNS} FROM ledger_grants g JOIN ledger_reports r ON r.id = g.report_id
         WHERE g.hospital_id = $1 AND g.active AND (g.until = 0 OR g.until > $2) ORDER BY g.report_id DESC LIMIT $3 OFFSET $4`,
        [hospitalId, now, ...paging(page)],
      ),

    grants: async reportIds => {
      const byReport = new Map<number, GrantRow[]>(reportIds.map(reportId => [reportId, []]));
      if (reportIds.length === 0) return byReport;
      const rows = await sql.rows<GrantRow>(
        `SELECT g.report_id AS "reportId", g.hospital_id AS "hospitalId", h.name AS "hospitalName", g.active, g.until
         FROM ledger_grants g JOIN ledger_organisations h ON h.id = g.hospital_id
         WHERE g.report_id = ANY ($1::bigint[]) ORDER BY lower(h.name COLLATE "C"), h.id`,
        [[...reportIds]],
      );
      for (const row of rows) byReport.get(row.reportId)?.push(row);
      return byReport;
    },

    latestPrescriptions: async reportIds => {
      if (reportIds.length === 0) return new Map<number, PrescriptionRow>();
      const rows = await sql.rows<PrescriptionRow>(
        `SELECT ${PRESCRIPTION_COLUMNS} FROM ledger_prescriptions p JOIN ledger_organisations h ON h.id = p.hospital_id
         WHERE p.report_id = ANY ($1::bigint[])
           AND p.idx = (SELECT max(idx) FROM ledger_prescriptions WHERE report_id = p.report_id)`,
        [[...reportIds]],
      );
      return new Map(rows.map(row => [row.reportId, row]));
    },

    commitments: async () =>
      new Map(
        (await sql.rows<{ key: string; commitment: string }>(`
          SELECT id::text || ':' AS key, commitment FROM ledger_reports
          UNION ALL SELECT report_id::text || ':' || idx::text, commitment FROM ledger_prescriptions`)).map(row => [row.key, row.commitment]),
      ),
    reportsUpTo: upTo => sql.rows<{ id: number; patient: string; commitment: string }>('SELECT id, patient, commitment FROM ledger_reports WHERE block_number <= $1', [upTo]),
    grantsUpTo: upTo =>
      sql.rows<{ reportId: number; hospitalId: number; active: boolean; until: number }>(
        'SELECT report_id AS "reportId", hospital_id AS "hospitalId", active, until FROM ledger_grants WHERE block_number <= $1',
        [upTo],
      ),

    emergencies: (filter = {}) => {
      const { sql: clause, params } = emergencyWhere(filter, position => `$${position}`);
      return sql.rows<EmergencyRow>(`${EMERGENCIES} ${clause} ORDER BY e.id DESC`, params);
    },
    emergency: id => sql.first<EmergencyRow>(`${EMERGENCIES} WHERE e.id = $1`, [id]),

    // Every organisation's details are kept in hospital_details (keyed by the organisation's id).
    organisations: kind =>
      sql.rows<OrganisationRow>(
        `SELECT o.id, o.kind, o.name, coalesce(d.address, '') AS address, coalesce(d.phone, '') AS phone,
           (SELECT count(*) FROM ledger_staff WHERE organisation_id = o.id AND removed_at IS NULL) AS "staffCount"
         FROM ledger_organisations o LEFT JOIN hospital_details d ON d.hospital_id = o.id
         WHERE o.kind = $1
         ORDER BY o.id`,
        [kind],
      ),
    // Removed staff too, with when: their names stay on what they did.
    staff: role =>
      sql.rows<StaffRow>(
        `SELECT u.username, u.full_name AS "fullName", u.email, u.specialty, u.address, s.role, o.id AS "organisationId", o.name AS "organisationName",
           s.removed_at AS "removedAt"
         FROM users u
           JOIN ledger_staff s ON s.address = u.address AND s.role = $1
           JOIN ledger_organisations o ON o.id = s.organisation_id
         ORDER BY lower(o.name COLLATE "C"), o.id, lower(u.full_name COLLATE "C"), u.username COLLATE "C"`,
        [role],
      ),
    // Live and dispensed ones (not withdrawn), newest send first, walking the partial index in order.
    dispatchesForPharmacy: (pharmacyId, page) =>
      sql.rows<DispatchRow>(
        `${DISPATCHES} WHERE x.pharmacy_id = $1 AND x.active ORDER BY x.block_number DESC, x.report_id DESC, x.idx DESC LIMIT $2 OFFSET $3`,
        [pharmacyId, ...paging(page)],
      ),
    dispatches: async prescriptions => {
      if (prescriptions.length === 0) return new Map<string, DispatchRow>();
      const rows = await sql.rows<DispatchRow>(
        `${DISPATCHES} WHERE (x.report_id, x.idx) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))`,
        [prescriptions.map(({ reportId }) => reportId), prescriptions.map(({ index }) => index)],
      );
      return new Map(rows.map(row => [`${row.reportId}:${row.index}`, row]));
    },
    claims: (filter = {}, page) => {
      const { sql: clause, params } = claimWhere(filter, position => `$${position}`);
      return sql.rows<ClaimRow>(`${CLAIMS} ${clause} ORDER BY c.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [...params, ...paging(page)]);
    },
    claim: id => sql.first<ClaimRow>(`${CLAIMS} WHERE c.id = $1`, [id]),
  };
}
