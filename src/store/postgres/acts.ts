/**
 * Queries over `ledger_acts` in PostgreSQL, as in SQLite (sqlite/acts.ts): the same filters and
 * sorts (../act-query.ts) and pages. Text sorts compare bytes (COLLATE "C"), as SQLite's do.
 */
import { ACTS_FROM, actOrder, actWhere } from '../act-query';
import type { ActFilter, ActRow, ActStore } from '../ports';
import type { PostgresConnection } from './connection';
import { paging } from './read-model';

const SELECT = `
  SELECT a.tx_hash AS "transactionHash", a.block_number AS "blockNumber", a.time, a.act, a.actor,
    ua.username AS "actorUsername", ua.role AS "actorRole", a.patient, up.username AS "patientUsername",
    a.doctor, ud.full_name AS "doctorName", a.report_id AS "reportId", a.hospital_id AS "hospitalId", h.name AS "hospitalName",
    r.commitment AS "reportCommitment", a.purpose, a.ref
  ${ACTS_FROM}`;

/** The filter's WHERE clause, its values bound as $1, $2, … */
const where = (filter: ActFilter) => actWhere(filter, position => `$${position}`);

/** Text compared by its bytes, as SQLite does. */
const bytewise = (text: string) => `${text} COLLATE "C"`;

export function createActs(sql: PostgresConnection): ActStore {
  return {
    find: (filter, sort, descending, page) => {
      const { sql: clause, params } = where(filter);
      const window = ` LIMIT $${params.length + 1} OFFSET $${params.length + 2}`;
      return sql.rows<ActRow>(`${SELECT} ${clause} ORDER BY ${actOrder(sort, descending, bytewise)}${window}`, [...params, ...paging(page)]);
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
