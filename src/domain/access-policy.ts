/**
 * The one access policy: whether a user may read or act on a record, and for what purpose. The
 * ledger decides, never the database: the reads it needs (the report's owner, the doctor's
 * hospital, the contract's treatment grant and break-glass access) are passed in, so the policy
 * holds no state and asks the contract the same questions the contract asks itself (it never
 * says "yes" where the contract would say "no").
 *
 * A patient reads and shares their own reports (purpose `owner`). A doctor reads and prescribes
 * on a report while the contract says the doctor's hospital holds a live grant on it (purpose
 * `treatment`), and reads — never prescribes — every report of a patient while the doctor holds a
 * live break-glass access to that patient (purpose `emergency`). A doctor the admin removed is
 * refused everything. The refusals are the pages users see: another patient's report and an
 * unknown id are both "no such report"; an unshared report is "not shared with your hospital";
 * an ended grant says when it ended.
 */
import { Forbidden, NotFound } from './errors';
import type { StaffRole } from './organisations';
import { may, type Capability, type SessionRole } from './roles';
import { utcMinute } from './time';

/** What a user does with a record. */
export type RecordAction = 'read' | 'prescribe' | 'share' | 'revoke';

/** Why a user may: the record is theirs, their hospital holds a grant to treat its owner, or a break-glass access. */
export type Purpose = 'owner' | 'treatment' | 'emergency';

/** A treatment grant as the contract tells it (`until` in seconds: 0 none, else when it ends or ended). */
export interface GrantState {
  readonly live: boolean;
  readonly until: number;
}

/** A doctor's latest break-glass access to a patient (`emergencyId` 0: none). */
export interface EmergencyState {
  readonly emergencyId: number;
  readonly end: number;
  readonly live: boolean;
}

/** The ledger's answers the policy needs. */
export interface PolicyReads {
  /** The report's owner; throws for a report the ledger does not have (its EHRUnknownReport: 404). */
  owner(reportId: number): Promise<string>;
  /** Each report's owner, in the order asked (undefined: the ledger has no such report). May be kept: it never changes. */
  owners(reportIds: readonly number[]): Promise<(string | undefined)[]>;
  /** The hospital the ledger says a staff member works at; 0 for none. May be kept a few seconds. */
  hospitalOf(address: string): Promise<number>;
  /** The organisation and staff role the ledger binds an account to (0, none: not staff). May be kept a few seconds. */
  staffOf(address: string): Promise<{ readonly organisationId: number; readonly role: StaffRole | undefined }>;
  /** The hospital's treatment grant on the report now: asked afresh (a body's page). */
  treatmentGrant(reportId: number, hospitalId: number): Promise<GrantState>;
  /** The doctor's latest break-glass access to the patient: asked afresh. */
  emergencyOf(patient: string, doctor: string): Promise<EmergencyState>;
  /** Which reports the hospital may read (a list of titles: a "yes" may be kept a few seconds). */
  grantedOf(reportIds: readonly number[], hospitalId: number): Promise<Set<number>>;
  /** How many reports the ledger holds (ids run from 1). */
  reportCount(): Promise<number>;
}

/** A user as the policy sees them: their role and ledger address, and the hospital the ledger says they work at. */
export interface Actor {
  readonly role: SessionRole;
  readonly address: string;
  /** For the roles that read for treatment: their hospital on the ledger (never 0). */
  readonly hospitalId?: number;
}

/** A record asked about; `owner` when the caller has already read it from the ledger. */
export interface RecordRef {
  readonly id: number;
  readonly owner?: string;
}

export type Access =
  | { readonly purpose: 'owner' }
  | { readonly purpose: 'treatment'; readonly hospitalId: number }
  | { readonly purpose: 'emergency'; readonly hospitalId: number; readonly emergencyId: number; readonly end: number };

export type Decision = ({ readonly allowed: true } & Access) | { readonly allowed: false; readonly error: NotFound | Forbidden };

/** What each action needs of a role, per purpose. */
const NEEDS: Record<RecordAction, { owner?: Capability; treatment?: Capability }> = {
  read: { owner: 'own-reports', treatment: 'read-shared-reports' },
  share: { owner: 'own-reports' },
  revoke: { owner: 'own-reports' },
  prescribe: { treatment: 'prescribe' },
};

const notA = (role: SessionRole) => new Forbidden(`This account is not a ${role}.`);
/** A staff member whose role the ledger no longer holds: the admin removed them. */
export const REMOVED = 'Your account was removed by the admin: you can no longer open any record.';
const treats = (role: SessionRole) => may(role, 'read-shared-reports') || may(role, 'prescribe');

export function createAccessPolicy(reads: PolicyReads) {
  async function decide(actor: Actor, record: RecordRef, action: RecordAction): Promise<Decision> {
    const needs = NEEDS[action];
    const byOwner = needs.owner !== undefined && may(actor.role, needs.owner);
    const byTreatment = needs.treatment !== undefined && may(actor.role, needs.treatment) && actor.hospitalId !== undefined;
    if (!byOwner && !byTreatment) return { allowed: false, error: new Forbidden() };
    if (byOwner) {
      const owner = record.owner ?? (await reads.owner(record.id));
      if (owner === actor.address) return { allowed: true, purpose: 'owner' };
      // Another's record is "not found" to an owner, like an unknown id: its existence is not told.
      if (!byTreatment) return { allowed: false, error: new NotFound('report') };
    }
    const hospitalId = actor.hospitalId as number;
    const grant = await reads.treatmentGrant(record.id, hospitalId);
    if (grant.live) return { allowed: true, purpose: 'treatment', hospitalId };
    // Break-glass opens a report to read, never to prescribe on (the contract refuses that too).
    if (action === 'read') {
      const emergency = await reads.emergencyOf(record.owner ?? (await reads.owner(record.id)), actor.address);
      if (emergency.live) return { allowed: true, purpose: 'emergency', hospitalId, emergencyId: emergency.emergencyId, end: emergency.end };
    }
    if (grant.until > 0) return { allowed: false, error: new Forbidden(`Your hospital's access to this report ended on ${utcMinute(grant.until)}.`) };
    // Refused: only now is it worth a second call, to tell an unknown report from an unshared one.
    if (record.id > (await reads.reportCount())) return { allowed: false, error: new NotFound('report') };
    return { allowed: false, error: new Forbidden('This report is not shared with your hospital.') };
  }

  return {
    /**
     * The user with what the ledger says of them: for a role that reads for treatment, their
     * hospital (Forbidden when the ledger knows them at none: the admin removed them). `role`:
     * the role the caller serves.
     */
    async actor(user: { readonly role: SessionRole; readonly address: string } | undefined, role: SessionRole): Promise<Actor> {
      if (!user || user.role !== role) throw notA(role);
      if (!treats(role)) return { role, address: user.address };
      const hospitalId = await reads.hospitalOf(user.address);
      if (hospitalId === 0) throw new Forbidden(REMOVED);
      return { role, address: user.address, hospitalId };
    },

    /**
     * A pharmacist's pharmacy or an insurer's staff member's insurer, as the ledger binds them
     * now; Forbidden when the account is not of `role`, or the admin removed it.
     */
    async organisationOf(user: { readonly role: SessionRole; readonly address: string } | undefined, role: 'pharmacist' | 'insurer'): Promise<number> {
      if (!user || user.role !== role) throw notA(role);
      const staff = await reads.staffOf(user.address);
      if (staff.role !== role || staff.organisationId === 0) throw new Forbidden(REMOVED);
      return staff.organisationId;
    },

    /** The same check without the ledger: the account is of `role` (for acts that need no record). */
    member<U extends { readonly role: SessionRole }>(user: U | undefined, role: SessionRole): U {
      if (!user || user.role !== role) throw notA(role);
      return user;
    },

    decide,

    /** The access `decide` gives, or its refusal thrown (NotFound or Forbidden). */
    async require(actor: Actor, record: RecordRef, action: RecordAction): Promise<Access> {
      const decision = await decide(actor, record, action);
      if (!decision.allowed) throw decision.error;
      return decision;
    },

    /**
     * The ids among `reportIds` that `actor` may see in a list (a dashboard): their own, or those
     * their hospital may read (a granted "yes" may be a few seconds old: see ledger-reads).
     */
    async visible(actor: Actor, reportIds: readonly number[]): Promise<Set<number>> {
      const seen = new Set<number>();
      if (may(actor.role, 'own-reports')) {
        const owners = await reads.owners(reportIds);
        reportIds.forEach((id, i) => owners[i] === actor.address && seen.add(id));
      }
      if (may(actor.role, 'read-shared-reports') && actor.hospitalId !== undefined) {
        for (const id of await reads.grantedOf(reportIds, actor.hospitalId)) seen.add(id);
      }
      return seen;
    },
  };
}

export type AccessPolicy = ReturnType<typeof createAccessPolicy>;

