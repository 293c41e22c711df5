/**
 * A patient's access log: each time a doctor opened one of the patient's reports, as the ledger's
 * `ReportAccessed` events record it (doctor, hospital, report id, block) — named here with the
 * doctor's name and the report's title, which only this app knows.
 */
import type { ActStore, UserStore } from '../../store/ports';
import type { Vault } from '../records/vault';

export const ACCESSES_PER_PAGE = 25;

export interface Access {
  readonly time: Date;
  readonly doctorName: string;
  readonly hospitalName: string;
  readonly reportId: number;
  /** The report's title when its body checks out; undefined when it does not. */
  readonly reportTitle: string | undefined;
  readonly transactionHash: string;
  readonly blockNumber: number;
}

export function createAccessLogService(acts: ActStore, users: UserStore, vault: Vault) {
  return {
    async page(userId: number, requested: number) {
      const patient = await users.findById(userId);
      if (!patient || patient.role !== 'patient') return { accesses: [], page: 1, pages: 1, total: 0 };
      const total = await acts.accessCount(patient.address);
      const pages = Math.max(1, Math.ceil(total / ACCESSES_PER_PAGE));
      const page = Math.min(requested, pages);
      const rows = await acts.accessLog(patient.address, ACCESSES_PER_PAGE, (page - 1) * ACCESSES_PER_PAGE);
      // The patient's own reports: each title checked against the report's commitment, in one query.
      const bodies = await vault.readMany('report', rows.map(row => ({ author: patient.address, commitment: row.reportCommitment ?? '' })));
      const accesses: Access[] = rows.map((row, i) => ({
        time: new Date(row.time * 1000),
        doctorName: row.doctorName ?? row.doctor ?? 'unknown doctor',
        hospitalName: row.hospitalName ?? 'unknown hospital',
        reportId: row.reportId ?? 0,
        reportTitle: bodies[i].integrity === 'verified' ? bodies[i].body.title : undefined,
        transactionHash: row.transactionHash,
        blockNumber: row.blockNumber,
      }));
      return { accesses, page, pages, total };
    },
  };
}

export type AccessLogService = ReturnType<typeof createAccessLogService>;
