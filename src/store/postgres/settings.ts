/** Settings in PostgreSQL (see SettingsStore). */
import type { SettingsStore } from '../ports';
import type { PostgresConnection } from './connection';

export const SET_SETTING = 'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value';

export function createSettingsStore(sql: PostgresConnection): SettingsStore {
  return {
    get: async key => (await sql.first<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]))?.value,
    set: async (key, value) => void (await sql.query(SET_SETTING, [key, value])),
    delete: async key => void (await sql.query('DELETE FROM settings WHERE key = $1', [key])),
  };
}
