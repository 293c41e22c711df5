/**
 * The act vocabulary: each act the app records (one row of `ledger_acts` per event that is an
 * act), how it reads to people, and which events of the contract record it, by whom. The one
 * list: the read model's projection, the store's act queries, the audit report's labels and
 * filter, and the test of the newest migration's CHECK are all derived from it. Adding an act:
 * one row here, its events in EVENT_ACTS, a migration that widens the CHECK, and the events in
 * the contract.
 */

/** Who did an act, as the event tells it. */
export type ActActor =
  /** The admin: the events name the admin's account, but the act keeps the actor NULL ("admin"). */
  | 'admin'
  /** The event's `patient` argument. */
  | 'patient'
  /** The event's `doctor` argument. */
  | 'doctor'
  /** The event's `reader` argument (ReportAccessed: a doctor, a pharmacist or an insurer's staff). */
  | 'reader'
  /** The event's `pharmacist` argument. */
  | 'pharmacist'
  /** The event's `decidedBy` argument (an insurer's staff). */
  | 'decided-by'
  /** The patient who owns the event's report (the event names only the report). */
  | 'report-owner';

export interface ActDefinition {
  /** The act's id, as stored in `ledger_acts.act` and used in the audit report's URLs. */
  readonly act: string;
  /** How the act reads on the audit report. */
  readonly label: string;
}

/** Every act, in the order the audit report's filter lists them. */
export const ACT_VOCABULARY = [
  { act: 'organisation-added', label: 'Organisation added' },
  { act: 'staff-added', label: 'Staff added' },
  { act: 'staff-removed', label: 'Staff removed' },
  { act: 'patient-registered', label: 'Patient registered' },
  { act: 'report-added', label: 'Report added' },
  { act: 'report-shared', label: 'Report shared' },
  { act: 'report-revoked', label: 'Access revoked' },
  { act: 'prescribed', label: 'Prescription written' },
  { act: 'opened', label: 'Report opened' },
  { act: 'emergency-opened', label: 'Emergency access opened' },
  { act: 'emergency-ended', label: 'Emergency access ended' },
  { act: 'prescription-sent', label: 'Prescription sent to a pharmacy' },
  { act: 'prescription-withdrawn', label: 'Prescription withdrawn from a pharmacy' },
  { act: 'dispensed', label: 'Prescription dispensed' },
  { act: 'claim-filed', label: 'Claim filed' },
  { act: 'claim-decided', label: 'Claim decided' },
] as const satisfies readonly ActDefinition[];

type Vocabulary = (typeof ACT_VOCABULARY)[number];

/** An act's id: `'organisation-added'`, `'opened'`… */
export type ActName = Vocabulary['act'];

/**
 * Which act each event of the contract (IEHRv2.sol) records, and who did it. A first release's
 * history replayed by the importer records the acts it recorded then (a report added, a grant, a
 * prescription, an opening), at the time it happened then.
 */
export const EVENT_ACTS: Readonly<Record<string, { readonly act: ActName; readonly actor: ActActor }>> = {
  OrganisationAdded: { act: 'organisation-added', actor: 'admin' },
  StaffAdded: { act: 'staff-added', actor: 'admin' },
  StaffRemoved: { act: 'staff-removed', actor: 'admin' },
  PatientRegistered: { act: 'patient-registered', actor: 'patient' },
  ReportAdded: { act: 'report-added', actor: 'patient' },
  ReportImported: { act: 'report-added', actor: 'patient' },
  ReportShared: { act: 'report-shared', actor: 'patient' },
  GrantImported: { act: 'report-shared', actor: 'report-owner' },
  ReportRevoked: { act: 'report-revoked', actor: 'patient' },
  PrescriptionAdded: { act: 'prescribed', actor: 'doctor' },
  PrescriptionImported: { act: 'prescribed', actor: 'doctor' },
  ReportAccessed: { act: 'opened', actor: 'reader' },
  AccessImported: { act: 'opened', actor: 'doctor' },
  EmergencyOpened: { act: 'emergency-opened', actor: 'doctor' },
  EmergencyEnded: { act: 'emergency-ended', actor: 'patient' },
  PrescriptionSent: { act: 'prescription-sent', actor: 'patient' },
  PrescriptionWithdrawn: { act: 'prescription-withdrawn', actor: 'patient' },
  PrescriptionDispensed: { act: 'dispensed', actor: 'pharmacist' },
  ClaimFiled: { act: 'claim-filed', actor: 'patient' },
  ClaimDecided: { act: 'claim-decided', actor: 'decided-by' },
};

/** Every act id, in the vocabulary's order. */
export const ACT_NAMES: readonly ActName[] = ACT_VOCABULARY.map(definition => definition.act);

/** The acts the audit report's filter accepts: every act. */
export const AUDIT_FILTER_ACTS: readonly ActName[] = ACT_NAMES;

/** Each act's label, by act id. */
export const ACT_LABELS = Object.fromEntries(ACT_VOCABULARY.map(definition => [definition.act, definition.label])) as Readonly<
  Record<ActName, string>
>;

/** Why a record was opened, as ReportAccessed's `purpose` says (its index is the contract's enum). */
export const PURPOSES = ['none', 'treatment', 'dispensing', 'payment', 'emergency'] as const;
export type AccessPurpose = (typeof PURPOSES)[number];

/** The act an event of the contract records; undefined for events that are not acts (OpenZeppelin's role events). */
export function actOfEvent(eventName: string): { readonly act: ActName; readonly actor: ActActor } | undefined {
  return EVENT_ACTS[eventName];
}
