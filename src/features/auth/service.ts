/**
 * Passwords and logins. bcrypt (cost 12; one-time passwords 8) runs in libuv's thread pool, off the
 * event loop, at most two at once (bcrypt-lane.ts).
 * An unknown username costs the same work as a wrong password (a compare against a dummy hash),
 * and both get the same answer.
 */
import { randomInt } from 'node:crypto';
import * as bcrypt from './bcrypt-lane';
import { isStaffRole, isUserRole, type Role, type SessionUser } from '../../domain/roles';
import type { SettingsStore, UserStore } from '../../store/ports';
import { FieldError, Forbidden } from '../../domain/errors';

export const BCRYPT_COST = 12;

/**
 * bcrypt's cost for a one-time password (the admin's reset, a class's accounts), at most. The cost
 * stretches a password a person chose, which may be guessed from a list; a one-time password is
 * 16 characters drawn at random from 31 (79 bits), which no list holds and no stretching is needed
 * to protect, and it is replaced at its first use. Cost 8 takes ~16 ms a hash against ~250 ms for
 * 12: a class of 200 accounts is made in ~12 s instead of ~50 s on two cores (measured with the
 * embedded node). A guesser with a stolen database still faces about 2^78 bcrypt computations.
 */
export const ONE_TIME_BCRYPT_COST = 8;

/** The characters of a one-time password: capitals and digits but 0/O, 1/I/L, which read alike. */
const ONE_TIME_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A one-time password: four groups of four characters, e.g. `K7QM-2XHP-RT9B-WD4N` (each drawn without bias). */
export function oneTimePassword(): string {
  const groups = Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => ONE_TIME_ALPHABET[randomInt(ONE_TIME_ALPHABET.length)]).join(''));
  return groups.join('-');
}

const ADMIN_HASH = 'admin.password_hash';
const ADMIN_DEFAULT = 'admin.password_is_default';
export const ADMIN_USERNAME = 'admin';

/** What a removed staff member is told at the login, once their password matched. */
export const REMOVED_STAFF = 'This account was removed by the admin: it can no longer sign in or open any record.';

export interface AuthOptions {
  readonly cost?: number;
  readonly warn?: (line: string) => void;
  /**
   * Whether a staff member's account still holds its role on the ledger (the ledger decides: an
   * admin's removal is a revoked role). Absent: not asked (tools without a ledger).
   */
  readonly isStaffOnLedger?: (address: string) => Promise<boolean>;
}

export function createAuthService(users: UserStore, settings: SettingsStore, { cost = BCRYPT_COST, warn = console.warn, isStaffOnLedger }: AuthOptions = {}) {
  // Computed once: the hash an unknown username is compared against.
  const dummyHash = bcrypt.hashSync('not a password of anyone', cost);

  const service = {
    hashPassword: (password: string) => bcrypt.hash(password, cost),

    /** A one-time password's hash: at most ONE_TIME_BCRYPT_COST (see there why that is enough). */
    hashOneTimePassword: (password: string) => bcrypt.hash(password, Math.min(cost, ONE_TIME_BCRYPT_COST)),

    /**
     * Sets the admin's first password from ADMIN_PASSWORD; later starts keep the stored hash.
     * ADMIN_PASSWORD is not honoured after the first start, on purpose: a password changed in the
     * console must not be silently reset by a setting left in an old .env. When the setting names
     * another password than the stored one, one line at start says so and how to change it. (An
     * unset ADMIN_PASSWORD reads as `admin`, which is not warned about: the console's own banner
     * covers a default password.)
     */
    async ensureAdminPassword(initial: string): Promise<void> {
      const stored = await settings.get(ADMIN_HASH);
      if (!stored) {
        await settings.set(ADMIN_HASH, await bcrypt.hash(initial, cost));
        await settings.set(ADMIN_DEFAULT, initial === 'admin' ? '1' : '0');
        return;
      }
      if (initial !== 'admin' && !(await bcrypt.compare(initial, stored))) {
        warn(
          'ADMIN_PASSWORD differs from the admin password stored in DATA_DIR: the stored password wins (ADMIN_PASSWORD only sets the first one). ' +
            'To change it, log in as admin and use "Change the admin password" on /admin or /account/password.',
        );
      }
    },

    adminPasswordIsDefault: async () => (await settings.get(ADMIN_DEFAULT)) === '1',

    async changeAdminPassword(password: string): Promise<void> {
      await settings.set(ADMIN_HASH, await bcrypt.hash(password, cost));
      await settings.set(ADMIN_DEFAULT, password === 'admin' ? '1' : '0');
    },

    /**
     * Changes the signed-in user's own password after checking the current one; a wrong current
     * password is a FieldError on `currentPassword`.
     */
    async changePassword(user: SessionUser, currentPassword: string, newPassword: string): Promise<void> {
      const checked = isUserRole(user.role) ? await service.login(user.role, user.username, currentPassword) : await service.loginAdmin(user.username, currentPassword);
      if (!checked) throw new FieldError('currentPassword', 'The current password is not correct');
      if (!isUserRole(user.role)) return service.changeAdminPassword(newPassword);
      await users.setPasswordHash(user.id, await bcrypt.hash(newPassword, cost), false); // a password of one's own: a one-time one is gone
    },

    /**
     * Records a successful login (the admin's list shows the last one) and says whether the user
     * holds a one-time password, which they must replace before anything else. The admin (no
     * users row) has its own warning while its password is the default.
     */
    async signedIn(user: SessionUser, at: number): Promise<{ mustChangePassword: boolean }> {
      if (!isUserRole(user.role)) return { mustChangePassword: false };
      const [row] = await Promise.all([users.findById(user.id), users.recordLogin(user.id, at)]);
      return { mustChangePassword: row?.mustChangePassword ?? false };
    },

    async loginAdmin(username: string, password: string): Promise<SessionUser | undefined> {
      const hash = username === ADMIN_USERNAME ? await settings.get(ADMIN_HASH) : undefined;
      const matches = await bcrypt.compare(password, hash ?? dummyHash);
      return matches && hash ? { role: 'admin', id: 0, username: ADMIN_USERNAME, displayName: 'Administrator' } : undefined;
    },

    /**
     * The user, when the password matches; undefined otherwise. A staff member the admin removed
     * is refused (Forbidden) — told only once the password matched, so that the refusal tells a
     * guesser nothing.
     */
    async login(role: Role, username: string, password: string): Promise<SessionUser | undefined> {
      const user = await users.findByUsername(username);
      const found = user?.role === role ? user : undefined;
      const matches = await bcrypt.compare(password, found?.passwordHash ?? dummyHash);
      if (!matches || !found) return undefined;
      if (isStaffRole(role) && isStaffOnLedger && !(await isStaffOnLedger(found.address))) throw new Forbidden(REMOVED_STAFF);
      return { role, id: found.id, username: found.username, displayName: found.fullName };
    },
  };
  return service;
}

export type AuthService = ReturnType<typeof createAuthService>;
