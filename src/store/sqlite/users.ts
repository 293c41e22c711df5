/** Patients and doctors in SQLite (see UserStore). */
import type { User, UserStore } from '../ports';
import type { SqliteConnection } from './connection';

const COLUMNS = `id, username, password_hash AS passwordHash, role, address, full_name AS fullName, email, phone,
  specialty, hospital_id AS hospitalId`;

export function createUserStore(sql: SqliteConnection): UserStore {
  const byUsername = (username: string) => sql.statement<[string], User>(`SELECT ${COLUMNS} FROM users WHERE username = ?`).get(username);
  return {
    insert: user =>
      sql.run(() => {
        const result = sql
          .statement(`
            INSERT INTO users (username, password_hash, role, address, full_name, email, phone, specialty, hospital_id, created_at)
            VALUES (@username, @passwordHash, @role, @address, @fullName, @email, @phone, @specialty, @hospitalId, @createdAt)`)
          .run({ ...user, createdAt: Date.now() });
        return { ...user, id: Number(result.lastInsertRowid) };
      }),
    findById: id => sql.run(() => sql.statement<[number], User>(`SELECT ${COLUMNS} FROM users WHERE id = ?`).get(id)),
    findByUsername: username => sql.run(() => byUsername(username)),
    usernameTaken: username => sql.run(() => byUsername(username) !== undefined),
    byAddress: addresses =>
      sql.run(db => {
        const unique = [...new Set(addresses)];
        if (unique.length === 0) return new Map<string, User>();
        const rows = db.prepare<string[], User>(`SELECT ${COLUMNS} FROM users WHERE address IN (${unique.map(() => '?').join(',')})`).all(...unique);
        return new Map(rows.map(user => [user.address, user]));
      }),
    doctors: () => sql.run(() => sql.statement<[], User>(`SELECT ${COLUMNS} FROM users WHERE role = 'doctor' ORDER BY full_name, username`).all()),
    any: () => sql.run(() => sql.statement('SELECT 1 FROM users LIMIT 1').get() !== undefined),
    setPasswordHash: (id, passwordHash) => sql.run(() => void sql.statement('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, id)),
    // One statement pair in one synchronous step: a stale row is taken over and the new one inserted, or nothing happens.
    reserve: (username, now, staleBefore) =>
      sql.run(db =>
        db.transaction(() => {
          sql.statement('DELETE FROM username_reservations WHERE username = ? AND reserved_at <= ?').run(username, staleBefore);
          return sql.statement('INSERT INTO username_reservations (username, reserved_at) VALUES (?, ?) ON CONFLICT (username) DO NOTHING').run(username, now).changes === 1;
        })(),
      ),
    release: username => sql.run(() => void sql.statement('DELETE FROM username_reservations WHERE username = ?').run(username)),
  };
}
