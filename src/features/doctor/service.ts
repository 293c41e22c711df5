/**
 * A doctor's view: the reports shared with the doctor's hospital, and prescriptions. Access is
 * the ledger's to decide, not the database's: the doctor's hospital is the contract's
 * `hospitalOf` (never `users.hospital_id`), the dashboard lists only the read model's rows the
 * contract says that hospital may read, each with the owner and commitment the ledger fixed for
 * it, and before a report is shown its grant is read from the contract itself, so a revoke takes
 * effect at once. Who may see what is the access policy's to say (`domain/access-policy.ts`).
 */
import type { LedgerReceipt } from '../../ledger/ehr-client';
import type { PageWindow, User } from '../../store/ports';
import type { Access, Actor } from '../../domain/access-policy';
import { presentPrescriptions, type PrescriptionView } from '../records/present';
import type { Checked, PrescriptionBody, ReportBody } from '../records/vault';
import type { BackgroundTasks } from '../records/background';
import type { RecordServiceDeps } from '../records/deps';
import { recordOpening, type Openings } from '../access-log/openings';
import { createRecordPolicy } from '../records/policy';

export interface SharedReport {
  readonly id: number;
  readonly patientName: string;
  readonly createdAt: Date;
  readonly checked: Checked<ReportBody>;
  readonly prescribed: boolean;
}

export interface DoctorReport {
  /** Why the doctor may read it: their hospital's grant, or a break-glass access (read only). */
  readonly access: Access;
  readonly id: number;
  readonly patientName: string;
  readonly createdAt: Date;
  readonly checked: Checked<ReportBody>;
  readonly prescriptions: readonly PrescriptionView[];
}

export interface DoctorServiceDeps extends RecordServiceDeps {
  readonly background: BackgroundTasks;
  /** Which openings of a report are recorded on the ledger (one a visit). */
  readonly openings: Openings;
}

export function createDoctorService({ ledger, custodian, users, readModel, writer, vault, reads, background, openings }: DoctorServiceDeps) {
  const policy = createRecordPolicy(ledger.client, reads);

  /** The signed-in user's account, when it is a doctor's. */
  const account = async (userId: number): Promise<User> => policy.member(await users.findById(userId), 'doctor');

  /** The doctor with the hospital the ledger says they work at; Forbidden when the ledger knows no such doctor. */
  async function doctor(userId: number): Promise<User & { hospitalId: number; actor: Actor }> {
    const user = await account(userId);
    const actor = await policy.actor(user, 'doctor');
    return { ...user, hospitalId: actor.hospitalId as number, actor };
  }

  return {
    async hospitalName(userId: number): Promise<string> {
      const [names, user] = await Promise.all([readModel.hospitalNames(), doctor(userId)]);
      return names.get(user.hospitalId) ?? '';
    },

    /**
     * The reports shared with the doctor's hospital, newest first: all of them, or the rows of
     * `window` (a page). The read model proposes the rows; the ledger keeps those its hospital
     * may read, and gives each its owner and commitment.
     */
    async dashboard(userId: number, window?: PageWindow): Promise<SharedReport[]> {
      const user = await doctor(userId);
      const listed = await readModel.reportsForHospital(user.hospitalId, Math.floor(Date.now() / 1000), window);
      const ids = listed.map(r => r.id);
      const [granted, identities] = await Promise.all([policy.visible(user.actor, ids), reads.identities(ids)]);
      const reports = listed.flatMap((row, i) => {
        const identity = identities[i];
        return identity && granted.has(row.id) ? [{ ...row, ...identity }] : [];
      });
      const [patients, bodies, latest] = await Promise.all([
        users.byAddress(reports.map(r => r.patient)),
        vault.readMany('report', reports.map(r => ({ author: r.patient, commitment: r.commitment }))),
        readModel.latestPrescriptions(reports.map(r => r.id)),
      ]);
      return reports.map((report, i) => ({
        id: report.id,
        patientName: patients.get(report.patient)?.fullName ?? report.patient,
        createdAt: new Date(report.createdAt * 1000),
        checked: bodies[i],
        prescribed: latest.has(report.id),
      }));
    },

    async report(userId: number, reportId: number): Promise<DoctorReport> {
      // The grant is asked afresh, never from the dashboard's cache: this page shows the whole body.
      const access = await policy.require((await doctor(userId)).actor, { id: reportId }, 'read');
      const [onLedger, prescriptions, hospitalNames] = await Promise.all([
        ledger.client.report(reportId),
        ledger.client.prescriptions(reportId),
        readModel.hospitalNames(),
      ]);
      const [patients, checked, presented] = await Promise.all([
        users.byAddress([onLedger.patient]),
        vault.read('report', { author: onLedger.patient, commitment: onLedger.commitment }),
        presentPrescriptions(prescriptions, vault, users, hospitalNames),
      ]);
      return {
        access,
        id: reportId,
        patientName: patients.get(onLedger.patient)?.fullName ?? onLedger.patient,
        createdAt: onLedger.createdAt,
        checked,
        prescriptions: presented,
      };
    },

    /**
     * Puts "this doctor opened this report" on the ledger (`recordAccess`) without making the page
     * wait: the patient's access log reads it from the ledger's events once it is mined. A reload
     * or the page after a prescription within the same visit records nothing (see `openings`).
     * Resolves once the write is queued, not mined.
     */
    async recordAccess(userId: number, reportId: number): Promise<void> {
      const user = await account(userId);
      await recordOpening(openings, background, { reader: user.address, reportId, label: `recordAccess of report ${reportId}` }, async () => {
        const signer = await custodian.signer(user.address);
        await writer.write(() => ledger.client.recordAccess(signer, reportId));
      });
    },

    async prescribe(userId: number, reportId: number, body: PrescriptionBody): Promise<LedgerReceipt> {
      const user = await doctor(userId);
      await policy.require(user.actor, { id: reportId }, 'prescribe');
      const signer = await custodian.signer(user.address);
      // A prescription without files is sealed as the first release sealed it: no `files` key.
      const { files = [], ...text } = body;
      const sealed: PrescriptionBody = files.length > 0 ? { ...text, files } : text;
      return writer.writeWithBody('prescription', user.address, sealed, commitment => ledger.client.addPrescription(signer, reportId, commitment), reportId);
    },
  };
}

export type DoctorService = ReturnType<typeof createDoctorService>;
