/**
 * Pharmacies: a patient sends a prescription to a pharmacy (a dispensing grant on the ledger), the
 * pharmacy's pharmacists see it — patient, doctor, medicines, dosage, its integrity — and
 * dispense it, once, anywhere: the contract refuses a second dispense and names the first. A
 * pharmacy sees nothing it was not sent, and never the report the prescription was written on.
 */
import type { LedgerReceipt } from '../../ledger/ehr-client';
import { LedgerRevertError } from '../../ledger/errors';
import type { DispatchRow, OrganisationRow, User } from '../../store/ports';
import { Conflict, FieldError, NotFound } from '../../domain/errors';
import { utcMinute } from '../../domain/time';
import type { RecordServiceDeps } from '../records/deps';
import { createRecordPolicy } from '../records/policy';
import type { Checked, PrescriptionBody } from '../records/vault';

/** A prescription as the URLs name it: `<reportId>-<index>`. */
export interface PrescriptionRef {
  readonly reportId: number;
  readonly index: number;
}

export const prescriptionKey = (ref: PrescriptionRef) => `${ref.reportId}-${ref.index}`;

/** Who dispensed a prescription, where and when. */
export interface Dispensed {
  readonly pharmacistName: string;
  readonly pharmacyName: string;
  /** Seconds. */
  readonly at: number;
}

/** A prescription on a pharmacy's list. */
export interface PharmacyPrescription extends PrescriptionRef {
  readonly key: string;
  readonly patientName: string;
  readonly doctorName: string;
  readonly hospitalName: string;
  readonly createdAt: Date;
  readonly checked: Checked<PrescriptionBody>;
  readonly dispensed: Dispensed | undefined;
}

/** Where a patient's prescription stands with pharmacies: for the report page. */
export interface PrescriptionDispatch {
  readonly pharmacyId: number;
  readonly pharmacyName: string;
  /** Sent and not withdrawn (its end may still pass). */
  readonly active: boolean;
  readonly until: number;
  readonly dispensed: Dispensed | undefined;
}

export function createPharmacyService({ ledger, custodian, users, readModel, writer, vault, reads }: RecordServiceDeps) {
  const policy = createRecordPolicy(ledger.client, reads);

  async function pharmacist(userId: number): Promise<User & { pharmacyId: number }> {
    const user = policy.member(await users.findById(userId), 'pharmacist');
    return { ...user, pharmacyId: await policy.organisationOf(user, 'pharmacist') };
  }

  async function dispensedOf(rows: readonly Pick<DispatchRow, 'dispensedBy' | 'dispensedAt' | 'pharmacyName'>[]): Promise<(Dispensed | undefined)[]> {
    const people = await users.byAddress(rows.flatMap(row => (row.dispensedBy ? [row.dispensedBy] : [])));
    return rows.map(row =>
      row.dispensedBy && row.dispensedAt
        ? { pharmacistName: people.get(row.dispensedBy)?.fullName ?? row.dispensedBy, pharmacyName: row.pharmacyName, at: row.dispensedAt }
        : undefined,
    );
  }

  /** The patient's own prescription on the ledger; another's, or an unknown one, is "not found". */
  async function ownPrescription(user: User, ref: PrescriptionRef) {
    const report = await ledger.client.report(ref.reportId);
    await policy.require(await policy.actor(user, 'patient'), { id: ref.reportId, owner: report.patient }, 'share');
    if (ref.index >= report.prescriptionCount) throw new NotFound('prescription');
    return ledger.client.dispensing(ref.reportId, ref.index);
  }

  return {
    pharmacies: (): Promise<OrganisationRow[]> => readModel.organisations('pharmacy'),

    async pharmacyName(userId: number): Promise<string> {
      const { pharmacyId } = await pharmacist(userId);
      return (await readModel.hospitalNames()).get(pharmacyId) ?? '';
    },

    /**
     * The prescriptions sent to the pharmacist's pharmacy, newest first, each kept only while the
     * contract says the pharmacy may read it (a withdrawn or ended grant drops it).
     */
    async dashboard(userId: number): Promise<PharmacyPrescription[]> {
      const user = await pharmacist(userId);
      const listed = await readModel.dispatchesForPharmacy(user.pharmacyId);
      const allowed = await Promise.all(listed.map(row => ledger.client.canReadPrescription(row.reportId, row.index, user.address)));
      const rows = listed.filter((_, i) => allowed[i]);
      const [people, bodies, dispensed] = await Promise.all([
        users.byAddress([...new Set(rows.flatMap(row => [row.patient, row.doctor]))]),
        vault.readMany('prescription', rows.map(row => ({ author: row.doctor, commitment: row.commitment, reportId: row.reportId }))),
        dispensedOf(rows),
      ]);
      return rows.map((row, i) => ({
        reportId: row.reportId,
        index: row.index,
        key: prescriptionKey(row),
        patientName: people.get(row.patient)?.fullName ?? row.patient,
        doctorName: people.get(row.doctor)?.fullName ?? row.doctor,
        hospitalName: row.hospitalName,
        createdAt: new Date(row.createdAt * 1000),
        checked: bodies[i],
        dispensed: dispensed[i],
      }));
    },

    /**
     * Dispenses the prescription on the ledger, once: one already dispensed (here or at another
     * pharmacy, found before sending or refused by the contract) is a Conflict naming who
     * dispensed it and when. A prescription not sent to this pharmacy is "not found".
     */
    async dispense(userId: number, ref: PrescriptionRef): Promise<LedgerReceipt> {
      const user = await pharmacist(userId);
      const already = async (at: { dispensedAt: number; pharmacist: string; dispensedPharmacyId: number }) => {
        const [people, names] = await Promise.all([users.byAddress([at.pharmacist]), readModel.hospitalNames()]);
        const who = people.get(at.pharmacist)?.fullName ?? at.pharmacist;
        return new Conflict(`This prescription was already dispensed by ${who} (${names.get(at.dispensedPharmacyId) ?? 'another pharmacy'}) at ${utcMinute(at.dispensedAt)}.`);
      };
      const state = await ledger.client.dispensing(ref.reportId, ref.index).catch((error: unknown) => {
        if (error instanceof LedgerRevertError) throw new NotFound('prescription');
        throw error;
      });
      if (state.dispensedAt > 0) throw await already(state);
      if (!(await ledger.client.canReadPrescription(ref.reportId, ref.index, user.address))) throw new NotFound('prescription');
      const signer = await custodian.signer(user.address);
      try {
        return await writer.write(() => ledger.client.dispensePrescription(signer, ref.reportId, ref.index));
      } catch (error) {
        if (error instanceof LedgerRevertError && error.error.name === 'EHRAlreadyDispensed') {
          const { pharmacist: by, pharmacyId, dispensedAt } = error.error.args as { pharmacist: string; pharmacyId: bigint; dispensedAt: bigint };
          throw await already({ pharmacist: String(by).toLowerCase(), dispensedPharmacyId: Number(pharmacyId), dispensedAt: Number(dispensedAt) });
        }
        throw error;
      }
    },

    /** Where each of the patient's prescriptions stands with pharmacies, keyed `reportId:index`. */
    async dispatchesOf(prescriptions: readonly PrescriptionRef[]): Promise<Map<string, PrescriptionDispatch>> {
      const found = await readModel.dispatches(prescriptions);
      const rows = [...found.entries()];
      const dispensed = await dispensedOf(rows.map(([, row]) => row));
      return new Map(
        rows.map(([key, row], i) => [key, { pharmacyId: row.pharmacyId, pharmacyName: row.pharmacyName, active: row.active, until: row.until, dispensed: dispensed[i] }]),
      );
    },

    /** The patient sends their prescription to a pharmacy (again: to another one, which replaces the first). */
    async send(userId: number, ref: PrescriptionRef, pharmacyId: number): Promise<LedgerReceipt> {
      const user = policy.member(await users.findById(userId), 'patient');
      const state = await ownPrescription(user, ref);
      if (state.dispensedAt > 0) throw new Conflict('This prescription was already dispensed: it cannot be sent again.');
      if (!(await readModel.organisations('pharmacy')).some(p => p.id === pharmacyId)) throw new FieldError('pharmacyId', 'Choose a pharmacy from the list');
      if (state.live && state.pharmacyId === pharmacyId) throw new FieldError('pharmacyId', 'This prescription was already sent to that pharmacy');
      const signer = await custodian.signer(user.address);
      return writer.write(() => ledger.client.sendPrescription(signer, ref.reportId, ref.index, pharmacyId));
    },

    /** The patient takes a prescription back from the pharmacy it was sent to (before it is dispensed). */
    async withdraw(userId: number, ref: PrescriptionRef): Promise<LedgerReceipt> {
      const user = policy.member(await users.findById(userId), 'patient');
      const state = await ownPrescription(user, ref);
      if (state.dispensedAt > 0) throw new Conflict('This prescription was already dispensed.');
      if (!state.live) throw new FieldError('pharmacyId', 'This prescription is not with a pharmacy');
      const signer = await custodian.signer(user.address);
      return writer.write(() => ledger.client.withdrawPrescription(signer, ref.reportId, ref.index));
    },
  };
}

export type PharmacyService = ReturnType<typeof createPharmacyService>;
