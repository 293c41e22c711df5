/**
 * Queries over `ledger_acts`, one row per event of the contract: the admin's audit report and a
 * patient's access log. Names come from joins with the app's own tables, never from the ledger.
 * The joins, filters and sorts are ../act-query.ts: here are the columns and how SQLite binds values.
 */
import { ACTS_FROM, actOrder, actWhere } from '../act-query';
import type { ActFilter, ActRow, ActStore } from '../ports';
import type { SqliteConnection } from './connection';

const SELECT = `
  SELECT a.tx_hash AS transactionHash, a.block_number AS blockNumber, a.time, a.act, a.actor,
    ua.username AS actorUsername, ua.role AS actorRole, a.patient, up.username AS patientUsername,
    a.doctor, ud.full_name AS doctorName, a.report_id AS reportId, a.hospital_id AS hospitalId, h.name AS hospitalName,
    r.commitment AS reportCommitment, a.purpose, a.ref
  ${ACTS_FROM}`;

/** The filter's WHERE clause, its values bound by position. */
const where = (filter: ActFilter) => actWhere(filter, () => '?');

export function createActs(sql: SqliteConnection): ActStore {
  return {
    find: (filter, sort, descending, page) =>
      sql.run(db => {
        const { sql: clause, params } = where(filter);
        const paging = page ? ` LIMIT ${Math.trunc(page.limit)} OFFSET ${Math.trunc(page.offset)}` : '';
        return db.prepare<unknown[], ActRow>(`${SELECT} ${clause} ORDER BY ${actOrder(sort, descending)}${paging}`).all(...params);
      }),
    count: filter =>
      sql.run(db => {
        const { sql: clause, params } = where(filter);
        return db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM ledger_acts a ${clause}`).get(...params)?.n ?? 0;
      }),
    accessLog: (patient, limit, offset) =>
      sql.run(() =>
        sql
          .statement<[string, number, number], ActRow>(`${SELECT} WHERE a.patient = ? AND a.act = 'opened' ORDER BY a.block_number DESC, a.log_index DESC LIMIT ? OFFSET ?`)
          .all(patient, limit, offset),
      ),
    accessCount: patient =>
      sql.run(() => sql.statement<[string], { n: number }>(`SELECT count(*) AS n FROM ledger_acts WHERE patient = ? AND act = 'opened'`).get(patient)?.n ?? 0),
    // The doctor is the act's actor: the actor index walks that doctor's acts, newest first.
    lastOpening: (doctor, reportId) =>
      sql.run(
        () =>
          sql
            .statement<[string, number], { time: number }>(`SELECT time FROM ledger_acts WHERE actor = ? AND act = 'opened' AND report_id = ? ORDER BY block_number DESC LIMIT 1`)
            .get(doctor, reportId)?.time,
      ),
  };
}
