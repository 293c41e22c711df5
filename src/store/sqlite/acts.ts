/**
 * Queries over `ledger_acts`, one row per event of the contract: the admin's audit report and a
 * patient's access log. Names come from joins with the app's own tables, never from the ledger.
 */
import type { ActFilter, ActRow, ActSort, ActStore } from '../ports';
import type { SqliteConnection } from './connection';

const ORDER: Record<ActSort, string> = {
  time: 'a.block_number %s, a.log_index %s',
  act: 'a.act %s, a.block_number %s, a.log_index %s',
  actor: "coalesce(ua.username, '') %s, a.block_number %s, a.log_index %s",
  patient: "coalesce(up.username, '') %s, a.block_number %s, a.log_index %s",
  report: 'coalesce(a.report_id, 0) %s, a.block_number %s, a.log_index %s',
};

const SELECT = `
  SELECT a.tx_hash AS transactionHash, a.block_number AS blockNumber, a.time, a.act, a.actor,
    ua.username AS actorUsername, ua.role AS actorRole, a.patient, up.username AS patientUsername,
    a.doctor, ud.full_name AS doctorName, a.report_id AS reportId, a.hospital_id AS hospitalId, h.name AS hospitalName,
    r.commitment AS reportCommitment
  FROM ledger_acts a
    LEFT JOIN users ua ON ua.address = a.actor
    LEFT JOIN users up ON up.address = a.patient
    LEFT JOIN users ud ON ud.address = a.doctor
    LEFT JOIN ledger_hospitals h ON h.id = a.hospital_id
    LEFT JOIN ledger_reports r ON r.id = a.report_id`;

function where(filter: ActFilter): { sql: string; params: Record<string, unknown> } {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  const add = (clause: string, name: string, value: unknown) => {
    clauses.push(clause);
    params[name] = value;
  };
  if (filter.from !== undefined) add('a.time >= :from', 'from', filter.from);
  if (filter.to !== undefined) add('a.time < :to', 'to', filter.to);
  if (filter.actor === 'admin') clauses.push('a.actor IS NULL');
  else if (filter.actor !== undefined) add('a.actor = :actor', 'actor', filter.actor);
  if (filter.patient !== undefined) add('a.patient = :patient', 'patient', filter.patient);
  if (filter.act !== undefined) add('a.act = :act', 'act', filter.act);
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export function createActs(sql: SqliteConnection): ActStore {
  return {
    find: (filter, sort, descending, page) =>
      sql.run(db => {
        const { sql: clause, params } = where(filter);
        const direction = descending ? 'DESC' : 'ASC';
        const order = ORDER[sort].replaceAll('%s', direction);
        const paging = page ? ` LIMIT ${Math.trunc(page.limit)} OFFSET ${Math.trunc(page.offset)}` : '';
        return db.prepare<[Record<string, unknown>], ActRow>(`${SELECT} ${clause} ORDER BY ${order}${paging}`).all(params);
      }),
    count: filter =>
      sql.run(db => {
        const { sql: clause, params } = where(filter);
        return db.prepare<[Record<string, unknown>], { n: number }>(`SELECT count(*) AS n FROM ledger_acts a ${clause}`).get(params)?.n ?? 0;
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
