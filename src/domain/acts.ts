/**
 * The act vocabulary: each event of the contract that the app records as an act (one row of
 * `ledger_acts`), its act id, how it reads to people, and who did it. The one list: the read
 * model's projection, the store's act queries, the audit report's labels and filter, and the
 * test of migration 3's CHECK are all derived from it. Adding an act: one row here, a migration
 * that widens the CHECK, and its event in the contract.
 */

/** Who did an act, as the event tells it. */
export type ActActor =
  /** The admin: the event does not name them (the actor column is NULL). */
  | 'admin'
  /** The event's `patient` argument. */
  | 'patient'
  /** The event's `doctor` argument. */
  | 'doctor'
  /** The patient who owns the event's report (the event names only the report). */
  | 'report-owner';

export interface ActDefinition {
  /** The contract event, as named in IEHR.sol. */
  readonly event: string;
  /** The act's id, as stored in `ledger_acts.act` and used in the audit report's URLs. */
  readonly act: string;
  /** How the act reads on the audit report. */
  readonly label: string;
  readonly actor: ActActor;
}

export const ACT_VOCABULARY = [
  { event: 'HospitalAdded', act: 'hospital-added', label: 'Hospital added', actor: 'admin' },
  { event: 'DoctorAdded', act: 'doctor-added', label: 'Doctor added', actor: 'admin' },
  { event: 'PatientRegistered', act: 'patient-registered', label: 'Patient registered', actor: 'patient' },
  { event: 'ReportAdded', act: 'report-added', label: 'Report added', actor: 'patient' },
  { event: 'ReportShared', act: 'report-shared', label: 'Report shared', actor: 'report-owner' },
  { event: 'ReportRevoked', act: 'report-revoked', label: 'Access revoked', actor: 'report-owner' },
  { event: 'PrescriptionAdded', act: 'prescribed', label: 'Prescription written', actor: 'doctor' },
  { event: 'ReportAccessed', act: 'opened', label: 'Report opened', actor: 'doctor' },
] as const satisfies readonly ActDefinition[];

type Vocabulary = (typeof ACT_VOCABULARY)[number];

/** An act's id: `'hospital-added'`, `'opened'`… */
export type ActName = Vocabulary['act'];
/** A contract event that is an act. */
export type ActEvent = Vocabulary['event'];

/** Every act id, in the vocabulary's order. */
export const ACT_NAMES: readonly ActName[] = ACT_VOCABULARY.map(definition => definition.act);

/** The acts the audit report's filter accepts: every act. */
export const AUDIT_FILTER_ACTS: readonly ActName[] = ACT_NAMES;

/** Each act's label, by act id. */
export const ACT_LABELS = Object.fromEntries(ACT_VOCABULARY.map(definition => [definition.act, definition.label])) as Readonly<
  Record<ActName, string>
>;

const BY_EVENT: ReadonlyMap<string, Vocabulary> = new Map(ACT_VOCABULARY.map(definition => [definition.event, definition]));

/** The act an event of the contract records; undefined for events that are not acts (OpenZeppelin's role events). */
export function actOfEvent(eventName: string): Pick<ActDefinition, 'act' | 'actor'> | undefined {
  return BY_EVENT.get(eventName);
}
