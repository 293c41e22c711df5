/** A patient's acts: signup, reports, sharing — and what the patient sees of them. */
import type { LedgerReceipt } from '../../ledger/ehr-client';
import type { PageWindow, User } from '../../store/ports';
import { FieldError } from '../../domain/errors';
import { utcMinute } from '../../domain/time';
import { LedgerRevertError } from '../../ledger/errors';
import type { SignupLimit } from '../auth/rate-limit';
import type { AuthService } from '../auth/service';
import { presentPrescriptions, type PrescriptionView } from '../records/present';
import type { AttachedFile, Checked, ReportBody } from '../records/vault';
import type { RecordServiceDeps } from '../records/deps';
import { createRecordPolicy } from '../records/policy';

export interface Signup {
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly fullName: string;
  readonly phone: string;
}

/** A patient account to make: the login's hash is made by the caller (a chosen password, or a one-time one). */
export interface NewPatient {
  readonly username: string;
  readonly passwordHash: string;
  readonly email: string;
  readonly fullName: string;
  readonly phone: string;
  /** The password is a one-time one (the admin's bulk enrolment): to be replaced at the first login. */
  readonly mustChangePassword?: boolean;
}

export interface NewReport extends ReportBody {
  readonly hospitalIds: readonly number[];
  /** Files stored for it (see features/files), listed in its body. */
  readonly files?: readonly AttachedFile[];
  /** When every listed hospital's access ends (seconds); 0 or absent: no end. */
  readonly until?: number;
}

/** A hospital's access to a report, as the contract tells it now. */
export interface HospitalAccess {
  readonly id: number;
  readonly name: string;
  /** `live`: may read now; `ended`: expired or revoked (at `until`); `never`: never granted. */
  readonly state: 'live' | 'ended' | 'never';
  /** Seconds: when a live grant ends (0: no end), or when an ended one ended. */
  readonly until: number;
}

export interface ReportSummary {
  readonly id: number;
  readonly createdAt: Date;
  readonly checked: Checked<ReportBody>;
  /** The hospitals that may read it now, each with its end (seconds; 0: none). */
  readonly sharedWith: readonly { id: number; name: string; until: number }[];
  /** The newest prescription, or undefined while the report is Pending. */
  readonly latest: PrescriptionView | undefined;
}

export interface ReportDetail {
  readonly id: number;
  readonly createdAt: Date;
  readonly checked: Checked<ReportBody>;
  readonly transactionHash: string | undefined;
  readonly blockNumber: number | undefined;
  readonly hospitals: readonly HospitalAccess[];
  readonly prescriptions: readonly PrescriptionView[];
}

export interface PatientServiceDeps extends RecordServiceDeps {
  readonly auth: AuthService;
  /** Signups per address (none when absent: tools that make accounts themselves). */
  readonly signups?: SignupLimit;
}

/** A username reservation older than this belongs to a signup that died, and is taken over. */
export const SIGNUP_RESERVATION_MS = 5 * 60 * 1000;

/**
 * A write with an end: the ledger's clock may run ahead of this server's (a classroom node moved
 * forward), so an end the form took for the future can still be refused on the ledger. That
 * refusal is the form's: a 400 on `until`, as if checked here.
 */
async function withEndChecked<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof LedgerRevertError && error.error.name === 'EHRInvalidEnd') {
      throw new FieldError('until', 'The last day of access has already passed on the ledger\'s clock: choose a later day');
    }
    throw error;
  }
}

export function createPatientService({ ledger, custodian, users, readModel, writer, vault, reads, auth, signups }: PatientServiceDeps) {
  const policy = createRecordPolicy(ledger.client, reads);

  const patient = async (userId: number): Promise<User> => policy.member(await users.findById(userId), 'patient');

  /**
   * The report on the ledger, if the policy lets `user` `action` it as its owner; another
   * patient's report is "not found", as is an unknown id (the contract's EHRUnknownReport, which
   * the error handler answers with 404).
   */
  async function ownReport(user: User, reportId: number, action: 'read' | 'share' | 'revoke') {
    const report = await ledger.client.report(reportId);
    await policy.require(await policy.actor(user, 'patient'), { id: reportId, owner: report.patient }, action);
    return report;
  }

  async function checkHospitals(hospitalIds: readonly number[]): Promise<void> {
    const known = await Promise.all(hospitalIds.map(id => readModel.hospitalExists(id)));
    if (known.includes(false)) throw new FieldError('hospitalIds', 'Choose hospitals from the list');
  }

  /**
   * Shares (again: a new end) or revokes one hospital's access to the patient's own report. A
   * double click or a second tab gets a plain 400 instead of the contract's refusal.
   */
  async function changeGrant(userId: number, reportId: number, hospitalId: number, change: { action: 'share'; until: number } | { action: 'revoke' }): Promise<LedgerReceipt> {
    const user = await patient(userId);
    await ownReport(user, reportId, change.action);
    await checkHospitals([hospitalId]);
    const grant = await ledger.client.treatmentGrant(reportId, hospitalId);
    if (change.action === 'share' && grant.live && grant.until === change.until) {
      throw new FieldError('until', `That hospital already has access to this report ${change.until ? `until ${utcMinute(change.until)}` : 'with no end'}`);
    }
    if (change.action === 'revoke' && !grant.live) throw new FieldError('hospitalId', 'That hospital has no access to revoke');
    const signer = await custodian.signer(user.address);
    return withEndChecked(() =>
      writer.write(() =>
        change.action === 'share' ? ledger.client.shareReport(signer, reportId, hospitalId, change.until) : ledger.client.revokeReport(signer, reportId, hospitalId),
      ),
    );
  }

  /** Makes, funds and registers the patient's account, then stores the login. */
  async function registerPatient(account: NewPatient): Promise<LedgerReceipt> {
    const address = await custodian.createAccount();
    const signer = await custodian.signer(address);
    const receipt = await writer.write(() => ledger.client.registerPatient(signer));
    await users.insert({
      username: account.username,
      passwordHash: account.passwordHash,
      role: 'patient',
      address,
      fullName: account.fullName,
      email: account.email,
      phone: account.phone,
      specialty: '',
      hospitalId: null,
      mustChangePassword: account.mustChangePassword ?? false,
    });
    return receipt;
  }

  /**
   * Makes a patient's account under a reservation of its username, before any key is made or
   * funded: of two signups (or a signup and a bulk line) of one name, the others get undefined
   * ("taken") and make nothing.
   */
  async function enrol(account: NewPatient): Promise<LedgerReceipt | undefined> {
    const at = Date.now();
    if (!(await users.reserve(account.username, at, at - SIGNUP_RESERVATION_MS))) return undefined;
    try {
      // A signup of this name may have finished before the reservation.
      if (await users.usernameTaken(account.username)) return undefined;
      return await registerPatient(account);
    } finally {
      await users.release(account.username);
    }
  }

  return {
    /**
     * Creates the account, registers it on the ledger, then stores the login. `from` is the
     * client's address, for the signup limit (TooManyAttempts). The username is reserved first,
     * before any key is made or funded: of two signups of one name, the others get a plain
     * "taken" and make nothing.
     */
    async signup(form: Signup, from = ''): Promise<LedgerReceipt> {
      if (await users.usernameTaken(form.username)) throw new FieldError('username', 'This username is taken');
      await signups?.take(from);
      const { password, ...account } = form;
      const receipt = await enrol({ ...account, passwordHash: await auth.hashPassword(password) });
      if (!receipt) throw new FieldError('username', 'This username is taken');
      return receipt;
    },

    /** Makes a patient's account for the admin (bulk enrolment); undefined when the username is taken. */
    enrol,

    hospitals: () => readModel.hospitals(),

    /** The patient's reports that were stored but never reached the ledger (lost in a crash). */
    async unsaved(userId: number): Promise<{ createdAt: Date; title: string | undefined }[]> {
      return vault.lost('report', (await patient(userId)).address);
    },

    /**
     * The patient's own reports, newest first: all of them, or the rows of `window` (a page). The
     * read model proposes the rows; only those the ledger says the patient owns are shown, with
     * the commitment the ledger holds.
     */
    async dashboard(userId: number, window?: PageWindow): Promise<ReportSummary[]> {
      const user = await patient(userId);
      const listed = await readModel.reportsOfPatient(user.address, window);
      const own = await policy.visible(await policy.actor(user, 'patient'), listed.map(r => r.id));
      const identities = await reads.identities(listed.map(r => r.id)); // kept by the policy's read: no second call
      const reports = listed.flatMap((row, i) => (own.has(row.id) && identities[i] ? [{ ...row, ...identities[i] }] : []));
      const now = Date.now() / 1000;
      const ids = reports.map(r => r.id);
      const [grants, latest, bodies, hospitalNames] = await Promise.all([
        readModel.grants(ids),
        readModel.latestPrescriptions(ids),
        vault.readMany('report', reports.map(r => ({ author: r.patient, commitment: r.commitment }))),
        readModel.hospitalNames(),
      ]);
      const newest = await presentPrescriptions(
        [...latest.values()].map(p => ({ ...p, createdAt: new Date(p.createdAt * 1000) })),
        vault,
        users,
        hospitalNames,
      );
      const newestByReport = new Map([...latest.keys()].map((reportId, i) => [reportId, newest[i]]));
      return reports.map((report, i) => ({
        id: report.id,
        createdAt: new Date(report.createdAt * 1000),
        checked: bodies[i],
        sharedWith: (grants.get(report.id) ?? [])
          .filter(g => g.active && (g.until === 0 || g.until > now))
          .map(g => ({ id: g.hospitalId, name: g.hospitalName, until: g.until })),
        latest: newestByReport.get(report.id),
      }));
    },

    async addReport(userId: number, report: NewReport): Promise<LedgerReceipt & { reportId: number }> {
      const user = await patient(userId);
      await checkHospitals(report.hospitalIds);
      const files = report.files ?? [];
      const body: ReportBody = { title: report.title, disease: report.disease, details: report.details, ...(files.length > 0 ? { files } : {}) };
      const signer = await custodian.signer(user.address);
      return withEndChecked(() =>
        writer.writeWithBody('report', user.address, body, commitment => ledger.client.addReport(signer, commitment, report.hospitalIds, report.until ?? 0)),
      );
    },

    /** One report, checked against the ledger itself (not the read model) before it is shown. */
    async report(userId: number, reportId: number): Promise<ReportDetail> {
      const user = await patient(userId);
      const onLedger = await ownReport(user, reportId, 'read');
      const [prescriptions, hospitals, projected, checked] = await Promise.all([
        ledger.client.prescriptions(reportId),
        readModel.hospitals(),
        readModel.report(reportId),
        vault.read('report', { author: user.address, commitment: onLedger.commitment }),
      ]);
      // Each hospital's grant from the contract itself: an end passes on the ledger's clock.
      const grants = await Promise.all(hospitals.map(h => ledger.client.treatmentGrant(reportId, h.id)));
      const hospitalNames = new Map(hospitals.map(h => [h.id, h.name]));
      return {
        id: reportId,
        createdAt: onLedger.createdAt,
        checked,
        transactionHash: projected?.transactionHash,
        blockNumber: projected?.blockNumber,
        hospitals: hospitals.map((h, i) => ({
          id: h.id,
          name: h.name,
          state: grants[i].live ? 'live' : grants[i].until > 0 ? 'ended' : 'never',
          until: grants[i].until,
        })),
        prescriptions: await presentPrescriptions(prescriptions, vault, users, hospitalNames),
      };
    },

    /** Grants the hospital access until `until` (seconds; 0: no end); again on a live grant: a new end. */
    share: (userId: number, reportId: number, hospitalId: number, until: number) => changeGrant(userId, reportId, hospitalId, { action: 'share', until }),
    revoke: (userId: number, reportId: number, hospitalId: number) => changeGrant(userId, reportId, hospitalId, { action: 'revoke' }),
  };
}

export type PatientService = ReturnType<typeof createPatientService>;
