/** Settings in SQLite (see SettingsStore). */
import type { SettingsStore } from '../ports';
import type { SqliteConnection } from './connection';

export function createSettingsStore(sql: SqliteConnection): SettingsStore {
  return {
    get: key => sql.run(() => sql.statement<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(key)?.value),
    set: (key, value) =>
      sql.run(() => void sql.statement('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value)),
    delete: key => sql.run(() => void sql.statement('DELETE FROM settings WHERE key = ?').run(key)),
  };
}
