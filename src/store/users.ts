/** Repository of patients and doctors (the admin is a setting, not a user row). */
import type { Db } from './database';

export type Role = 'patient' | 'doctor';

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
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
