/**
 * Every setting of the app: read from the environment once, typed, validated and defaulted here.
 * The twin of this list is the settings table in README.md and docs/HTTP.md.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Config {
  /** HTTP port; 0 picks a free one (tests). */
  readonly port: number;
  /** HTTP bind address. */
  readonly host: string;
  /** SQLite database, embedded chain and generated secrets. */
  readonly dataDir: string;
  /** An external node; undefined means the embedded Ganache. */
  readonly rpcUrl: string | undefined;
  /** PostgreSQL for the store (postgres:// or postgresql://); undefined: SQLite under DATA_DIR. */
  readonly databaseUrl: string | undefined;
  /**
   * The embedded node's read-only JSON-RPC port, opened only when asked for: the app talks to its
   * node in-process and needs no HTTP server, so by default (unset, or `off`) there is none for
   * anyone on the machine to reach. 0 picks a free one (tests).
   */
  readonly chainPort: number | undefined;
  /**
   * What the embedded node's port serves: `read-only` (default), or `writable` — every method,
   * and eth_sendTransaction from the nine spare accounts (never the admin's), for a class that
   * wants `evm_increaseTime` in `truffle console`, and for the benchmark. Anyone on the machine
   * can then rewrite the ledger; web pages (an Origin header) stay refused either way. It needs
   * CHAIN_PORT on the embedded node: a writable node without a port is refused, not silently closed.
   */
  readonly chainRpc: 'read-only' | 'writable';
  /** The admin's first password. */
  readonly adminPassword: string;
  /** 32-byte master key as given (EHR_MASTER_KEY or EHR_MASTER_KEY_FILE), or undefined to use the one generated into DATA_DIR. */
  readonly masterKey: Buffer | undefined;
  /** Session cookie secret as given (SESSION_SECRET or SESSION_SECRET_FILE), or undefined to use the one generated into DATA_DIR. */
  readonly sessionSecret: string | undefined;
  /** Private key of the admin and funding account on an external node; undefined = first unlocked account. */
  readonly adminPrivateKey: string | undefined;
  /** Trust X-Forwarded-* headers from this many proxies (0 = none). */
  readonly trustProxy: number;
  /** `production` hides error details from pages. */
  readonly production: boolean;
  /** How long a break-glass access lasts, in hours (1 to 168: the contract allows at most 7 days). */
  readonly emergencyHours: number;
  /** MAX_FILE_MB: the largest attached file, in bytes (1 to 100 MB). */
  readonly maxFileBytes: number;
}

/** A setting that is wrong; its message is one line meant for the operator. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env = process.env): Config {
  const masterKeyHex = secretSetting(env, 'EHR_MASTER_KEY');
  const adminPrivateKey = optional(env.ADMIN_PRIVATE_KEY);
  const rpc = rpcUrl(optional(env.RPC_URL));
  const chain = chainPortAndRpc(env, rpc !== undefined);
  return {
    port: port(env.PORT, 'PORT', 3000),
    host: optional(env.HOST) ?? '127.0.0.1',
    dataDir: path.resolve(optional(env.DATA_DIR) ?? 'data'),
    rpcUrl: rpc,
    databaseUrl: databaseUrl(optional(env.DATABASE_URL)),
    ...chain,
    adminPassword: adminPassword(env.ADMIN_PASSWORD),
    masterKey: masterKeyHex === undefined ? undefined : hexKey(masterKeyHex, 'EHR_MASTER_KEY'),
    sessionSecret: sessionSecret(secretSetting(env, 'SESSION_SECRET')),
    adminPrivateKey: adminPrivateKey === undefined ? undefined : privateKey(adminPrivateKey),
    trustProxy: integer(env.TRUST_PROXY, 'TRUST_PROXY', 0, 0, 10),
    production: env.NODE_ENV === 'production',
    emergencyHours: integer(env.EMERGENCY_HOURS, 'EMERGENCY_HOURS', 24, 1, 168),
    maxFileBytes: integer(env.MAX_FILE_MB, 'MAX_FILE_MB', 10, 1, 100) * 1024 * 1024,
  };
}

function optional(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function integer(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  const value = optional(raw);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${value}"`);
  }
  return Number(value);
}

function oneOf<T extends string>(raw: string | undefined, name: string, values: readonly T[], fallback: T): T {
  const value = optional(raw);
  if (value === undefined) return fallback;
  if (!(values as readonly string[]).includes(value)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, not "${value}"`);
  return value as T;
}

function port(raw: string | undefined, name: string, fallback: number): number {
  return integer(raw, name, fallback, 0, 65535);
}

/**
 * CHAIN_PORT (unset or `off`: no port) and CHAIN_RPC. A teacher who asks for a writable node
 * and no port would otherwise get a node nobody can reach, and no word why; with RPC_URL both
 * concern no node of ours and are only checked for their form.
 */
function chainPortAndRpc(env: Env, external: boolean): Pick<Config, 'chainPort' | 'chainRpc'> {
  const raw = optional(env.CHAIN_PORT);
  const chainPort = raw === undefined || raw.toLowerCase() === 'off' ? undefined : port(raw, 'CHAIN_PORT', 0);
  const chainRpc = oneOf(env.CHAIN_RPC, 'CHAIN_RPC', ['read-only', 'writable'] as const, 'read-only');
  if (chainRpc === 'writable' && chainPort === undefined && !external) {
    throw new ConfigError('CHAIN_RPC=writable opens the embedded node\'s CHAIN_PORT to every method, but CHAIN_PORT is off: set it too (e.g. CHAIN_PORT=8545)');
  }
  return { chainPort, chainRpc };
}

function rpcUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`RPC_URL must be an http(s) URL such as http://127.0.0.1:7545, not "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`RPC_URL must use http or https, not "${url.protocol}"`);
  }
  return value;
}

/** Whether `url` names a PostgreSQL database (the store is then PostgreSQL, not SQLite). */
export const isPostgresUrl = (url: string | undefined): url is string => /^postgres(ql)?:\/\//i.test(url ?? '');

/** The value is never echoed: it may hold a password. */
function databaseUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!URL.canParse(value) || !isPostgresUrl(value)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL, such as postgres://ehr:secret@127.0.0.1:5432/ehr');
  }
  return value;
}

function adminPassword(raw: string | undefined): string {
  // Not trimmed: spaces may be part of a password.
  if (raw === undefined || raw === '') return 'admin';
  if (raw.length > 72) throw new ConfigError('ADMIN_PASSWORD must be at most 72 characters (a bcrypt limit)');
  return raw;
}

function hexKey(value: string, name: string): Buffer {
  const hex = value.replace(/^0x/i, '');
  if (!/^[0-9a-f]{64}$/i.test(hex)) {
    throw new ConfigError(`${name} must be 64 hexadecimal characters (32 bytes)`);
  }
  return Buffer.from(hex, 'hex');
}

function privateKey(value: string): string {
  hexKey(value, 'ADMIN_PRIVATE_KEY');
  return `0x${value.replace(/^0x/i, '').toLowerCase()}`;
}

function sessionSecret(value: string | undefined): string | undefined {
  if (value !== undefined && value.length < 32) {
    throw new ConfigError('SESSION_SECRET must be at least 32 characters');
  }
  return value;
}

/**
 * A secret given in the environment (`NAME`) or in a file (`NAME_FILE`, e.g. a mounted secret).
 * In production it must be one of the two, from outside DATA_DIR: a secret generated into DATA_DIR
 * would travel with every copy of the data it protects (a backup, a stolen disk).
 */
function secretSetting(env: Env, name: 'EHR_MASTER_KEY' | 'SESSION_SECRET'): string | undefined {
  const direct = optional(env[name]);
  const file = optional(env[`${name}_FILE`]);
  if (direct !== undefined && file !== undefined) throw new ConfigError(`Give ${name} or ${name}_FILE, not both`);
  const production = env.NODE_ENV === 'production';
  if (direct !== undefined) return direct;
  if (file === undefined) {
    if (!production) return undefined;
    throw new ConfigError(`In production (NODE_ENV=production) set ${name} or ${name}_FILE: the ${name === 'EHR_MASTER_KEY' ? 'master key' : 'session secret'} must come from outside DATA_DIR`);
  }
  return readSecretFile(path.resolve(file), `${name}_FILE`, production ? path.resolve(optional(env.DATA_DIR) ?? 'data') : undefined);
}

function readSecretFile(file: string, name: string, refusedDir: string | undefined): string {
  const relative = path.relative(refusedDir ?? '', file);
  const inside = !(relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative));
  if (refusedDir !== undefined && inside) {
    throw new ConfigError(`${name} must name a file outside DATA_DIR in production, not ${file}`);
  }
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
