/** The admin's acts: hospitals and doctors, on the ledger and off it. */
import { FUNDER_LOW_WATER, type Ledger } from '../../ledger';
import type { Custodian } from '../../keys/custodian';
import type { LedgerReceipt } from '../../ledger/ehr-client';
import type { ReadModel, User, UserStore } from '../../store/ports';
import type { AuthService } from '../auth/service';
import type { LedgerWriter } from '../records/writer';
import { FieldError, NotFound } from '../../domain/errors';
import { isStaffRole } from '../../domain/roles';

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

export interface AdminServiceDeps {
  readonly ledger: Ledger;
  readonly custodian: Custodian;
  readonly users: UserStore;
  readonly readModel: ReadModel;
  readonly writer: LedgerWriter;
  readonly auth: AuthService;
}

/** A hospital name as two people would compare it: any case, any width, spaces collapsed. */
export function sameHospitalName(a: string, b: string): boolean {
  const key = (name: string) => name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('en-US');
  return key(a) === key(b);
}

export function createAdminService({ ledger, custodian, users, readModel, writer, auth }: AdminServiceDeps) {
  // Hospitals are added one at a time, so two forms sent at once with one name cannot both pass
  // the check before either is on the ledger.
  let hospitalQueue: Promise<unknown> = Promise.resolve();

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

    /**
     * The hospital's name goes on the ledger; its address and phone stay here. A name already
     * taken, in any case, is refused: patients pick hospitals by name.
     */
    addHospital(hospital: NewHospital): Promise<LedgerReceipt & { hospitalId: number }> {
      const added = hospitalQueue.then(async () => {
        const taken = (await readModel.hospitals()).find(h => sameHospitalName(h.name, hospital.name));
        if (taken) throw new FieldError('name', `A hospital named "${taken.name}" already exists (hospital #${taken.id}); choose another name`);
        const receipt = await writer.write(() => ledger.client.addHospital(ledger.admin, hospital.name));
        await readModel.saveHospitalDetails(receipt.hospitalId, { address: hospital.address, phone: hospital.phone });
        return receipt;
      });
      hospitalQueue = added.catch(() => undefined);
      return added;
    },

    /**
     * Makes the doctor's account and registers it on the ledger at the hospital; the login is
     * stored only once the ledger has the doctor, so a refused write leaves no login behind.
     */
    async addDoctor(doctor: NewDoctor): Promise<LedgerReceipt> {
      if (await users.usernameTaken(doctor.username)) throw new FieldError('username', 'This username is taken');
      if (!(await readModel.hospitalExists(doctor.hospitalId))) throw new FieldError('hospitalId', 'Choose a hospital from the list');
      const [address, passwordHash] = await Promise.all([custodian.createAccount(), auth.hashPassword(doctor.password)]);
      const receipt = await writer.write(() => ledger.client.addStaff(ledger.admin, address, doctor.hospitalId));
      await users.insert({
        username: doctor.username,
        passwordHash,
        role: 'doctor',
        address,
        fullName: doctor.fullName,
        email: doctor.email,
        phone: '',
        specialty: doctor.specialty,
        hospitalId: doctor.hospitalId,
      });
      return receipt;
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
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
