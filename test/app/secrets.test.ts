/**
 * What a copy of DATA_DIR gives away (issue 14): DATA_DIR is 0700 and the files the app writes
 * there 0600, whatever the umask and even when they existed before; in production the master key
 * and the session secret come from outside DATA_DIR (a setting or a file), or the app refuses to start.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { loadMasterKey, loadSessionSecret, SECRET_FILES } from '../../src/crypto/secrets';
import { DATABASE_FILE, openDatabase } from '../../src/store/sqlite/database';

const KEY = 'ab'.repeat(32);
const SECRET = 'a session secret from a file, long enough';
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
const tempDir = (label: string) => fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`));

/** Runs `work` under `umask`, then puts the process's umask back. */
function withUmask<T>(umask: number, work: () => T): T {
  const before = process.umask(umask);
  try {
    return work();
  } finally {
    process.umask(before);
  }
}

describe('secrets and DATA_DIR', () => {
  describe('file modes', () => {
    it('makes DATA_DIR 0700 and its secrets and database files 0600 under a permissive umask', () => {
      const dataDir = path.join(tempDir('modes'), 'data');
      withUmask(0o000, () => {
        loadMasterKey(dataDir, undefined);
        loadSessionSecret(dataDir, undefined);
        openDatabase(dataDir).close();
      });
      assert.equal(modeOf(dataDir), 0o700);
      for (const file of [SECRET_FILES.masterKey, SECRET_FILES.sessionSecret, DATABASE_FILE]) {
        assert.equal(modeOf(path.join(dataDir, file)), 0o600, file);
      }
    });

    it('tightens a DATA_DIR and files that existed before with wider modes', () => {
      const dataDir = tempDir('existing');
      fs.chmodSync(dataDir, 0o755);
      fs.writeFileSync(path.join(dataDir, SECRET_FILES.masterKey), `${KEY}\n`, { mode: 0o644 });
      fs.chmodSync(path.join(dataDir, SECRET_FILES.masterKey), 0o644);
      withUmask(0o022, () => openDatabase(dataDir).close());
      fs.chmodSync(path.join(dataDir, DATABASE_FILE), 0o644);

      const db = withUmask(0o022, () => {
        assert.equal(loadMasterKey(dataDir, undefined).toString('hex'), KEY, 'the existing key was replaced');
        return openDatabase(dataDir);
      });
      try {
        assert.equal(modeOf(dataDir), 0o700);
        assert.equal(modeOf(path.join(dataDir, SECRET_FILES.masterKey)), 0o600);
        db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('mode-check', 'x'); // the WAL files exist now
        for (const file of fs.readdirSync(dataDir).filter(f => f.startsWith(DATABASE_FILE))) {
          assert.equal(modeOf(path.join(dataDir, file)), 0o600, file);
        }
      } finally {
        db.close();
      }
    });
  });

  describe('in production', () => {
    const production = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'production', DATA_DIR: tempDir('prod'), ...env });

    it('refuses to start without a master key from outside DATA_DIR, naming both settings', () => {
      assert.throws(() => production({ SESSION_SECRET: SECRET }), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /EHR_MASTER_KEY or EHR_MASTER_KEY_FILE/);
        return true;
      });
    });

    it('refuses to start without a session secret from outside DATA_DIR, naming both settings', () => {
      assert.throws(() => production({ EHR_MASTER_KEY: KEY }), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /SESSION_SECRET or SESSION_SECRET_FILE/);
        return true;
      });
    });

    it('takes both from the environment', () => {
      const config = production({ EHR_MASTER_KEY: KEY, SESSION_SECRET: SECRET });
      assert.equal(config.masterKey?.toString('hex'), KEY);
      assert.equal(config.sessionSecret, SECRET);
    });

    it('takes both from files outside DATA_DIR', () => {
      const dir = tempDir('mounted');
      fs.writeFileSync(path.join(dir, 'master'), `0x${KEY}\n`, { mode: 0o600 });
      fs.writeFileSync(path.join(dir, 'session'), `${SECRET}\n`, { mode: 0o600 });
      const config = production({ EHR_MASTER_KEY_FILE: path.join(dir, 'master'), SESSION_SECRET_FILE: path.join(dir, 'session') });
      assert.equal(config.masterKey?.toString('hex'), KEY);
      assert.equal(config.sessionSecret, SECRET);
    });

    it('refuses a file inside DATA_DIR, a missing file, and both ways at once', () => {
      const dataDir = tempDir('inside');
      fs.writeFileSync(path.join(dataDir, 'master'), KEY);
      const cases: [Record<string, string>, RegExp][] = [
        [{ DATA_DIR: dataDir, EHR_MASTER_KEY_FILE: path.join(dataDir, 'master'), SESSION_SECRET: SECRET }, /EHR_MASTER_KEY_FILE must name a file outside DATA_DIR/],
        [{ EHR_MASTER_KEY_FILE: path.join(dataDir, 'missing'), SESSION_SECRET: SECRET }, /EHR_MASTER_KEY_FILE: cannot read/],
        [{ EHR_MASTER_KEY: KEY, EHR_MASTER_KEY_FILE: path.join(dataDir, 'master'), SESSION_SECRET: SECRET }, /EHR_MASTER_KEY or EHR_MASTER_KEY_FILE, not both/],
      ];
      for (const [env, message] of cases) {
        assert.throws(() => production(env), (error: unknown) => error instanceof ConfigError && message.test(error.message), JSON.stringify(env));
      }
    });

    it('still generates them into DATA_DIR outside production (development, tests)', () => {
      const config = loadConfig({ DATA_DIR: tempDir('dev') });
      assert.equal(config.masterKey, undefined);
      assert.equal(config.sessionSecret, undefined);
    });
  });
});
