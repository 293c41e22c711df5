/** Settings in SQLite (see SettingsStore). */
import type { SettingsStore } from '../ports';
import type { SqliteConnection } from './connection';

/** The settings' statements, run at once: for the store below, and inside another repository's synchronous transaction (the follower's cursor). */
export function settingsStatements(sql: SqliteConnection) {
  return {
    get: (key: string) => sql.statement<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(key)?.value,
    set: (key: string, value: string) =>
      void sql.statement('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value),
    delete: (key: string) => void sql.statement('DELETE FROM settings WHERE key = ?').run(key),
  };
}

export function createSettingsStore(sql: SqliteConnection): SettingsStore {
  const now = settingsStatements(sql);
  return {
    get: key => sql.run(() => now.get(key)),
    set: (key, value) => sql.run(() => now.set(key, value)),
    delete: key => sql.run(() => now.delete(key)),
  };
}
