/** Patients and staff in SQLite (see UserStore). */
import type { PatientListRow, User, UserStore } from '../ports';
import type { SqliteConnection } from './connection';

const COLUMNS = `id, username, password_hash AS passwordHash, role, address, full_name AS fullName, email, phone,
  specialty, hospital_id AS hospitalId, must_change_password AS mustChangePassword, last_login_at AS lastLoginAt`;

/** SQLite has no booleans: the flag comes back as 1 or 0. */
type StoredUser = Omit<User, 'mustChangePassword'> & { mustChangePassword: number };
const userOf = (row: StoredUser): User => ({ ...row, mustChangePassword: row.mustChangePassword === 1 });

export function createUserStore(sql: SqliteConnection): UserStore {
  const byUsername = (username: string) => {
    const row = sql.statement<[string], StoredUser>(`SELECT ${COLUMNS} FROM users WHERE username = ?`).get(username);
    return row && userOf(row);
  };
  return {
    insert: user =>
      sql.run(() => {
        const mustChangePassword = user.mustChangePassword ?? false;
        const result = sql
          .statement(`
            INSERT INTO users (username, password_hash, role, address, full_name, email, phone, specialty, hospital_id, created_at, must_change_password)
            VALUES (@username, @passwordHash, @role, @address, @fullName, @email, @phone, @specialty, @hospitalId, @createdAt, @mustChangePassword)`)
          .run({
            username: user.username, passwordHash: user.passwordHash, role: user.role, address: user.address, fullName: user.fullName, email: user.email,
            phone: user.phone, specialty: user.specialty, hospitalId: user.hospitalId, createdAt: Date.now(), mustChangePassword: Number(mustChangePassword),
          });
        return { ...user, id: Number(result.lastInsertRowid), mustChangePassword, lastLoginAt: null };
      }),
    findById: id =>
      sql.run(() => {
        const row = sql.statement<[number], StoredUser>(`SELECT ${COLUMNS} FROM users WHERE id = ?`).get(id);
        return row && userOf(row);
      }),
    findByUsername: username => sql.run(() => byUsername(username)),
    usernameTaken: username => sql.run(() => byUsername(username) !== undefined),
    byAddress: addresses =>
      sql.run(db => {
        const unique = [...new Set(addresses)];
        if (unique.length === 0) return new Map<string, User>();
        const rows = db.prepare<string[], StoredUser>(`SELECT ${COLUMNS} FROM users WHERE address IN (${unique.map(() => '?').join(',')})`).all(...unique);
        return new Map(rows.map(row => [row.address, userOf(row)]));
      }),
    doctors: () => sql.run(() => sql.statement<[], StoredUser>(`SELECT ${COLUMNS} FROM users WHERE role = 'doctor' ORDER BY full_name, username`).all().map(userOf)),
    // Each count walks the reports' index by patient.
    patients: () =>
      sql.run(() =>
        sql
          .statement<[], PatientListRow>(`
            SELECT u.username, u.full_name AS fullName, u.email, u.address,
              (SELECT count(*) FROM ledger_reports WHERE patient = u.address) AS reportCount,
              u.last_login_at AS lastLoginAt, u.created_at AS createdAt
            FROM users u WHERE u.role = 'patient' ORDER BY u.username`)
          .all(),
      ),
    any: () => sql.run(() => sql.statement('SELECT 1 FROM users LIMIT 1').get() !== undefined),
    setPasswordHash: (id, passwordHash, mustChange = false) =>
      sql.run(() => void sql.statement('UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?').run(passwordHash, Number(mustChange), id)),
    recordLogin: (id, at) => sql.run(() => void sql.statement('UPDATE users SET last_login_at = ? WHERE id = ?').run(at, id)),
    // One statement pair in one synchronous step: a stale row is taken over and the new one inserted, or nothing happens.
    reserve: (username, now, staleBefore) =>
      sql.run(db =>
        db.transaction(() => {
          sql.statement('DELETE FROM username_reservations WHERE username = ? AND reserved_at <= ?').run(username, staleBefore);
          return sql.statement('INSERT INTO username_reservations (username, reserved_at) VALUES (?, ?) ON CONFLICT (username) DO NOTHING').run(username, now).changes === 1;
        })(),
      ),
    release: username => sql.run(() => void sql.statement('DELETE FROM username_reservations WHERE username = ?').run(username)),
    releaseReservationsBefore: before => sql.run(() => sql.statement('DELETE FROM username_reservations WHERE reserved_at < ?').run(before).changes),
  };
}
