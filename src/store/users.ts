/** Repository of patients and doctors (the admin is a setting, not a user row). */
import type { Db } from './database';

import type { Role } from '../domain/roles';

export interface User {
  readonly id: number;
  readonly username: string;
  readonly passwordHash: string;
  readonly role: Role;
  readonly address: string;
  readonly fullName: string;
  readonly email: string;
  readonly phone: string;
  readonly specialty: string;
  readonly hospitalId: number | null;
}

export type NewUser = Omit<User, 'id'>;

const COLUMNS = `id, username, password_hash AS passwordHash, role, address, full_name AS fullName, email, phone,
  specialty, hospital_id AS hospitalId`;

export function createUserRepository(db: Db) {
  const insert = db.prepare(`
    INSERT INTO users (username, password_hash, role, address, full_name, email, phone, specialty, hospital_id, created_at)
    VALUES (@username, @passwordHash, @role, @address, @fullName, @email, @phone, @specialty, @hospitalId, @createdAt)`);
  const byId = db.prepare<[number], User>(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
  const byUsername = db.prepare<[string], User>(`SELECT ${COLUMNS} FROM users WHERE username = ?`);
  const byAddresses = (addresses: readonly string[]) =>
    db.prepare<string[], User>(`SELECT ${COLUMNS} FROM users WHERE address IN (${addresses.map(() => '?').join(',')})`).all(...addresses);
  const doctors = db.prepare<[], User>(`SELECT ${COLUMNS} FROM users WHERE role = 'doctor' ORDER BY full_name, username`);
  const setHash = db.prepare<[string, number]>('UPDATE users SET password_hash = ? WHERE id = ?');
  const reservations = {
    takeOver: db.prepare<[string, number]>('DELETE FROM username_reservations WHERE username = ? AND reserved_at <= ?'),
    insert: db.prepare<[string, number]>('INSERT INTO username_reservations (username, reserved_at) VALUES (?, ?) ON CONFLICT (username) DO NOTHING'),
    release: db.prepare<[string]>('DELETE FROM username_reservations WHERE username = ?'),
  };
  /** One transaction: a stale row is taken over and the new one inserted, or nothing happens. */
  const reserve = db.transaction((username: string, now: number, staleBefore: number) => {
    reservations.takeOver.run(username, staleBefore);
    return reservations.insert.run(username, now).changes === 1;
  });

  return {
    insert(user: NewUser): User {
      const result = insert.run({ ...user, createdAt: Date.now() });
      return { ...user, id: Number(result.lastInsertRowid) };
    },
    findById: (id: number) => byId.get(id),
    findByUsername: (username: string) => byUsername.get(username),
    usernameTaken: (username: string) => byUsername.get(username) !== undefined,
    /** Users by address, for naming the people behind ledger addresses. */
    byAddress(addresses: readonly string[]): Map<string, User> {
      if (addresses.length === 0) return new Map();
      return new Map(byAddresses([...new Set(addresses)]).map(user => [user.address, user]));
    },
    doctors: () => doctors.all(),
    setPasswordHash: (id: number, passwordHash: string) => void setHash.run(passwordHash, id),

    /**
     * Holds `username` for a signup under way; false when another signup holds it. A reservation
     * made before `staleBefore` (ms) belongs to a signup that died (a crash, a hung node) and is
     * taken over, so a dead signup never keeps a name for ever.
     */
    reserve: (username: string, now: number, staleBefore: number): boolean => reserve(username, now, staleBefore),
    /** Lets go of a reservation, once its signup stored the user or gave up. */
    release: (username: string) => void reservations.release.run(username),
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
