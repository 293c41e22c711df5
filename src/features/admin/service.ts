/**
 * The admin's acts: organisations and their staff, on the ledger and off it; patients listed,
 * passwords reset, and a class's patient accounts made in one go.
 */
import { FUNDER_LOW_WATER, type Ledger } from '../../ledger';
import type { Custodian } from '../../keys/custodian';
import type { LedgerReceipt } from '../../ledger/ehr-client';
import type { PatientListRow, ReadModel, User, UserStore } from '../../store/ports';
import { oneTimePassword, type AuthService } from '../auth/service';
import type { PatientService } from '../patient/service';
import type { LedgerWriter } from '../records/writer';
import { FieldError, NotFound } from '../../domain/errors';
import { KINDS_OF_ORGANISATION, ORGANISATION_OF_ROLE, type OrganisationKind, type StaffRole } from '../../domain/organisations';
import { isStaffRole } from '../../domain/roles';
import type { BulkLine, RefusedLine } from './bulk-form';

export interface NewHospital {
  readonly name: string;
  readonly address: string;
  readonly phone: string;
}

export interface NewDoctor {
  readonly fullName: string;
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly specialty: string;
  readonly hospitalId: number;
}

/** A staff member of any organisation: `specialty` is a doctor's. */
export interface NewStaff {
  readonly fullName: string;
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly specialty?: string;
  readonly organisationId: number;
}

/** The form field that names each kind of organisation. */
const FIELD_OF_KIND: Readonly<Record<OrganisationKind, string>> = { hospital: 'hospitalId', pharmacy: 'pharmacyId', insurer: 'insurerId' };

/** A patient account a paste made, with its one-time password (shown once, kept nowhere). */
export interface EnrolledPatient extends BulkLine {
  readonly password: string;
  readonly transactionHash: string;
  readonly blockNumber: number;
}

/** What a paste made: the accounts, the lines refused (a name taken), and what a failure stopped. */
export interface Enrolment {
  readonly created: readonly EnrolledPatient[];
  readonly refused: readonly RefusedLine[];
  /** The node failed (or anything unforeseen) part-way: the lines not made, and why. */
  readonly stopped?: { readonly lines: readonly BulkLine[]; readonly error: unknown };
}

/**
 * How many accounts of a paste are made at once. Each account's writes are its own (a top-up from
 * the funder, then its registration); running several lets one's hashing, key sealing, receipt
 * and read-model writes overlap another's send, which the embedded node takes one at a time
 * (200 accounts: ~14 s one at a time, ~11 s eight at a time; more on a node that mines in parallel).
 */
const ENROL_CONCURRENCY = 8;

export interface AdminServiceDeps {
  readonly ledger: Ledger;
  readonly custodian: Custodian;
  readonly users: UserStore;
  readonly readModel: ReadModel;
  readonly writer: LedgerWriter;
  readonly auth: AuthService;
  /** Where patient accounts are made (the bulk enrolment takes the signup's own path). */
  readonly patients: Pick<PatientService, 'enrol'>;
}

/** A hospital name as two people would compare it: any case, any width, spaces collapsed. */
export function sameHospitalName(a: string, b: string): boolean {
  const key = (name: string) => name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('en-US');
  return key(a) === key(b);
}

export function createAdminService({ ledger, custodian, users, readModel, writer, auth, patients }: AdminServiceDeps) {
  // Organisations are added one at a time, so two forms sent at once with one name cannot both
  // pass the check before either is on the ledger.
  let organisationQueue: Promise<unknown> = Promise.resolve();

  return {
    /**
     * The funding account's balance, and whether it is running dry (every new account's first
     * write, and the admin's own writes, are paid from it); undefined while the node is out of reach.
     */
    async funds(): Promise<{ address: string; balanceWei: bigint; low: boolean } | undefined> {
      const balanceWei = await ledger.funderBalance().catch(() => undefined);
      return balanceWei === undefined ? undefined : { address: ledger.admin.address, balanceWei, low: balanceWei < FUNDER_LOW_WATER };
    },

    hospitals: () => readModel.hospitals(),
    doctors: () => readModel.doctors(),

    /** Organisations of a kind (hospitals, pharmacies, insurers) with their details and staff count. */
    organisations: (kind: OrganisationKind) => readModel.organisations(kind),
    /** Staff of a role, removed ones too. */
    staff: (role: StaffRole) => readModel.staff(role),

    /**
     * The organisation's name goes on the ledger; its address and phone stay here. A name already
     * taken by an organisation of any kind, in any case, is refused: people pick them by name.
     */
    addOrganisation(kind: OrganisationKind, organisation: NewHospital): Promise<LedgerReceipt & { organisationId: number }> {
      const added = organisationQueue.then(async () => {
        const all = (await Promise.all(KINDS_OF_ORGANISATION.map(k => readModel.organisations(k)))).flat();
        const taken = all.find(o => sameHospitalName(o.name, organisation.name));
        if (taken) throw new FieldError('name', `A ${taken.kind} named "${taken.name}" already exists (${taken.kind} #${taken.id}); choose another name`);
        const receipt = await writer.write(() => ledger.client.addOrganisation(ledger.admin, kind, organisation.name));
        await readModel.saveHospitalDetails(receipt.organisationId, { address: organisation.address, phone: organisation.phone });
        return receipt;
      });
      organisationQueue = added.catch(() => undefined);
      return added;
    },

    async addHospital(hospital: NewHospital): Promise<LedgerReceipt & { hospitalId: number }> {
      const receipt = await this.addOrganisation('hospital', hospital);
      return { ...receipt, hospitalId: receipt.organisationId };
    },

    /**
     * Makes a staff member's account and registers it on the ledger at its organisation (a doctor
     * at a hospital, a pharmacist at a pharmacy, an insurer's staff at an insurer); the login is
     * stored only once the ledger has them, so a refused write leaves no login behind.
     */
    async addStaff(role: StaffRole, member: NewStaff): Promise<LedgerReceipt> {
      if (await users.usernameTaken(member.username)) throw new FieldError('username', 'This username is taken');
      const kind = ORGANISATION_OF_ROLE[role];
      if (!(await readModel.organisations(kind)).some(o => o.id === member.organisationId)) {
        throw new FieldError(FIELD_OF_KIND[kind], `Choose ${kind === 'insurer' ? 'an' : 'a'} ${kind} from the list`);
      }
      const [address, passwordHash] = await Promise.all([custodian.createAccount(), auth.hashPassword(member.password)]);
      const receipt = await writer.write(() => ledger.client.addStaff(ledger.admin, address, member.organisationId));
      await users.insert({
        username: member.username,
        passwordHash,
        role,
        address,
        fullName: member.fullName,
        email: member.email,
        phone: '',
        specialty: member.specialty ?? '',
        hospitalId: member.organisationId,
      });
      return receipt;
    },

    addDoctor(doctor: NewDoctor): Promise<LedgerReceipt> {
      return this.addStaff('doctor', { ...doctor, organisationId: doctor.hospitalId });
    },

    /** A staff member's account by username; undefined for a patient or an unknown name. */
    async staffMember(username: string): Promise<User | undefined> {
      const user = await users.findByUsername(username);
      return user && isStaffRole(user.role) ? user : undefined;
    },

    /**
     * Removes a staff member on the ledger (their role is revoked): from that block on the
     * contract refuses them, and so does the app — their login, and every record. Their account
     * and history stay. NotFound for a username that is not staff; a FieldError when the ledger
     * already has them removed.
     */
    async removeStaff(username: string): Promise<LedgerReceipt & { user: User }> {
      const user = await users.findByUsername(username);
      if (!user || !isStaffRole(user.role)) throw new NotFound('staff member');
      if ((await ledger.client.staffOf(user.address)).organisationId === 0) {
        throw new FieldError('username', `${user.fullName} (${user.username}) was already removed`);
      }
      const receipt = await writer.write(() => ledger.client.removeStaff(ledger.admin, user.address));
      return { ...receipt, user };
    },

    /** Every patient, by username, with their report count and last sign-in. */
    patients: (): Promise<PatientListRow[]> => users.patients(),

    /**
     * Gives a patient or staff member a new one-time password, which they must replace at their
     * next login; resolves to it (to be shown once: only its hash is kept). NotFound for anyone
     * else (the admin has no users row).
     */
    async resetPassword(username: string): Promise<{ user: User; password: string }> {
      const user = await users.findByUsername(username);
      if (!user) throw new NotFound('user');
      const password = oneTimePassword();
      await users.setPasswordHash(user.id, await auth.hashOneTimePassword(password), true);
      return { user, password };
    },

    /**
     * Makes a patient account for each line, as signup does (a custodial account registered on the
     * ledger, then the login), with a one-time password to be replaced at the first login. A
     * username is reserved first, as a signup's is: one taken (or being signed up) is a refused
     * line, not an error. Accounts are independent, so several are made at once. A failure of
     * the node stops the rest (the accounts made so far are kept and returned: their passwords
     * exist nowhere else).
     */
    async enrolPatients(lines: readonly BulkLine[]): Promise<Enrolment> {
      const created: EnrolledPatient[] = [];
      const refused: RefusedLine[] = [];
      const notMade: BulkLine[] = [];
      let failure: { error: unknown } | undefined;
      const taken = (line: BulkLine) => refused.push({ line: line.line, text: line.text, reason: `The username ${line.username} is taken` });

      async function enrol(line: BulkLine): Promise<void> {
        const password = oneTimePassword();
        const passwordHash = await auth.hashOneTimePassword(password);
        const receipt = await patients.enrol({ username: line.username, passwordHash, fullName: line.fullName, email: line.email, phone: '', mustChangePassword: true });
        if (!receipt) return void taken(line);
        created.push({ ...line, password, transactionHash: receipt.transactionHash, blockNumber: receipt.blockNumber });
      }

      const queue = [...lines];
      const worker = async () => {
        for (let line = queue.shift(); line; line = queue.shift()) {
          if (failure) {
            notMade.push(line);
            continue;
          }
          try {
            await enrol(line);
          } catch (error) {
            failure ??= { error };
            notMade.push(line);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(ENROL_CONCURRENCY, lines.length) }, worker));
      const byLine = <T extends { line: number }>(items: T[]) => items.sort((a, b) => a.line - b.line);
      return {
        created: byLine(created),
        refused: byLine(refused),
        ...(failure ? { stopped: { lines: byLine(notMade), error: failure.error } } : {}),
      };
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
