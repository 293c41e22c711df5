/**
 * Queries over `ledger_acts` in PostgreSQL, as in SQLite (sqlite/acts.ts): the same filters, sorts
 * and pages. Text sorts compare bytes (COLLATE "C"), as SQLite's do; every sort key is non-null.
 */
import type { ActFilter, ActRow, ActSort, ActStore } from '../ports';
import type { PostgresConnection } from './connection';
import { paging } from './read-model';

const ORDER: Record<ActSort, string> = {
  time: 'a.block_number %s, a.log_index %s',
  act: 'a.act COLLATE "C" %s, a.block_number %s, a.log_index %s',
  actor: `coalesce(ua.username, '') COLLATE "C" %s, a.block_number %s, a.log_index %s`,
  patient: `coalesce(up.username, '') COLLATE "C" %s, a.block_number %s, a.log_index %s`,
  report: 'coalesce(a.report_id, 0) %s, a.block_number %s, a.log_index %s',
};

const SELECT = `
  SELECT a.tx_hash AS "transactionHash", a.block_number AS "blockNumber", a.time, a.act, a.actor,
    ua.username AS "actorUsername", ua.role AS "actorRole", a.patient, up.username AS "patientUsername",
    a.doctor, ud.full_name AS "doctorName", a.report_id AS "reportId", a.hospital_id AS "hospitalId", h.name AS "hospitalName",
    r.commitment AS "reportCommitment"
  FROM ledger_acts a
    LEFT JOIN users ua ON ua.address = a.actor
    LEFT JOIN users up ON up.address = a.patient
    LEFT JOIN users ud ON ud.address = a.doctor
    LEFT JOIN ledger_hospitals h ON h.id = a.hospital_id
    LEFT JOIN ledger_reports r ON r.id = a.report_id`;

function where(filter: ActFilter): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    clauses.push(clause.replace('?', `$${params.length}`));
  };
  if (filter.from !== undefined) add('a.time >= ?', filter.from);
  if (filter.to !== undefined) add('a.time < ?', filter.to);
  if (filter.actor === 'admin') clauses.push('a.actor IS NULL');
  else if (filter.actor !== undefined) add('a.actor = ?', filter.actor);
  if (filter.patient !== undefined) add('a.patient = ?', filter.patient);
  if (filter.act !== undefined) add('a.act = ?', filter.act);
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export function createActs(sql: PostgresConnection): ActStore {
  return {
    find: (filter, sort, descending, page) => {
      const { sql: clause, params } = where(filter);
      const direction = descending ? 'DESC' : 'ASC';
      const order = ORDER[sort].replaceAll('%s', direction);
      const [limit, offset] = paging(page);
      const window = ` LIMIT $${params.length + 1} OFFSET $${params.length + 2}`;
      return sql.rows<ActRow>(`${SELECT} ${clause} ORDER BY ${order}${window}`, [...params, limit, offset]);
    },
    count: async filter => {
      const { sql: clause, params } = where(filter);
      return (await sql.first<{ n: number }>(`SELECT count(*) AS n FROM ledger_acts a ${clause}`, params))?.n ?? 0;
    },
    accessLog: (patient, limit, offset) =>
      sql.rows<ActRow>(
        `${SELECT} WHERE a.patient = $1 AND a.act = 'opened' ORDER BY a.block_number DESC, a.log_index DESC LIMIT $2 OFFSET $3`,
        [patient, ...paging({ limit, offset })],
      ),
    accessCount: async patient =>
      (await sql.first<{ n: number }>(`SELECT count(*) AS n FROM ledger_acts WHERE patient = $1 AND act = 'opened'`, [patient]))?.n ?? 0,
    // The doctor is the act's actor: the actor index walks that doctor's acts, newest first.
    lastOpening: async (doctor, reportId) =>
      (
        await sql.first<{ time: number }>(
          `SELECT time FROM ledger_acts WHERE actor = $1 AND act = 'opened' AND report_id = $2 ORDER BY block_number DESC LIMIT 1`,
          [doctor, reportId],
        )
      )?.time,
  };
}
