/**
 * Passwords and logins. bcrypt (cost 12) runs in libuv's thread pool, off the event loop.
 * An unknown username costs the same work as a wrong password (a compare against a dummy hash),
 * and both get the same answer.
 */
import bcrypt from 'bcrypt';
import type { Settings } from '../../store/settings';
import type { Role, UserRepository } from '../../store/users';
import type { SessionUser } from '../../web/session';

export const BCRYPT_COST = 12;
const ADMIN_HASH = 'admin.password_hash';
const ADMIN_DEFAULT = 'admin.password_is_default';
export const ADMIN_USERNAME = 'admin';

export function createAuthService(users: UserRepository, settings: Settings, cost = BCRYPT_COST) {
  // Computed once: the hash an unknown username is compared against.
  const dummyHash = bcrypt.hashSync('not a password of anyone', cost);

  return {
    hashPassword: (password: string) => bcrypt.hash(password, cost),

    /** Sets the admin's first password from settings; later starts keep the stored hash. */
    async ensureAdminPassword(initial: string): Promise<void> {
      if (settings.get(ADMIN_HASH)) return;
      settings.set(ADMIN_HASH, await bcrypt.hash(initial, cost));
      settings.set(ADMIN_DEFAULT, initial === 'admin' ? '1' : '0');
    },

    adminPasswordIsDefault: () => settings.get(ADMIN_DEFAULT) === '1',

    async changeAdminPassword(password: string): Promise<void> {
      settings.set(ADMIN_HASH, await bcrypt.hash(password, cost));
      settings.set(ADMIN_DEFAULT, password === 'admin' ? '1' : '0');
    },

    async loginAdmin(username: string, password: string): Promise<SessionUser | undefined> {
      const hash = username === ADMIN_USERNAME ? settings.get(ADMIN_HASH) : undefined;
      const matches = await bcrypt.compare(password, hash ?? dummyHash);
      return matches && hash ? { role: 'admin', id: 0, username: ADMIN_USERNAME, displayName: 'Administrator' } : undefined;
    },

    async login(role: Role, username: string, password: string): Promise<SessionUser | undefined> {
      const user = users.findByUsername(username);
      const found = user?.role === role ? user : undefined;
      const matches = await bcrypt.compare(password, found?.passwordHash ?? dummyHash);
      return matches && found ? { role, id: found.id, username: found.username, displayName: found.fullName } : undefined;
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
