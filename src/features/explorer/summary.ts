/**
 * "What happened" in one line, for a student reading the block list: the function a transaction
 * called and what its events say it did ("addReport: report 12 shared with 2 hospitals").
 * Made from the ledger's own values only (ids, counts, organisation names, which the ledger
 * holds in the clear): never a person's name, whoever reads it.
 */
import { PURPOSES } from '../../domain/acts';
import { ORGANISATION_KINDS, STAFF_ROLE_IDS } from '../../domain/organisations';
import type { Decoded } from '../../ledger/abi';

const ETHER = 10n ** 18n;

/** Wei as ETH, with every significant decimal. */
export function ether(wei: bigint): string {
  const whole = wei / ETHER;
  const fraction = (wei % ETHER).toString().padStart(18, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}


export interface SummaryInput {
  readonly to: string | null;
  readonly value: bigint;
  readonly succeeded: boolean;
  readonly call: Decoded | undefined;
  readonly events: readonly Decoded[];
  /** Whether the transaction was sent to the EHR contract. */
  readonly toContract: boolean;
}

export function summarise(tx: SummaryInput, organisations: ReadonlyMap<number, string>): string {
  if (tx.to === null) return 'contract created';
  if (!tx.toContract) return tx.value > 0n ? `transfer of ${ether(tx.value)} ETH (gas money for an account)` : 'a transaction to another account';
  if (!tx.call) return 'a call the contract does not know';
  const name = tx.call.name;
  if (!tx.succeeded) return `${name}: refused by the contract (reverted), nothing changed`;
  const what = describe(name, tx.call.args, tx.events, id => organisations.get(Number(id)) ?? `organisation #${String(id)}`);
  return what ? `${name}: ${what}` : name;
}

function describe(call: string, args: Readonly<Record<string, unknown>>, events: readonly Decoded[], org: (id: unknown) => string): string | undefined {
  const event = (eventName: string) => events.find(e => e.name === eventName)?.args;
  const all = (eventName: string) => events.filter(e => e.name === eventName).map(e => e.args);
  const s = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const until = (value: unknown) => (Number(value) > 0 ? ` until ${new Date(Number(value) * 1000).toISOString().slice(0, 10)}` : '');
  const prescription = (a: Readonly<Record<string, unknown>>) => `prescription ${String(a.index)} of report ${String(a.reportId)}`;
  switch (call) {
    case 'addOrganisation': {
      const added = event('OrganisationAdded');
      return added ? `${ORGANISATION_KINDS[Number(added.kind)] ?? 'organisation'} #${String(added.organisationId)} “${String(added.name)}” added` : undefined;
    }
    case 'addStaff': {
      const role = STAFF_ROLE_IDS.get(String(event('StaffAdded')?.role ?? '').toLowerCase());
      return `a ${role ?? 'staff member'} added at ${org(args.organisationId)}`;
    }
    case 'removeStaff': {
      const removed = event('StaffRemoved');
      const role = STAFF_ROLE_IDS.get(String(removed?.role ?? '').toLowerCase());
      return removed ? `a ${role ?? 'staff member'} of ${org(removed.organisationId)} removed` : 'a staff member removed';
    }
    case 'registerPatient':
      return 'a patient registered';
    case 'addReport': {
      const added = event('ReportAdded');
      const shared = all('ReportShared').length;
      return added ? `report ${String(added.reportId)} added${shared ? `, shared with ${s(shared, 'hospital')}` : ', shared with no one'}` : undefined;
    }
    case 'shareReport':
      return `report ${String(args.reportId)} shared with ${org(args.hospitalId)}${until(args.until)}`;
    case 'revokeReport':
      return `report ${String(args.reportId)} no longer shared with ${org(args.hospitalId)}`;
    case 'addPrescription': {
      const added = event('PrescriptionAdded');
      return added ? `${prescription(added)} written at ${org(added.hospitalId)}` : undefined;
    }
    case 'recordAccess':
    case 'recordPrescriptionAccess':
    case 'recordClaimAccess': {
      const opened = event('ReportAccessed');
      if (!opened) return undefined;
      const what = call === 'recordPrescriptionAccess' ? `a prescription of report ${String(opened.reportId)}` : `report ${String(opened.reportId)}`;
      return `${what} opened at ${org(opened.organisationId)}, for ${PURPOSES[Number(opened.purpose)] ?? 'another reason'}`;
    }
    case 'openEmergency': {
      const opened = event('EmergencyOpened');
      return opened ? `emergency access #${String(opened.emergencyId)} opened at ${org(opened.hospitalId)} for ${s(Math.round((Number(opened.end) - Number(opened.start)) / 3600), 'hour')}` : undefined;
    }
    case 'endEmergency':
      return `emergency access #${String(args.emergencyId)} ended`;
    case 'sendPrescription':
      return `${prescription(args)} sent to ${org(args.pharmacyId)}${until(args.until)}`;
    case 'withdrawPrescription':
      return `${prescription(args)} taken back from its pharmacy`;
    case 'dispensePrescription': {
      const dispensed = event('PrescriptionDispensed');
      return `${prescription(args)} dispensed${dispensed ? ` at ${org(dispensed.pharmacyId)}` : ''}`;
    }
    case 'fileClaim': {
      const filed = event('ClaimFiled');
      return filed ? `claim #${String(filed.claimId)} on report ${String(filed.reportId)} filed with ${org(filed.insurerId)} for ${String(filed.amount)}` : undefined;
    }
    case 'approveClaim':
      return `claim #${String(args.claimId)} approved for ${String(args.amount)}`;
    case 'rejectClaim':
      return `claim #${String(args.claimId)} rejected`;
    default:
      return events.length ? s(events.length, 'event') : undefined;
  }
}
