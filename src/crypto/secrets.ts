/**
 * Secrets generated once into DATA_DIR when no setting gives them: written with mode 0600,
 * created exclusively so two processes starting at once cannot each write their own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config';

export const SECRET_FILES = {
  masterKey: 'master.key',
  sessionSecret: 'session.secret',
} as const;

/** Reads `name` in `dataDir`, creating it with `generate()` when it does not exist. */
export function loadOrCreateSecret(dataDir: string, name: string, generate: () => string): string {
  const file = path.join(dataDir, name);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, `${generate()}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
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
