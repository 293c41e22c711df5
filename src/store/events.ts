/**
 * Which rows of the read model an event of the contract makes, whatever the database: the
 * store's implementations (sqlite/projection.ts, postgres/projection.ts) only write them, each in
 * its own SQL. An event makes at most one change to a `ledger_*` table and at most one act.
 */
import { actOfEvent, PURPOSES, type AccessPurpose, type ActActor } from '../domain/acts';
import { ORGANISATION_KINDS, STAFF_ROLE_IDS, type OrganisationKind, type StaffRole } from '../domain/organisations';
import type { DecodedEvent } from '../ledger/abi';
import type { EventOrigin } from './ports';

export type { OrganisationKind, StaffRole } from '../domain/organisations';

/** The follower's cursor, a settings key: the first block whose events are not applied yet. */
export const PROJECTION_CURSOR = 'projection.next_block';

/** The read model's tables: the ledger's events as rows, emptied by a reset and rebuilt from the ledger. */
export const READ_MODEL_TABLES = [
  'ledger_organisations', 'ledger_staff', 'ledger_patients', 'ledger_reports', 'ledger_grants', 'ledger_prescriptions',
  'ledger_emergencies', 'ledger_dispatches', 'ledger_claims', 'ledger_acts',
] as const;

/** Where the event happened. */
export interface RowOrigin {
  readonly blockNumber: number;
  readonly txHash: string;
}

/**
 * The change an event makes to the read model's tables (acts aside), by kind. Every change can be
 * applied twice, and in any order relative to the changes of earlier blocks it does not touch:
 * - `organisation`, `patient`, `report`, `prescription`, `emergency-opened`: insert, or nothing when the row is there;
 * - `staff-added`, `grant`: insert, or replace a row written at an earlier or the same block;
 * - `staff-removed`: mark the staff row removed at `removedAt`, when it was written at an earlier or the same block;
 * - `emergency-ended`: set the emergency's `end` and `endedEarly`.
 * - `prescription-sent`: insert or replace the prescription's dispatch (pharmacy, end, active), when
 *   written at an earlier or the same block; `prescription-withdrawn`: mark it inactive, ended at
 *   `changedAt`, likewise; `dispensed`: set who dispensed it and when (once: a dispense is final).
 * - `claim-filed`: insert, or nothing; `claim-decided`: set its decision (once: a decision is final).
 */
export type LedgerChange = RowOrigin &
  (
    | { readonly kind: 'organisation'; readonly id: number; readonly organisationKind: OrganisationKind; readonly name: string }
    | { readonly kind: 'staff-added'; readonly address: string; readonly organisationId: number; readonly role: StaffRole }
    | { readonly kind: 'staff-removed'; readonly address: string; readonly removedAt: number }
    | { readonly kind: 'patient'; readonly address: string }
    | { readonly kind: 'report'; readonly id: number; readonly patient: string; readonly commitment: string; readonly createdAt: number }
    | {
        readonly kind: 'grant';
        readonly reportId: number;
        readonly hospitalId: number;
        /** Not revoked (a grant whose `until` passed is still active: it has expired, not been revoked). */
        readonly active: boolean;
        /** The end: 0 none; for a revoked grant, when it was revoked. */
        readonly until: number;
        readonly changedAt: number;
      }
    | {
        readonly kind: 'prescription';
        readonly reportId: number;
        readonly index: number;
        readonly doctor: string;
        readonly hospitalId: number;
        readonly commitment: string;
        readonly createdAt: number;
      }
    | {
        readonly kind: 'emergency-opened';
        readonly id: number;
        readonly patient: string;
        readonly doctor: string;
        readonly hospitalId: number;
        readonly start: number;
        readonly end: number;
        readonly reasonHash: string;
      }
    | { readonly kind: 'emergency-ended'; readonly id: number; readonly end: number }
    | {
        readonly kind: 'prescription-sent';
        readonly reportId: number;
        readonly index: number;
        readonly pharmacyId: number;
        /** Seconds: the dispensing grant's end; 0 none. */
        readonly until: number;
        readonly changedAt: number;
      }
    | { readonly kind: 'prescription-withdrawn'; readonly reportId: number; readonly index: number; readonly pharmacyId: number; readonly changedAt: number }
    | { readonly kind: 'dispensed'; readonly reportId: number; readonly index: number; readonly pharmacyId: number; readonly pharmacist: string; readonly dispensedAt: number }
    | {
        readonly kind: 'claim-filed';
        readonly id: number;
        readonly reportId: number;
        readonly insurerId: number;
        readonly patient: string;
        /** Whole rupees. */
        readonly amount: number;
        readonly filedAt: number;
      }
    | {
        readonly kind: 'claim-decided';
        readonly id: number;
        readonly status: 'approved' | 'rejected';
        /** Whole rupees; 0 for a rejection. */
        readonly approvedAmount: number;
        readonly decidedBy: string;
        readonly decidedAt: number;
        /** The commitment of the decision's note, or null when none. */
        readonly noteHash: string | null;
      }
  );

/** A row of `ledger_acts`. */
export interface ActRecord {
  readonly txHash: string;
  readonly logIndex: number;
  readonly blockNumber: number;
  /** When the act happened: the block's time, or for a replayed first-release act, its time then. */
  readonly time: number;
  /** The act's id in the vocabulary (domain/acts.ts). */
  readonly act: string;
  /** The acting account; null for the admin's acts, and for a report owner's until the store finds the owner. */
  readonly actor: string | null;
  /** The actor is the owner of report `reportId`: the event names only the report, so the store takes its patient. */
  readonly byReportOwner: boolean;
  /** null: the report's patient, when the act has a report. */
  readonly patient: string | null;
  /** The staff member the act is about or by (a doctor, pharmacist or insurer's staff). */
  readonly doctor: string | null;
  readonly reportId: number | null;
  /** The organisation of the act (a hospital, pharmacy or insurer). */
  readonly hospitalId: number | null;
  /** Why a record was opened (an `opened` act; `emergency` for the emergency acts); null otherwise. */
  readonly purpose: AccessPurpose | null;
  /** The emergency id (emergency acts, and openings under one), the claim id, or the prescription index; null when none. */
  readonly ref: number | null;
}

const num = (value: unknown) => Number(value as bigint);
const addr = (value: unknown) => String(value).toLowerCase();
const optional = <T>(value: unknown, as: (value: unknown) => T): T | null => (value === undefined ? null : as(value));

/** The change `event` makes to the read model's tables; undefined for an event that is only an act, or none. */
export function ledgerChangeOf(event: DecodedEvent, origin: EventOrigin): LedgerChange | undefined {
  const { args } = event;
  const at: RowOrigin = { blockNumber: origin.blockNumber, txHash: origin.transactionHash };
  switch (event.name) {
    case 'OrganisationAdded': {
      const organisationKind = ORGANISATION_KINDS[num(args.kind)];
      return organisationKind && { ...at, kind: 'organisation', id: num(args.organisationId), organisationKind, name: String(args.name) };
    }
    case 'StaffAdded':
      return { ...at, kind: 'staff-added', address: addr(args.account), organisationId: num(args.organisationId), role: staffRoleOf(String(args.role)) };
    case 'StaffRemoved':
      return { ...at, kind: 'staff-removed', address: addr(args.account), removedAt: origin.timestamp };
    case 'PatientRegistered':
      return { ...at, kind: 'patient', address: addr(args.patient) };
    case 'ReportAdded':
      return { ...at, kind: 'report', id: num(args.reportId), patient: addr(args.patient), commitment: String(args.commitment), createdAt: origin.timestamp };
    case 'ReportImported':
      return { ...at, kind: 'report', id: num(args.reportId), patient: addr(args.patient), commitment: String(args.commitment), createdAt: num(args.createdAt) };
    case 'ReportShared':
      return { ...at, kind: 'grant', reportId: num(args.reportId), hospitalId: num(args.hospitalId), active: true, until: num(args.until), changedAt: origin.timestamp };
    case 'GrantImported': {
      // A replayed grant: live (until 0), or ended then, as a revoke (the first release had no ends).
      const until = num(args.until);
      return { ...at, kind: 'grant', reportId: num(args.reportId), hospitalId: num(args.hospitalId), active: until === 0, until, changedAt: until || origin.timestamp };
    }
    case 'ReportRevoked':
      return { ...at, kind: 'grant', reportId: num(args.reportId), hospitalId: num(args.hospitalId), active: false, until: origin.timestamp, changedAt: origin.timestamp };
    case 'PrescriptionAdded':
    case 'PrescriptionImported':
      return {
        ...at,
        kind: 'prescription',
        reportId: num(args.reportId),
        index: num(args.index),
        doctor: addr(args.doctor),
        hospitalId: num(args.hospitalId),
        commitment: String(args.commitment),
        createdAt: event.name === 'PrescriptionImported' ? num(args.createdAt) : origin.timestamp,
      };
    case 'EmergencyOpened':
      return {
        ...at,
        kind: 'emergency-opened',
        id: num(args.emergencyId),
        patient: addr(args.patient),
        doctor: addr(args.doctor),
        hospitalId: num(args.hospitalId),
        start: num(args.start),
        end: num(args.end),
        reasonHash: String(args.reasonHash),
      };
    case 'EmergencyEnded':
      return { ...at, kind: 'emergency-ended', id: num(args.emergencyId), end: num(args.end) };
    case 'PrescriptionSent':
      return {
        ...at,
        kind: 'prescription-sent',
        reportId: num(args.reportId),
        index: num(args.index),
        pharmacyId: num(args.pharmacyId),
        until: num(args.until),
        changedAt: origin.timestamp,
      };
    case 'PrescriptionWithdrawn':
      return { ...at, kind: 'prescription-withdrawn', reportId: num(args.reportId), index: num(args.index), pharmacyId: num(args.pharmacyId), changedAt: origin.timestamp };
    case 'PrescriptionDispensed':
      return {
        ...at,
        kind: 'dispensed',
        reportId: num(args.reportId),
        index: num(args.index),
        pharmacyId: num(args.pharmacyId),
        pharmacist: addr(args.pharmacist),
        dispensedAt: origin.timestamp,
      };
    case 'ClaimFiled':
      return {
        ...at,
        kind: 'claim-filed',
        id: num(args.claimId),
        reportId: num(args.reportId),
        insurerId: num(args.insurerId),
        patient: addr(args.patient),
        amount: num(args.amount),
        filedAt: origin.timestamp,
      };
    case 'ClaimDecided': {
      const note = String(args.noteCommitment);
      return {
        ...at,
        kind: 'claim-decided',
        id: num(args.claimId),
        status: num(args.status) === 2 ? 'approved' : 'rejected',
        approvedAmount: num(args.approvedAmount),
        decidedBy: addr(args.decidedBy),
        decidedAt: origin.timestamp,
        noteHash: /^0x0*$/.test(note) ? null : note,
      };
    }
    default:
      return undefined;
  }
}

/** The staff role of a role id of the contract (keccak256 of "DOCTOR_ROLE" and so on). */
function staffRoleOf(roleId: string): StaffRole {
  const role = STAFF_ROLE_IDS.get(roleId.toLowerCase());
  if (!role) throw new Error(`not a staff role: ${roleId}`);
  return role;
}

/** Who did it, as the vocabulary says; null for the admin's acts and for those of a report's owner (the store finds the owner). */
function actorOf(args: Readonly<Record<string, unknown>>, actor: ActActor): string | null {
  switch (actor) {
    case 'patient':
      return addr(args.patient);
    case 'doctor':
      return addr(args.doctor);
    case 'reader':
      return addr(args.reader);
    case 'pharmacist':
      return addr(args.pharmacist);
    case 'decided-by':
      return addr(args.decidedBy);
    default:
      return null;
  }
}

/** When a replayed act happened in the first release; undefined for acts of this ledger. */
function replayedTime(event: DecodedEvent): number | undefined {
  const { args } = event;
  switch (event.name) {
    case 'ReportImported':
    case 'PrescriptionImported':
      return num(args.createdAt);
    case 'AccessImported':
      return num(args.accessedAt);
    default:
      return undefined;
  }
}

/** Why, and under what, a record was opened; null for acts that open nothing. */
function purposeOf(event: DecodedEvent): { purpose: AccessPurpose | null; ref: number | null } {
  const { args } = event;
  switch (event.name) {
    case 'ReportAccessed': {
      // `ref` means something for every purpose but treatment (where the contract sets 0).
      const purpose = PURPOSES[num(args.purpose)] ?? 'none';
      return { purpose, ref: purpose === 'treatment' ? null : num(args.ref) };
    }
    case 'PrescriptionSent':
    case 'PrescriptionWithdrawn':
    case 'PrescriptionDispensed':
      return { purpose: 'dispensing', ref: num(args.index) };
    case 'AccessImported':
      return { purpose: 'treatment', ref: null };
    case 'EmergencyOpened':
    case 'EmergencyEnded':
      return { purpose: 'emergency', ref: num(args.emergencyId) };
    case 'ClaimFiled':
    case 'ClaimDecided':
      return { purpose: 'payment', ref: num(args.claimId) };
    default:
      return { purpose: null, ref: null };
  }
}

/** The act `event` records; undefined for OpenZeppelin's role events, which are not acts of the app. */
export function actRecordOf(event: DecodedEvent, origin: EventOrigin): ActRecord | undefined {
  const definition = actOfEvent(event.name);
  if (!definition) return undefined;
  const { args } = event;
  return {
    txHash: origin.transactionHash,
    logIndex: event.logIndex,
    blockNumber: origin.blockNumber,
    time: replayedTime(event) ?? origin.timestamp,
    act: definition.act,
    actor: actorOf(args, definition.actor),
    byReportOwner: definition.actor === 'report-owner',
    patient: optional(args.patient, addr),
    doctor: optional(args.doctor ?? args.reader ?? args.pharmacist ?? args.decidedBy ?? (event.name.startsWith('Staff') ? args.account : undefined), addr),
    reportId: optional(args.reportId, num),
    hospitalId: optional(args.hospitalId ?? args.organisationId ?? args.pharmacyId ?? args.insurerId, num),
    ...purposeOf(event),
  };
}
