/**
 * A doctor's view: the reports shared with the doctor's hospital, and prescriptions. Access is
 * the ledger's to decide, not the database's: the doctor's hospital is the contract's
 * `hospitalOf` (never `users.hospital_id`), the dashboard lists only the read model's rows the
 * contract says that hospital may read, each with the owner and commitment the ledger fixed for
 * it, and before a report is shown its grant is read from the contract itself, so a revoke takes
 * effect at once. Who may see what is the access policy's to say (`domain/access-policy.ts`).
 */
import type { LedgerReceipt } from '../../ledger/ehr-client';
import type { PageWindow } from '../../store/read-model';
import type { User } from '../../store/users';
import type { Actor } from '../../domain/access-policy';
import { presentPrescriptions, type PrescriptionView } from '../records/present';
import type { Checked, PrescriptionBody, ReportBody } from '../records/vault';
import type { BackgroundTasks } from '../records/background';
import type { RecordServiceDeps } from '../records/deps';
import type { Openings } from '../access-log/openings';
import { createRecordPolicy } from '../records/policy';

export interface SharedReport {
  readonly id: number;
  readonly patientName: string;
  readonly createdAt: Date;
  readonly checked: Checked<ReportBody>;
  readonly prescribed: boolean;
}

export interface DoctorReport {
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
  const account = (userId: number): User => policy.member(users.findById(userId), 'doctor');

  /** The doctor with the hospital the ledger says they work at; Forbidden when the ledger knows no such doctor. */
  async function doctor(userId: number): Promise<User & { hospitalId: number; actor: Actor }> {
    const user = account(userId);
    const actor = await policy.actor(user, 'doctor');
    return { ...user, hospitalId: actor.hospitalId as number, actor };
  }

  return {
    async hospitalName(userId: number): Promise<string> {
      return readModel.hospitalNames().get((await doctor(userId)).hospitalId) ?? '';
    },

    /**
     * The reports shared with the doctor's hospital, newest first: all of them, or the rows of
     * `window` (a page). The read model proposes the rows; the ledger keeps those its hospital
     * may read, and gives each its owner and commitment.
     */
    async dashboard(userId: number, window?: PageWindow): Promise<SharedReport[]> {
      const user = await doctor(userId);
      const listed = readModel.reportsForHospital(user.hospitalId, window);
      const ids = listed.map(r => r.id);
      const [granted, identities] = await Promise.all([policy.visible(user.actor, ids), reads.identities(ids)]);
      const reports = listed.flatMap((row, i) => {
        const identity = identities[i];
        return identity && granted.has(row.id) ? [{ ...row, ...identity }] : [];
      });
      const patients = users.byAddress(reports.map(r => r.patient));
      const bodies = vault.readMany('report', reports.map(r => ({ author: r.patient, commitment: r.commitment })));
      const latest = readModel.latestPrescriptions(reports.map(r => r.id));
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
      await policy.require((await doctor(userId)).actor, { id: reportId }, 'read');
      const [onLedger, prescriptions] = await Promise.all([ledger.client.report(reportId), ledger.client.prescriptions(reportId)]);
      return {
        id: reportId,
        patientName: users.byAddress([onLedger.patient]).get(onLedger.patient)?.fullName ?? onLedger.patient,
        createdAt: onLedger.createdAt,
        checked: vault.read('report', { author: onLedger.patient, commitment: onLedger.commitment }),
        prescriptions: presentPrescriptions(prescriptions, vault, users, readModel.hospitalNames()),
      };
    },

    /**
     * Puts "this doctor opened this report" on the ledger (`recordAccess`) without making the page
     * wait: the patient's access log reads it from the ledger's events once it is mined. A reload
     * or the page after a prescription within the same visit records nothing (see `openings`).
     */
    recordAccess(userId: number, reportId: number): void {
      const user = account(userId);
      const settle = openings.claim(user.address, reportId);
      if (!settle) return;
      background.run(`recordAccess of report ${reportId}`, () =>
        writer.write(() => ledger.client.recordAccess(custodian.signer(user.address), reportId)).then(
          () => settle(true),
          (error: unknown) => {
            settle(false);
            throw error;
          },
        ),
      );
    },

    async prescribe(userId: number, reportId: number, body: PrescriptionBody): Promise<LedgerReceipt> {
      const user = await doctor(userId);
      await policy.require(user.actor, { id: reportId }, 'prescribe');
      return writer.writeWithBody(
        'prescription',
        user.address,
        body,
        commitment => ledger.client.addPrescription(custodian.signer(user.address), reportId, commitment),
        reportId,
      );
    },
  };
}

export type DoctorService = ReturnType<typeof createDoctorService>;
