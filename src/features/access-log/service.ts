/**
 * A patient's access log: each time a doctor opened one of the patient's reports, as the ledger's
 * `ReportAccessed` events record it (doctor, hospital, report id, purpose, block) — named here
 * with the doctor's name, the report's title and, for an emergency opening, the doctor's reason,
 * which only this app knows.
 */
import type { AccessPurpose } from '../../domain/acts';
import type { ActStore, ReadModel, UserStore } from '../../store/ports';
import type { Checked, EmergencyReasonBody, Vault } from '../records/vault';

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
  /** Why: the hospital's grant (treatment), a break-glass access (emergency), a claim (payment), a prescription sent (dispensing). */
  readonly purpose: AccessPurpose;
  /** The reader's role: a doctor, a pharmacist or an insurer's staff member. */
  readonly readerRole: string;
  /** The claim id (payment), the emergency id (emergency) or the prescription index (dispensing); null for treatment. */
  readonly ref: number | null;
  /** For an emergency opening: the doctor's reason, checked against its commitment. */
  readonly reason: Checked<EmergencyReasonBody> | undefined;
}

export function createAccessLogService(acts: ActStore, users: UserStore, vault: Vault, readModel: Pick<ReadModel, 'emergency'>) {
  /** The reasons of the emergency openings among `rows`, by emergency id. */
  async function reasonsOf(rows: readonly { purpose: AccessPurpose | null; ref: number | null }[]) {
    const ids = [...new Set(rows.flatMap(row => (row.purpose === 'emergency' && row.ref ? [row.ref] : [])))];
    const emergencies = (await Promise.all(ids.map(id => readModel.emergency(id)))).filter(row => row !== undefined);
    const reasons = await vault.readMany('emergency-reason', emergencies.map(row => ({ author: row.doctor, commitment: row.reasonHash })));
    return new Map(emergencies.map((row, i) => [row.id, reasons[i]]));
  }

  return {
    async page(userId: number, requested: number) {
      const patient = await users.findById(userId);
      if (!patient || patient.role !== 'patient') return { accesses: [], page: 1, pages: 1, total: 0 };
      const total = await acts.accessCount(patient.address);
      const pages = Math.max(1, Math.ceil(total / ACCESSES_PER_PAGE));
      const page = Math.min(requested, pages);
      const rows = await acts.accessLog(patient.address, ACCESSES_PER_PAGE, (page - 1) * ACCESSES_PER_PAGE);
      // The patient's own reports: each title checked against the report's commitment, in one query.
      const [bodies, reasons] = await Promise.all([
        vault.readMany('report', rows.map(row => ({ author: patient.address, commitment: row.reportCommitment ?? '' }))),
        reasonsOf(rows),
      ]);
      const accesses: Access[] = rows.map((row, i) => ({
        time: new Date(row.time * 1000),
        doctorName: row.doctorName ?? row.doctor ?? 'unknown doctor',
        hospitalName: row.hospitalName ?? 'unknown hospital',
        reportId: row.reportId ?? 0,
        reportTitle: bodies[i].integrity === 'verified' ? bodies[i].body.title : undefined,
        transactionHash: row.transactionHash,
        blockNumber: row.blockNumber,
        purpose: row.purpose ?? 'treatment',
        readerRole: row.actorRole ?? 'doctor',
        ref: row.ref,
        reason: row.purpose === 'emergency' && row.ref ? reasons.get(row.ref) : undefined,
      }));
      return { accesses, page, pages, total };
    },
  };
}

export type AccessLogService = ReturnType<typeof createAccessLogService>;
