/**
 * A throwaway PostgreSQL cluster for the store's tests: Debian's server binaries (the newest
 * /usr/lib/postgresql/N/bin), run as the `postgres` user (PostgreSQL refuses root), in a fresh
 * temporary directory, on a free port with its unix socket in that directory, fsync off. Started
 * once per test process, on first use; stopped when the process exits (and by a watchdog if the
 * process is killed). Each suite makes a fresh database of its own.
 *
 * Missing binaries are a failure with a clear message, never a skip: CI installs them (.ci/run).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports';

export interface PostgresCluster {
  /** TCP port on 127.0.0.1 (the unix socket is in `dir` too). */
  readonly port: number;
  readonly dir: string;
  /** A fresh, empty database; resolves to its URL. */
  createDatabase(label: string): Promise<string>;
  /** Stops the server (an outage); `start` brings it back on the same port with the same data. */
  stop(): void;
  start(): void;
}

const ROOT = '/usr/lib/postgresql';

/** The bin directory of the newest installed PostgreSQL server, or a clear error. */
export function postgresBinDir(root = ROOT): string {
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter(name => fs.existsSync(path.join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `PostgreSQL's server binaries are missing (no ${root}/*/bin/initdb): the store's tests need them. ` +
        'Install Debian\'s "postgresql" package (apt-get install postgresql; .ci/run does this when they are missing).',
    );
  }
  return path.join(root, versions[0], 'bin');
}

/** Runs a PostgreSQL binary as the postgres user (as ourselves when we are not root). */
function runAsPostgres(binary: string, args: readonly string[]): string {
  const asRoot = process.getuid?.() === 0;
  const [command, fullArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, [...args]];
  try {
    return execFileSync(command, fullArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${path.basename(binary)} ${args.join(' ')} failed: ${stderr || stdout || String(error)}`, { cause: error });
  }
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root, but there is no "postgres" user to run PostgreSQL as (Debian\'s postgresql package makes it)');
  }
}

async function startCluster(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  // FILE_COPY (PostgreSQL 15+) copies the small template at once: twice as fast as WAL_LOG here.
  const strategy = Number.parseFloat(path.basename(path.dirname(bin))) >= 15 ? ' STRATEGY FILE_COPY' : '';
  const owner = postgresUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ehr-pg-'));
  if (owner) fs.chownSync(dir, owner.uid, owner.gid);
  const data = path.join(dir, 'data');
  const port = await freePort();
  runAsPostgres(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  const options = [
    `-c port=${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const pgCtl = path.join(bin, 'pg_ctl');
  const start = () => void runAsPostgres(pgCtl, ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  const stop = () => void runAsPostgres(pgCtl, ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
  start();

  let stopped = false;
  const cleanUp = () => {
    if (stopped) return;
    stopped = true;
    try {
      runAsPostgres(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanUp);
  // A process killed by a signal runs no exit handler: a watchdog stops the cluster once it is gone.
  const stopCommand = [...(owner ? ['runuser', '-u', 'postgres', '--'] : []), pgCtl, '-D', data, '-m', 'immediate', 'stop']
    .map(word => `'${word.replaceAll("'", "'\\''")}'`)
    .join(' ');
  const watchdog = spawn(
    'sh',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; ${stopCommand} >/dev/null 2>&1; rm -rf '${dir}'`],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();

  let databases = 0;
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    dir,
    async createDatabase(label) {
      const name = `${label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 40)}_${process.pid}_${++databases}`;
      const admin = new pg.Client({ connectionString: url('postgres'), connectionTimeoutMillis: 10_000 });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name}"${strategy}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    stop,
    start,
  };
}

let cluster: Promise<PostgresCluster> | undefined;

/** The process's cluster, started on first use. */
export function postgresCluster(): Promise<PostgresCluster> {
  cluster ??= startCluster();
  return cluster;
}
