/**
 * The audit report: every act on the ledger (from the read model's `ledger_acts`), filtered by
 * period, actor, patient and act, sorted, paged, and as CSV. Periods are whole days in UTC.
 */
import type { ActName } from '../../domain/acts';
import type { ActFilter, ActRow, ActSort, ActStore, UserStore } from '../../store/ports';
import { FieldError } from '../../domain/errors';
import { ACT_LABELS, actorLabel } from './acts';

export const ACTS_PER_PAGE = 50;

export interface AuditQuery {
  /** YYYY-MM-DD, UTC, inclusive. */
  readonly from?: string;
  readonly to?: string;
  /** A username, or "admin". */
  readonly actor?: string;
  /** A patient's username. */
  readonly patient?: string;
  readonly act?: ActName;
  readonly sort: ActSort;
  readonly order: 'asc' | 'desc';
  readonly page: number;
}

export interface AuditRow extends ActRow {
  readonly actLabel: string;
  readonly actorLabel: string;
}

const DAY = 86_400;
const dayStart = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;

export function createAuditService(acts: ActStore, users: UserStore) {
  async function account(field: 'actor' | 'patient', username: string): Promise<string> {
    const user = await users.findByUsername(username.toLowerCase());
    if (!user || (field === 'patient' && user.role !== 'patient')) {
      throw new FieldError(field, field === 'patient' ? `There is no patient named "${username}"` : `There is no user named "${username}"`);
    }
    return user.address;
  }

  /** The query's filter, with usernames turned into addresses; FieldError for an unknown name. */
  async function filter(query: AuditQuery): Promise<ActFilter> {
    if (query.from && query.to && query.to < query.from) throw new FieldError('to', 'The end of the period is before its start');
    return {
      from: query.from ? dayStart(query.from) : undefined,
      to: query.to ? dayStart(query.to) + DAY : undefined,
      actor: query.actor === undefined ? undefined : query.actor.toLowerCase() === 'admin' ? 'admin' : await account('actor', query.actor),
      patient: query.patient === undefined ? undefined : await account('patient', query.patient),
      act: query.act,
    };
  }

  const present = (row: ActRow): AuditRow => ({ ...row, actLabel: ACT_LABELS[row.act], actorLabel: actorLabel(row) });

  return {
    async search(query: AuditQuery) {
      const where = await filter(query);
      const total = await acts.count(where);
      const pages = Math.max(1, Math.ceil(total / ACTS_PER_PAGE));
      const page = Math.min(query.page, pages);
      const rows = await acts.find(where, query.sort, query.order === 'desc', { limit: ACTS_PER_PAGE, offset: (page - 1) * ACTS_PER_PAGE });
      return { rows: rows.map(present), total, page, pages };
    },

    /** Every matching act as CSV (RFC 4180), one line per act. */
    async csv(query: AuditQuery): Promise<string> {
      const rows = (await acts.find(await filter(query), query.sort, query.order === 'desc')).map(present);
      const header = ['time_utc', 'act', 'actor', 'actor_role', 'patient', 'report_id', 'hospital', 'doctor', 'block', 'transaction'];
      const lines = rows.map(row => [
        new Date(row.time * 1000).toISOString(),
        row.act,
        row.actorLabel,
        row.actor === null ? 'admin' : (row.actorRole ?? ''),
        row.patientUsername ?? row.patient ?? '',
        row.reportId ?? '',
        row.hospitalName ?? '',
        row.doctorName ?? '',
        row.blockNumber,
        row.transactionHash,
      ]);
      return [header, ...lines].map(cells => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
    },
  };
}

/**
 * One CSV cell: quoted when it must be, and a leading = + - @ (or tab, CR) neutralised with a
 * quote mark so that a hospital named "=HYPERLINK(…)" is text, not a formula, in a spreadsheet.
 */
export function csvCell(value: string | number): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export type AuditService = ReturnType<typeof createAuditService>;
