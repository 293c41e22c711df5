/** Patients and staff in PostgreSQL (see UserStore). */
import type { PatientListRow, User, UserStore } from '../ports';
import type { PostgresConnection } from './connection';

const COLUMNS = `id, username, password_hash AS "passwordHash", role, address, full_name AS "fullName", email, phone,
  specialty, hospital_id AS "hospitalId", must_change_password AS "mustChangePassword", last_login_at AS "lastLoginAt"`;

export function createUserStore(sql: PostgresConnection): UserStore {
  const byUsername = (username: string) => sql.first<User>(`SELECT ${COLUMNS} FROM users WHERE username = $1`, [username]);
  return {
    insert: async user => {
      const mustChangePassword = user.mustChangePassword ?? false;
      const row = await sql.first<{ id: number }>(
        `INSERT INTO users (username, password_hash, role, address, full_name, email, phone, specialty, hospital_id, created_at, must_change_password)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
        [user.username, user.passwordHash, user.role, user.address, user.fullName, user.email, user.phone, user.specialty, user.hospitalId, Date.now(), mustChangePassword],
      );
      return { ...user, id: row!.id, mustChangePassword, lastLoginAt: null };
    },
    findById: id => sql.first<User>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]),
    findByUsername: byUsername,
    usernameTaken: async username => (await byUsername(username)) !== undefined,
    byAddress: async addresses => {
      const unique = [...new Set(addresses)];
      if (unique.length === 0) return new Map<string, User>();
      const rows = await sql.rows<User>(`SELECT ${COLUMNS} FROM users WHERE address = ANY ($1::text[])`, [unique]);
      return new Map(rows.map(user => [user.address, user]));
    },
    doctors: () => sql.rows<User>(`SELECT ${COLUMNS} FROM users WHERE role = 'doctor' ORDER BY full_name COLLATE "C", username COLLATE "C"`),
    // Each count walks the reports' index by patient.
    patients: () =>
      sql.rows<PatientListRow>(`
        SELECT u.username, u.full_name AS "fullName", u.email, u.address,
          (SELECT count(*) FROM ledger_reports WHERE patient = u.address) AS "reportCount",
          u.last_login_at AS "lastLoginAt", u.created_at AS "createdAt"
        FROM users u WHERE u.role = 'patient' ORDER BY u.username COLLATE "C"`),
    any: async () => (await sql.first('SELECT 1 FROM users LIMIT 1')) !== undefined,
    setPasswordHash: async (id, passwordHash, mustChange = false) =>
      void (await sql.query('UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3', [passwordHash, mustChange, id])),
    recordLogin: async (id, at) => void (await sql.query('UPDATE users SET last_login_at = $1 WHERE id = $2', [at, id])),
    // One transaction: a stale row is taken over and the new one inserted, or nothing happens. Of
    // two servers reserving one name at once, the second's insert meets the first's row.
    reserve: (username, now, staleBefore) =>
      sql.transaction(async () => {
        await sql.query('DELETE FROM username_reservations WHERE username = $1 AND reserved_at <= $2', [username, staleBefore]);
        return (await sql.changes('INSERT INTO username_reservations (username, reserved_at) VALUES ($1, $2) ON CONFLICT (username) DO NOTHING', [username, now])) === 1;
      }),
    release: async username => void (await sql.query('DELETE FROM username_reservations WHERE username = $1', [username])),
    releaseReservationsBefore: before => sql.changes('DELETE FROM username_reservations WHERE reserved_at < $1', [before]),
  };
}
