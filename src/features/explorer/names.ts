/**
 * Names for what the ledger only knows by number: accounts (users by address, the admin, the
 * contract) and hospitals. The names come from the app's own tables, never from the ledger.
 */
import type { Ledger } from '../../ledger';
import type { ReadModel, UserStore } from '../../store/ports';

export interface AccountName {
  readonly name: string;
  /** patient, doctor, admin or contract. */
  readonly kind: string;
}

export function createNames(ledger: Ledger, users: UserStore, readModel: ReadModel) {
  return {
    async accounts(addresses: readonly (string | null | undefined)[]): Promise<Map<string, AccountName>> {
      const known = addresses.filter((address): address is string => Boolean(address)).map(address => address.toLowerCase());
      const names = new Map<string, AccountName>();
      for (const [address, user] of await users.byAddress(known)) {
        names.set(address, { name: `${user.fullName} (${user.username})`, kind: user.role });
      }
      names.set(ledger.admin.address.toLowerCase(), { name: 'Admin', kind: 'admin' });
      names.set(ledger.deployment.address.toLowerCase(), { name: 'EHR contract', kind: 'contract' });
      return names;
    },
    hospitals: () => readModel.hospitalNames(),
  };
}

export type Names = ReturnType<typeof createNames>;
