/**
 * Custodial accounts that no login came to use. A signup makes its account and key first, then
 * registers it on the ledger (topping it up with gas money), and stores the login last; a staff
 * add does the same with the admin's transaction. A crash in between, or a write whose outcome
 * was unknown (the 503 "may or may not have been saved"), leaves an account row with no user —
 * perhaps funded, perhaps registered on the ledger — and, for a signup, its username reserved.
 *
 * At start they are named in one line and the dead signups' reservations freed, so those names
 * may be signed up again at once rather than after SIGNUP_RESERVATION_MS. The rows are kept:
 * the sealed key is the only hold on its address, which the ledger may know (a registration or
 * a staff role that was mined) or which may hold ether, and "nothing on the ledger refers to
 * it" cannot be settled from here (any contract, any transfer may). A key deleted is lost for
 * good; a key kept costs a row, and no login can reach it. Taking back their ether is left to
 * the operator, who finds each one at /ledger/accounts/<address>.
 */
import type { Store } from '../store/ports';

export interface OrphanAccounts {
  /** Accounts with no user, oldest first. */
  readonly addresses: readonly string[];
  /** Username reservations of dead signups, let go of. */
  readonly reservationsFreed: number;
}

/** How many addresses the start's line names before it only counts. */
const NAMED = 10;

/**
 * Lists the accounts made before `before` (ms) with no user, and frees the reservations made
 * before it. `before` must be a time no signup still under way started before: a lone server's
 * own start, or, with other servers on the data set, its start less the reservation window.
 */
export async function reconcileOrphanAccounts(store: Pick<Store, 'accounts' | 'users'>, before: number): Promise<OrphanAccounts> {
  const orphans = await store.accounts.withoutUser(before);
  const reservationsFreed = await store.users.releaseReservationsBefore(before);
  return { addresses: orphans.map(row => row.address), reservationsFreed };
}

/** The start's one line about them; undefined when there is nothing to say. */
export function describeOrphans({ addresses, reservationsFreed }: OrphanAccounts): string | undefined {
  const parts: string[] = [];
  if (addresses.length > 0) {
    const named = addresses.slice(0, NAMED).join(', ') + (addresses.length > NAMED ? ` and ${addresses.length - NAMED} more` : '');
    parts.push(
      `${addresses.length} custodial account${addresses.length === 1 ? '' : 's'} with no login (a signup or staff add that stopped before storing it): ${named}; ` +
        'kept with their keys, since the ledger may know them or they may hold ether (see /ledger/accounts/<address>)',
    );
  }
  if (reservationsFreed > 0) parts.push(`${reservationsFreed} username reservation${reservationsFreed === 1 ? '' : 's'} of dead signups freed`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}
