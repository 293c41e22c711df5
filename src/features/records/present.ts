/**
 * Reports and prescriptions as pages show them: bodies opened only after their check against the
 * ledger, people named by the users behind their addresses.
 */
import type { PrescriptionOnLedger } from '../../ledger/ehr-client';
import type { UserStore } from '../../store/ports';
import type { Checked, PrescriptionBody, Vault } from './vault';

export interface PrescriptionView {
  readonly index: number;
  readonly doctorName: string;
  readonly hospitalName: string;
  readonly createdAt: Date;
  readonly checked: Checked<PrescriptionBody>;
}

/** The prescriptions the ledger lists for a report, oldest first, each checked. */
export async function presentPrescriptions(
  onLedger: readonly PrescriptionOnLedger[],
  vault: Vault,
  users: UserStore,
  hospitalNames: ReadonlyMap<number, string>,
): Promise<PrescriptionView[]> {
  const [doctors, checked] = await Promise.all([
    users.byAddress(onLedger.map(p => p.doctor)),
    vault.readMany('prescription', onLedger.map(p => ({ author: p.doctor, commitment: p.commitment, reportId: p.reportId }))),
  ]);
  return onLedger.map((p, i) => ({
    index: p.index,
    doctorName: doctors.get(p.doctor)?.fullName ?? p.doctor,
    hospitalName: hospitalNames.get(p.hospitalId) ?? `Hospital ${p.hospitalId}`,
    createdAt: p.createdAt,
    checked: checked[i],
  }));
}
