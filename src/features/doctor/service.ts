/**
 * A doctor's view: the reports shared with the doctor's hospital, and prescriptions. Access is
 * the ledger's to decide: before a report is shown the grant is read from the contract itself,
 * so a revoke takes effect at once.
 */
import type { LedgerReceipt } from '../../ledger/ehr-client';
import type { PageWindow } from '../../store/read-model';
import type { User } from '../../store/users';
import { forbidden, HttpError, notFound } from '../../web/http-error';
import { presentPrescriptions, type PrescriptionView } from '../records/present';
import type { Checked, PrescriptionBody, ReportBody } from '../records/vault';
import type { BackgroundTasks } from '../records/background';
import type { RecordServiceDeps } from '../records/deps';

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
}

export function createDoctorService({ ledger, custodian, users, readModel, writer, vault, background }: DoctorServiceDeps) {
  function doctor(userId: number): User & { hospitalId: number } {
    const user = users.findById(userId);
    if (!user || user.role !== 'doctor' || user.hospitalId === null) throw new HttpError(403, 'Access denied', 'This account is not a doctor.');
    return { ...user, hospitalId: user.hospitalId };
  }

  /** Throws 404 for an unknown report and 403 unless the doctor's hospital holds a grant now. */
  async function checkGrant(user: User & { hospitalId: number }, reportId: number): Promise<void> {
    if (await ledger.client.canRead(reportId, user.hospitalId)) return;
    // Refused: only now is it worth a second call, to tell an unknown report from an unshared one.
    if (reportId > (await ledger.client.reportCount())) throw notFound('report');
    throw forbidden('This report is not shared with your hospital.');
  }

  return {
    hospitalName(userId: number): string {
      return readModel.hospitalNames().get(doctor(userId).hospitalId) ?? '';
    },

    /** The reports shared with the doctor's hospital, newest first: all of them, or the rows of `window` (a page). */
    dashboard(userId: number, window?: PageWindow): SharedReport[] {
      const user = doctor(userId);
      const reports = readModel.reportsForHospital(user.hospitalId, window);
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
      const user = doctor(userId);
      await checkGrant(user, reportId);
      const [onLedger, prescriptions] = await Promise.all([ledger.client.report(reportId), ledger.client.prescriptions(reportId)]);
      return {
        id: reportId,
        patientName: users.byAddress([onLedger.patient]).get(onLedger.patient)?.fullName ?? onLedger.patient,
        createdAt: onLedger.createdAt,
        checked: vault.read('report', onLedger.patient, onLedger.commitment),
        prescriptions: presentPrescriptions(prescriptions, vault, users, readModel.hospitalNames()),
      };
    },

    /**
     * Puts "this doctor opened this report" on the ledger (`recordAccess`) without making the page
     * wait: the patient's access log reads it from the ledger's events once it is mined.
     */
    recordAccess(userId: number, reportId: number): void {
      const user = doctor(userId);
      background.run(`recordAccess of report ${reportId}`, () =>
        writer.write(() => ledger.client.recordAccess(custodian.signer(user.address), reportId)),
      );
    },

    async prescribe(userId: number, reportId: number, body: PrescriptionBody): Promise<LedgerReceipt> {
      const user = doctor(userId);
      await checkGrant(user, reportId);
      return writer.writeWithBody('prescription', user.address, body, commitment =>
        ledger.client.addPrescription(custodian.signer(user.address), reportId, commitment),
      );
    },
  };
}

export type DoctorService = ReturnType<typeof createDoctorService>;
