/**
 * The store's ports: what the app keeps off the ledger, as interfaces that return Promises. The
 * features and the ledger's start-up see only these; `sqlite/` implements them (and a second
 * implementation, e.g. PostgreSQL, is a folder of its own beside it, chosen by `openStore`).
 *
 * A unit of work is part of the port: `store.transaction(work)` makes every store call that
 * `work` makes, in its async context, one transaction — all of it is kept, or none. A unit of
 * work never waits on the ledger (a node call inside one would hold every other request).
 */
import type { AccessPurpose, ActName } from '../domain/acts';
import type { OrganisationKind, StaffRole } from '../domain/organisations';
import type { Role } from '../domain/roles';
import type { DecodedEvent } from '../ledger/abi';

// ─── Users and their keys ─────────────────────────────────────────────────────────────────────

export interface User {
  readonly id: number;
  readonly username: string;
  readonly passwordHash: string;
  readonly role: Role;
  readonly address: string;
  readonly fullName: string;
  readonly email: string;
  readonly phone: string;
  readonly specialty: string;
  /** The staff member's organisation (a hospital, pharmacy or insurer), as the admin chose it; null for a patient. */
  readonly hospitalId: number | null;
  /** A one-time password was set (by the admin): the user must choose a new one at the next login. */
  readonly mustChangePassword: boolean;
  /** When the user last signed in (ms); null: never. */
  readonly lastLoginAt: number | null;
}

export type NewUser = Omit<User, 'id' | 'mustChangePassword' | 'lastLoginAt'> & { readonly mustChangePassword?: boolean };

/** A patient as the admin's list shows them. */
export interface PatientListRow {
  readonly username: string;
  readonly fullName: string;
  readonly email: string;
  readonly address: string;
  /** Reports the read model holds for them. */
  readonly reportCount: number;
  readonly lastLoginAt: number | null;
  readonly createdAt: number;
}

/** Patients and doctors (the admin is a setting, not a user row). */
export interface UserStore {
  insert(user: NewUser): Promise<User>;
  findById(id: number): Promise<User | undefined>;
  findByUsername(username: string): Promise<User | undefined>;
  usernameTaken(username: string): Promise<boolean>;
  /** Users by address, for naming the people behind ledger addresses. */
  byAddress(addresses: readonly string[]): Promise<Map<string, User>>;
  doctors(): Promise<User[]>;
  /** Every patient, by username, with their report count and last sign-in. */
  patients(): Promise<PatientListRow[]>;
  /** Whether any user exists (the demo seeds only an empty data set). */
  any(): Promise<boolean>;
  /** Sets the password; `mustChange`: it is a one-time password (the admin's reset), to be replaced at the next login. */
  setPasswordHash(id: number, passwordHash: string, mustChange?: boolean): Promise<void>;
  /** Records a sign-in at `at` (ms). */
  recordLogin(id: number, at: number): Promise<void>;
  /**
   * Holds `username` for a signup under way; false when another signup holds it. A reservation
   * made before `staleBefore` (ms) belongs to a signup that died (a crash, a hung node) and is
   * taken over, so a dead signup never keeps a name for ever.
   */
  reserve(username: string, now: number, staleBefore: number): Promise<boolean>;
  /** Lets go of a reservation, once its signup stored the user or gave up. */
  release(username: string): Promise<void>;
  /** Lets go of every reservation made before `before` (ms): their signups are known dead. Resolves to how many. */
  releaseReservationsBefore(before: number): Promise<number>;
}

export interface AccountRow {
  readonly id: number;
  readonly address: string;
  readonly encryptedKey: string;
}

/** Custodial accounts: an address and its encrypted private key. */
export interface AccountStore {
  insert(address: string, encryptedKey: string): Promise<AccountRow>;
  findByAddress(address: string): Promise<AccountRow | undefined>;
  first(): Promise<AccountRow | undefined>;
  /**
   * Accounts made before `before` (ms) that no user row came to use, oldest first: what a signup
   * or a staff add leaves when it stops between making the key and storing the login.
   */
  withoutUser(before: number): Promise<{ address: string; createdAt: number }[]>;
}

// ─── Record bodies ────────────────────────────────────────────────────────────────────────────

/** What a body is: a report, a prescription, an emergency's reason (break-glass), a claim decision's note. */
export type BodyKind = 'report' | 'prescription' | 'emergency-reason' | 'claim-note';
export type BodyStatus = 'pending' | 'confirmed' | 'failed';

export interface BodyRow {
  readonly commitment: string;
  readonly kind: BodyKind;
  readonly author: string;
  readonly envelope: string;
  readonly status: BodyStatus;
  /** Where the body's commitment was written, once confirmed. */
  readonly transactionHash: string | null;
  readonly blockNumber: number | null;
}

/**
 * Encrypted bodies of reports and prescriptions, keyed by their commitment. A body is stored as
 * pending before its transaction is sent and confirmed with the transaction's hash and block
 * after, so a crash in between leaves a row to reconcile, never a lost or half-shown record.
 */
export interface BodyStore {
  insertPending(commitment: string, kind: BodyKind, author: string, envelope: string): Promise<void>;
  confirm(commitment: string, transactionHash: string, blockNumber: number): Promise<void>;
  /** A write that certainly never reached the ledger: its pending body goes, as if never typed. */
  discard(commitment: string): Promise<void>;
  /** The author's bodies whose write was lost (a crash before the ledger had it), newest first. */
  failedOf(kind: BodyKind, author: string): Promise<(BodyRow & { createdAt: number })[]>;
  get(commitment: string): Promise<BodyRow | undefined>;
  getMany(commitments: readonly string[]): Promise<Map<string, BodyRow>>;
  /** Confirms every unsettled body whose commitment the read model holds; returns how many. */
  settleFromReadModel(): Promise<number>;
  /** Marks as failed the bodies still pending from before `before` (ms); returns how many. */
  failPendingBefore(before: number): Promise<number>;
  /** Puts `envelope` in place of a stored body (the tamper lab, and its undo). */
  replaceEnvelope(commitment: string, envelope: string): Promise<void>;
}

// ─── Files ────────────────────────────────────────────────────────────────────────────────────

/**
 * Which record an attached file belongs to, as the read model places its body's commitment: a
 * report (`index` undefined) or one of its prescriptions. Only a hint: the file service checks
 * the record's commitment on the ledger itself before it serves a byte.
 */
export interface FilePlace {
  readonly reportId: number;
  readonly index?: number;
}

export interface FileRow {
  readonly id: string;
  /** Who uploaded it (their ledger address, lower case). */
  readonly author: string;
  /** The commitment of the body that lists it; null while its record is being written. */
  readonly commitment: string | null;
  readonly createdAt: number;
  /** Where the read model has that commitment; undefined while it has none. */
  readonly place: FilePlace | undefined;
}

/**
 * The index of attached files. A file is put in before its bytes are stored, attached to its
 * record's body once that body is sealed, and swept when it never was (an upload cut off, a
 * form refused, a write that certainly failed).
 */
export interface FileStore {
  insertPending(id: string, author: string): Promise<void>;
  /** Ties files to the body (by its commitment) that lists them. */
  attach(ids: readonly string[], commitment: string): Promise<void>;
  get(id: string): Promise<FileRow | undefined>;
  /**
   * The files no stored body lists (never attached, or attached to a body that was discarded):
   * those uploaded before `before` (ms), or those among `ids`.
   */
  orphans(among: { readonly before: number } | { readonly ids: readonly string[] }): Promise<string[]>;
  /** Every attached file whose body is on the ledger, with its place (the integrity check). */
  placed(): Promise<FileRow[]>;
  remove(ids: readonly string[]): Promise<void>;
}

/**
 * The encrypted bytes of files, streamed in and out in chunks (never whole in memory): a
 * directory under DATA_DIR next to SQLite, the database itself on PostgreSQL (so that every app
 * server reads every file).
 */
export interface BlobStore {
  /**
   * Stores the blob `id` from `chunks`. Nothing of it is readable until the last chunk is
   * stored; a source that throws leaves nothing behind (and the error is thrown on).
   */
  put(id: string, chunks: AsyncIterable<Buffer>): Promise<number>;
  /** The blob's chunks in order, or undefined when there is none. */
  get(id: string): Promise<AsyncIterable<Buffer> | undefined>;
  remove(ids: readonly string[]): Promise<void>;
  /** Where the blobs are, for start-up lines ("files in data/files"). */
  readonly description: string;
}

// ─── Settings ─────────────────────────────────────────────────────────────────────────────────

/** Small values the app keeps, e.g. the admin's password hash. */
export interface SettingsStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

// ─── The read model: the ledger's events as tables ────────────────────────────────────────────

export interface HospitalRow {
  readonly id: number;
  readonly name: string;
  readonly address: string;
  readonly phone: string;
  readonly doctorCount: number;
}

export interface HospitalDetails {
  readonly address: string;
  readonly phone: string;
}

/** A doctor (staff of a hospital), with when the admin removed them (null: not removed). */
export interface DoctorRow {
  readonly username: string;
  readonly fullName: string;
  readonly email: string;
  readonly specialty: string;
  readonly address: string;
  readonly hospitalId: number;
  readonly hospitalName: string;
  readonly hospitalAddress: string;
  readonly hospitalPhone: string;
  /** Seconds (block time); null while the doctor is staff. */
  readonly removedAt: number | null;
}

export interface ReportRow {
  readonly id: number;
  readonly patient: string;
  readonly commitment: string;
  readonly createdAt: number;
  readonly transactionHash: string;
  readonly blockNumber: number;
}

/**
 * A hospital's treatment grant on a report. Live while `active` and (`until` 0 or later than
 * now); an active grant whose `until` passed has expired; an inactive one was revoked at `until`.
 */
export interface GrantRow {
  readonly reportId: number;
  readonly hospitalId: number;
  readonly hospitalName: string;
  /** Not revoked. */
  readonly active: boolean;
  /** Seconds: the end (0: none); for a revoked grant, when it was revoked. */
  readonly until: number;
}

/** An organisation (hospital, pharmacy, insurer) with its off-ledger details and how many staff it has now. */
export interface OrganisationRow {
  readonly id: number;
  readonly kind: OrganisationKind;
  readonly name: string;
  readonly address: string;
  readonly phone: string;
  /** Staff not removed. */
  readonly staffCount: number;
}

/** A staff member of an organisation (any role), with when the admin removed them (null: not removed). */
export interface StaffRow {
  readonly username: string;
  readonly fullName: string;
  readonly email: string;
  readonly specialty: string;
  readonly address: string;
  readonly role: StaffRole;
  readonly organisationId: number;
  readonly organisationName: string;
  /** Seconds; null while staff. */
  readonly removedAt: number | null;
}

/** Where a prescription was sent (a dispensing grant), and its dispensing. */
export interface DispatchRow {
  readonly reportId: number;
  readonly index: number;
  /** The report's patient. */
  readonly patient: string;
  /** The prescription's doctor, hospital, commitment and time. */
  readonly doctor: string;
  readonly hospitalName: string;
  readonly commitment: string;
  readonly createdAt: number;
  readonly pharmacyId: number;
  readonly pharmacyName: string;
  /** Not withdrawn. */
  readonly active: boolean;
  /** Seconds: the grant's end (0: none); for a withdrawn one, when it was withdrawn. */
  readonly until: number;
  /** Who dispensed it and when (seconds); null while not dispensed. */
  readonly dispensedBy: string | null;
  readonly dispensedAt: number | null;
  readonly transactionHash: string;
  readonly blockNumber: number;
}

export type ClaimStatus = 'open' | 'approved' | 'rejected';

/** A claim on a report, filed with an insurer, and its decision. */
export interface ClaimRow {
  readonly id: number;
  readonly reportId: number;
  readonly patient: string;
  readonly insurerId: number;
  readonly insurerName: string;
  /** Whole rupees. */
  readonly amount: number;
  /** Seconds. */
  readonly filedAt: number;
  readonly status: ClaimStatus;
  readonly approvedAmount: number | null;
  readonly decidedBy: string | null;
  readonly decidedAt: number | null;
  /** The commitment of the decision's note (its author: `decidedBy`). */
  readonly noteHash: string | null;
  /** Where it was filed. */
  readonly transactionHash: string;
  readonly blockNumber: number;
}

/** A break-glass access, as its events on the ledger tell it. */
export interface EmergencyRow {
  readonly id: number;
  readonly patient: string;
  readonly doctor: string;
  readonly hospitalId: number;
  readonly hospitalName: string;
  /** Seconds (block time). */
  readonly start: number;
  /** Seconds: when it ends or ended (exclusive). */
  readonly end: number;
  /** The patient ended it before its time. */
  readonly endedEarly: boolean;
  /** The commitment of the reason's encrypted body (its author: the doctor). */
  readonly reasonHash: string;
  readonly transactionHash: string;
  readonly blockNumber: number;
}

export interface PrescriptionRow {
  readonly reportId: number;
  readonly index: number;
  readonly doctor: string;
  readonly hospitalId: number;
  readonly hospitalName: string;
  readonly commitment: string;
  readonly createdAt: number;
  readonly transactionHash: string;
  readonly blockNumber: number;
}

/** Which rows of a list to read: `limit` rows after skipping `offset`. */
export interface PageWindow {
  readonly limit: number;
  readonly offset: number;
}

/**
 * The queries pages make over the read model joined with the off-ledger details. Each list is
 * one query: no page costs a node call per row.
 */
export interface ReadModel {
  hospitals(): Promise<HospitalRow[]>;
  hospitalExists(hospitalId: number): Promise<boolean>;
  hospitalNames(): Promise<Map<number, string>>;
  /** A hospital's address and phone, which stay off the ledger. */
  saveHospitalDetails(hospitalId: number, details: HospitalDetails): Promise<void>;
  doctors(): Promise<DoctorRow[]>;
  report(reportId: number): Promise<ReportRow | undefined>;
  /** A patient's reports, newest first; `page` undefined: all of them. */
  reportsOfPatient(patient: string, page?: PageWindow): Promise<ReportRow[]>;
  /** The reports shared with a hospital (grants live at `now`, in seconds), newest first. */
  reportsForHospital(hospitalId: number, now: number, page?: PageWindow): Promise<ReportRow[]>;
  /** Every grant (active or revoked) of the given reports, by report. */
  grants(reportIds: readonly number[]): Promise<Map<number, GrantRow[]>>;
  /** The newest prescription of each of the given reports that has one. */
  latestPrescriptions(reportIds: readonly number[]): Promise<Map<number, PrescriptionRow>>;
  /** Every commitment of the read model, keyed `reportId:` (a report) or `reportId:index` (a prescription). */
  commitments(): Promise<Map<string, string>>;
  /** Reports and grants as of block `upTo` (rows written later are left out), for the integrity check. */
  reportsUpTo(upTo: number): Promise<{ id: number; patient: string; commitment: string }[]>;
  grantsUpTo(upTo: number): Promise<{ reportId: number; hospitalId: number; active: boolean; until: number }[]>;
  /** Break-glass accesses, newest first: every one, or those of one patient (`patient`) or doctor (`doctor`). */
  emergencies(filter?: { readonly patient?: string; readonly doctor?: string }): Promise<EmergencyRow[]>;
  emergency(id: number): Promise<EmergencyRow | undefined>;
  /** Organisations of one kind, by id, with their details and staff count. */
  organisations(kind: OrganisationKind): Promise<OrganisationRow[]>;
  /** Staff of one role (removed ones too), by organisation and name. */
  staff(role: StaffRole): Promise<StaffRow[]>;
  /** The prescriptions sent to a pharmacy (withdrawn ones left out), newest first. */
  dispatchesForPharmacy(pharmacyId: number, page?: PageWindow): Promise<DispatchRow[]>;
  /** The dispatch of each of the given prescriptions that was ever sent, keyed `reportId:index`. */
  dispatches(prescriptions: readonly { reportId: number; index: number }[]): Promise<Map<string, DispatchRow>>;
  /** Claims, newest first: every one, or those of one patient or insurer. */
  claims(filter?: { readonly patient?: string; readonly insurerId?: number }, page?: PageWindow): Promise<ClaimRow[]>;
  claim(id: number): Promise<ClaimRow | undefined>;
}

/** Where and when an event happened. */
export interface EventOrigin {
  readonly blockNumber: number;
  readonly transactionHash: string;
  /** Block time, in seconds. */
  readonly timestamp: number;
}

/**
 * The contract's events applied to the read model. Applying an event twice changes nothing, so
 * the app's own receipts and the follower may both apply the same event.
 */
export interface Projection {
  /** Applies events in the order they were emitted. */
  applyAll(events: readonly DecodedEvent[], origin: EventOrigin): Promise<void>;
  /** Applies a block range's events and moves the follower's cursor past it, at once. */
  applyRange(events: readonly ({ event: DecodedEvent } & EventOrigin)[], nextBlock: number): Promise<void>;
  /** The first block whose events are not applied yet; undefined before the first catch-up. */
  nextBlock(): Promise<number | undefined>;
  /** Empties the read model; the next catch-up starts at `fromBlock`. */
  reset(fromBlock: number): Promise<void>;
}

// ─── Acts (the audit report and the access log) ───────────────────────────────────────────────

export interface ActRow {
  readonly transactionHash: string;
  readonly blockNumber: number;
  /** Seconds. */
  readonly time: number;
  readonly act: ActName;
  /** null: the admin. */
  readonly actor: string | null;
  readonly actorUsername: string | null;
  readonly actorRole: string | null;
  readonly patient: string | null;
  readonly patientUsername: string | null;
  readonly doctor: string | null;
  readonly doctorName: string | null;
  readonly reportId: number | null;
  readonly hospitalId: number | null;
  readonly hospitalName: string | null;
  /** The commitment of the act's report, when it has one. */
  readonly reportCommitment: string | null;
  /** Why a record was opened (`opened`; `emergency` for the emergency acts); null otherwise. */
  readonly purpose: AccessPurpose | null;
  /** The emergency id, claim id or prescription index the act refers to; null when none. */
  readonly ref: number | null;
}

export interface ActFilter {
  /** Seconds, inclusive. */
  readonly from?: number;
  /** Seconds, exclusive. */
  readonly to?: number;
  /** An address, or 'admin' for the admin's acts. */
  readonly actor?: string;
  readonly patient?: string;
  readonly act?: ActName;
}

export const ACT_SORTS = ['time', 'act', 'actor', 'patient', 'report'] as const;
export type ActSort = (typeof ACT_SORTS)[number];

/** One row per event of the contract, with names joined from the app's own tables. */
export interface ActStore {
  /** Acts matching the filter, sorted; `page` undefined: all of them (the CSV download). */
  find(filter: ActFilter, sort: ActSort, descending: boolean, page?: PageWindow): Promise<ActRow[]>;
  count(filter: ActFilter): Promise<number>;
  /** Who opened the patient's reports, newest first. */
  accessLog(patient: string, limit: number, offset: number): Promise<ActRow[]>;
  accessCount(patient: string): Promise<number>;
  /** When (seconds, block time) `doctor` last opened `reportId` on the ledger; undefined: never. */
  lastOpening(doctor: string, reportId: number): Promise<number | undefined>;
}

// ─── Sessions and throttles ───────────────────────────────────────────────────────────────────

/** Rows of express-session's store: keyed by the session id's hash, data sealed by the caller. */
export interface SessionRows {
  get(key: string, now: number): Promise<string | undefined>;
  set(key: string, data: string, expires: number, userKey: string | null): Promise<void>;
  /**
   * Moves the row's expiry to `expires` if it is now before `ifBefore`; otherwise writes nothing
   * (a session touched a moment ago need not be written again on every page).
   */
  touch(key: string, expires: number, ifBefore: number): Promise<void>;
  destroy(key: string): Promise<void>;
  /** Deletes every session of `userKey` but `keepKey`'s; returns how many. */
  destroyOthers(userKey: string, keepKey: string): Promise<number>;
  /** Deletes the sessions expired at `now`; returns how many. */
  sweep(now: number): Promise<number>;
}

/** The longest window any throttle uses: a store prunes older events, which count for nothing. */
export const THROTTLE_LONGEST_WINDOW_MS = 60 * 60 * 1000;

/** Counted events of the throttles (failed logins, signups), kept so that counts survive a restart. */
export interface ThrottleEvents {
  /** Records one event at `at` under each of `keys`. */
  record(keys: readonly string[], at: number): Promise<void>;
  /** The times of `key`'s events after `since`, oldest first. */
  since(key: string, since: number): Promise<number[]>;
  /**
   * Records an event of `key` at `at` unless `limit` of its events already fall in the window
   * ending at `at`, as one atomic step (two at once cannot both slip under the limit). Resolves to
   * undefined when recorded, else to the times in the window, oldest first.
   */
  admit(key: string, at: number, limit: number, windowMs: number): Promise<number[] | undefined>;
}

// ─── The whole store ──────────────────────────────────────────────────────────────────────────

/**
 * What app servers that share one database (PostgreSQL) agree on through it. SQLite is opened
 * by one process, which needs none of this: its store has no `coordination`.
 */
export interface Coordination {
  /**
   * Runs `work` while this server holds the lock `key`, which no other server holds meanwhile;
   * waits its turn, up to `timeoutMs` (then an error, and `work` never runs).
   */
  exclusive<T>(key: string, work: () => Promise<T>, timeoutMs?: number): Promise<T>;
  /**
   * Whether this server holds the lease `key`, taking it when no server does. Held until this
   * server's connection ends (it stops, dies or loses the database): another takes it then.
   */
  lease(key: string): Promise<boolean>;
}

export interface Store {
  readonly users: UserStore;
  readonly accounts: AccountStore;
  readonly bodies: BodyStore;
  readonly settings: SettingsStore;
  readonly readModel: ReadModel;
  readonly projection: Projection;
  readonly acts: ActStore;
  readonly sessions: SessionRows;
  readonly throttle: ThrottleEvents;
  readonly files: FileStore;
  readonly blobs: BlobStore;
  /** Present when several app servers may share the store (PostgreSQL). */
  readonly coordination?: Coordination;
  /** Runs `work` as one unit of work (see above); nested calls join the outer one. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /** What the store is, for start-up lines and errors (e.g. "SQLite at data/ehr.sqlite"). */
  readonly description: string;
  close(): Promise<void>;
}
