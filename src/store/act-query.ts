/**
 * The audit report's joins, filters and sorts over `ledger_acts a`, in the SQL every store speaks:
 * each store only names the columns, binds the values its own way and, for text, says how it
 * compares bytes (sqlite/acts.ts, postgres/acts.ts). And the read model's other filters, of
 * emergencies and claims (sqlite/read-model.ts, postgres/read-model.ts).
 */
import type { ActFilter, ActSort, ReadModel } from './ports';

/** The acts and what names them: the aliases the filters and sorts below use. */
export const ACTS_FROM = `
  FROM ledger_acts a
    LEFT JOIN users ua ON ua.address = a.actor
    LEFT JOIN users up ON up.address = a.patient
    LEFT JOIN users ud ON ud.address = a.doctor
    LEFT JOIN ledger_organisations h ON h.id = a.hospital_id
    LEFT JOIN ledger_reports r ON r.id = a.report_id`;

/**
 * The WHERE clause of `filter` ('' for none) and its values in order; `placeholder` names the
 * n-th value (1-based) in the store's SQL.
 */
export function actWhere(filter: ActFilter, placeholder: (position: number) => string): { sql: string; params: unknown[] } {
  return where(placeholder, (clauses, bind) => {
    if (filter.from !== undefined) clauses.push(`a.time >= ${bind(filter.from)}`);
    if (filter.to !== undefined) clauses.push(`a.time < ${bind(filter.to)}`);
    if (filter.actor === 'admin') clauses.push('a.actor IS NULL');
    else if (filter.actor !== undefined) clauses.push(`a.actor = ${bind(filter.actor)}`);
    if (filter.patient !== undefined) clauses.push(`a.patient = ${bind(filter.patient)}`);
    if (filter.act !== undefined) clauses.push(`a.act = ${bind(filter.act)}`);
  });
}

type EmergencyFilter = NonNullable<Parameters<ReadModel['emergencies']>[0]>;

/**
 * The WHERE clause over `ledger_emergencies e` of an emergencies filter, as actWhere's: only the
 * conditions given, so that each query walks its own index (by patient, by doctor).
 */
export function emergencyWhere(filter: EmergencyFilter, placeholder: (position: number) => string): { sql: string; params: unknown[] } {
  return where(placeholder, (clauses, bind) => {
    if (filter.patient !== undefined) clauses.push(`e.patient = ${bind(filter.patient)}`);
    if (filter.doctor !== undefined) clauses.push(`e.doctor = ${bind(filter.doctor)}`);
  });
}

type ClaimFilter = NonNullable<Parameters<ReadModel['claims']>[0]>;

/** The WHERE clause over `ledger_claims c` of a claims filter, as emergencyWhere's (indexes by patient, by insurer). */
export function claimWhere(filter: ClaimFilter, placeholder: (position: number) => string): { sql: string; params: unknown[] } {
  return where(placeholder, (clauses, bind) => {
    if (filter.patient !== undefined) clauses.push(`c.patient = ${bind(filter.patient)}`);
    if (filter.insurerId !== undefined) clauses.push(`c.insurer_id = ${bind(filter.insurerId)}`);
  });
}

/** A WHERE clause of the conditions `add` makes ('' for none), each value bound by `bind`, and the values in order. */
function where(
  placeholder: (position: number) => string,
  add: (clauses: string[], bind: (value: unknown) => string) => void,
): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  add(clauses, value => placeholder(params.push(value)));
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** Each sort's own key, before the ledger's order (which alone is `time`); every key is non-null. */
const SORT_KEYS: Record<Exclude<ActSort, 'time'>, { readonly expression: string; readonly text: boolean }> = {
  act: { expression: 'a.act', text: true },
  actor: { expression: "coalesce(ua.username, '')", text: true },
  patient: { expression: "coalesce(up.username, '')", text: true },
  report: { expression: 'coalesce(a.report_id, 0)', text: false },
};

/**
 * The ORDER BY list of a sort: its key, then the acts' order on the ledger, all one way.
 * `bytewise` makes a text key compare by bytes (SQLite's default; PostgreSQL needs COLLATE "C").
 */
export function actOrder(sort: ActSort, descending: boolean, bytewise: (text: string) => string = text => text): string {
  const direction = descending ? 'DESC' : 'ASC';
  const keys = ['a.block_number', 'a.log_index'];
  if (sort !== 'time') {
    const { expression, text } = SORT_KEYS[sort];
    keys.unshift(text ? bytewise(expression) : expression);
  }
  return keys.map(key => `${key} ${direction}`).join(', ');
}
