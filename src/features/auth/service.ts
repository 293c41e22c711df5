/**
 * Passwords and logins. bcrypt (cost 12) runs in libuv's thread pool, off the event loop.
 * An unknown username costs the same work as a wrong password (a compare against a dummy hash),
 * and both get the same answer.
 */
import bcrypt from 'bcrypt';
import { isStaffRole, isUserRole, type Role, type SessionUser } from '../../domain/roles';
import type { SettingsStore, UserStore } from '../../store/ports';
import { FieldError, Forbidden } from '../../domain/errors';

export const BCRYPT_COST = 12;
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
      await users.setPasswordHash(user.id, await bcrypt.hash(newPassword, cost));
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
