/**
 * Names for what the ledger only knows by number: accounts (users by address, the admin, the
 * contract) and organisations. The names come from the app's own tables, never from the ledger.
 *
 * Pseudonymous for everyone but the admin: the ledger is readable by anyone who runs a node, and
 * an address is all it says about a person. The admin (who made the accounts) sees full names and
 * usernames; every other reader sees what a node would show plus what the ledger itself already
 * says in the clear — an account's role and its organisation's name — and their own account
 * marked "you". No username, full name or email of anyone else reaches their pages.
 */
import type { SessionRole } from '../../domain/roles';
import type { Ledger } from '../../ledger';
import type { ReadModel, UserStore } from '../../store/ports';

export interface AccountName {
  readonly name: string;
  /** patient, doctor, pharmacist, insurer, admin or contract. */
  readonly kind: string;
  /** The reader's own account. */
  readonly you?: boolean;
}

/** Who reads the ledger: their role decides what names they see, their address is marked "you". */
export interface Viewer {
  /** undefined: not signed in (the page after a signup). */
  readonly role: SessionRole | undefined;
  readonly address: string | undefined;
}

export const ANONYMOUS: Viewer = { role: undefined, address: undefined };

export function createNames(ledger: Ledger, users: UserStore, readModel: ReadModel) {
  const admin = ledger.admin.address.toLowerCase();
  const contract = ledger.deployment.address.toLowerCase();
  return {
    /** The viewer a signed-in user is: their account's address from the users table (the admin's is the ledger's). */
    async viewer(user: { readonly role: SessionRole; readonly id: number } | null | undefined): Promise<Viewer> {
      if (!user) return ANONYMOUS;
      if (user.role === 'admin') return { role: 'admin', address: admin };
      return { role: user.role, address: (await users.findById(user.id))?.address.toLowerCase() };
    },

    async accounts(addresses: readonly (string | null | undefined)[], viewer: Viewer): Promise<Map<string, AccountName>> {
      const known = [...new Set(addresses.filter((address): address is string => Boolean(address)).map(address => address.toLowerCase()))];
      const names = new Map<string, AccountName>();
      const organisations = viewer.role === 'admin' ? undefined : await readModel.hospitalNames();
      for (const [address, user] of await users.byAddress(known)) {
        if (viewer.role === 'admin') {
          names.set(address, { name: `${user.fullName} (${user.username})`, kind: user.role });
        } else {
          // The role and the organisation are on the ledger (PatientRegistered, StaffAdded); the person is not.
          const at = user.hospitalId !== null ? organisations?.get(user.hospitalId) : undefined;
          names.set(address, { name: at ? `a ${user.role} at ${at}` : `a ${user.role}`, kind: user.role });
        }
      }
      names.set(admin, { name: 'Admin', kind: 'admin' });
      names.set(contract, { name: 'EHR contract', kind: 'contract' });
      if (viewer.address) {
        const own = viewer.address.toLowerCase();
        const name = names.get(own);
        names.set(own, { name: viewer.role === 'admin' ? 'Admin' : 'you', kind: name?.kind ?? viewer.role ?? 'account', you: true });
      }
      return names;
    },

    /** Organisations by id: hospitals, pharmacies and insurers (their names are on the ledger). */
    organisations: () => readModel.hospitalNames(),
  };
}

export type Names = ReturnType<typeof createNames>;
