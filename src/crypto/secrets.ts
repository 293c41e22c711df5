/**
 * Secrets generated once into DATA_DIR when no setting gives them: written with mode 0600 (in a
 * 0700 DATA_DIR), created exclusively so two processes starting at once cannot each write their
 * own. In production the settings must give them (see config.ts): this is for development.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config';

export const SECRET_FILES = {
  masterKey: 'master.key',
  sessionSecret: 'session.secret',
} as const;

/**
 * Makes `dir` (with its parents) and sets it to 0700 — also when it existed before, and whatever
 * the umask (mkdir's mode is only what the umask leaves of it, and is ignored for an existing dir).
 */
export function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
}

/** Sets an existing file to 0600 (owner read and write only); a missing file is left alone. */
export function privateFile(file: string): void {
  try {
    fs.chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Reads `name` in `dataDir`, creating it with `generate()` when it does not exist. */
export function loadOrCreateSecret(dataDir: string, name: string, generate: () => string): string {
  const file = path.join(dataDir, name);
  privateDir(dataDir);
  try {
    fs.writeFileSync(file, `${generate()}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  privateFile(file); // 0600 whatever the umask, and for a file left 0644 by an older release
  return fs.readFileSync(file, 'utf8').trim();
}

export function loadMasterKey(dataDir: string, given: Buffer | undefined): Buffer {
  if (given) return given;
  const hex = loadOrCreateSecret(dataDir, SECRET_FILES.masterKey, () => randomBytes(32).toString('hex'));
  if (!/^[0-9a-f]{64}$/i.test(hex)) {
    throw new ConfigError(`${path.join(dataDir, SECRET_FILES.masterKey)} is not a 32-byte hex key`);
  }
  return Buffer.from(hex, 'hex');
}

export function loadSessionSecret(dataDir: string, given: string | undefined): string {
  return given ?? loadOrCreateSecret(dataDir, SECRET_FILES.sessionSecret, () => randomBytes(32).toString('base64url'));
}
