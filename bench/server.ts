/**
 * The app as a child process, started the way `npm start` starts it (node with tsx's loader, so
 * the pid is the server's own and /proc/<pid>/status is its memory), timed to its ready line.
 * Node's flags and the variables set before it are read from package.json's start script, so the
 * bench measures what it runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../test/support/ports';

export { freePort };

export const ROOT = path.resolve(__dirname, '..');
const READY = /EHR Ledger ready at (http:\/\/\S+)/;
const START_TIMEOUT_MS = 180_000;

/**
 * What `npm start` runs, read from package.json's `start` script (not copied here, where it would
 * drift): the variables it sets before node, and node's arguments.
 */
export function startCommand(): { env: Record<string, string>; args: string[] } {
  const { scripts } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = scripts.start.split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const assignment = words.shift()!;
    env[assignment.slice(0, assignment.indexOf('='))] = assignment.slice(assignment.indexOf('=') + 1);
  }
  const [command, ...args] = words;
  if (command !== 'node') throw new Error(`npm start runs ${command}, not node: the bench cannot start the server as it does`);
  return { env, args };
}

export interface ServerOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly chainPort: number;
  readonly adminPassword: string;
  /** An external node instead of the embedded one. */
  readonly rpcUrl?: string;
  /** Further flags for node, e.g. `--cpu-prof` (NODE_OPTIONS refuses it) to profile the server. */
  readonly nodeArgs?: readonly string[];
}

export interface RunningServer {
  readonly url: string;
  readonly pid: number;
  /** Wall clock from spawn to the ready line, in ms. */
  readonly startMs: number;
  /** Whether this start compiled the contracts (false: build/ was up to date). */
  readonly compiled: boolean;
  /** Resident memory of the server process now, in MB. */
  rssMb(): number;
  /** CPU time the server process has used so far (user and system), in ms. */
  cpuMs(): number;
  /** SIGTERM, as an operator stops it; resolves to its exit code (null: it had to be killed). */
  stop(): Promise<number | null>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const started = Date.now();
  const start = startCommand();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...start.args], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...start.env,
      DATA_DIR: options.dataDir,
      PORT: String(options.port),
      CHAIN_PORT: String(options.chainPort),
      // The bench's own line to the node sends node-signed transfers and seeds reports.
      CHAIN_RPC: 'writable',
      ADMIN_PASSWORD: options.adminPassword,
      ...(options.rpcUrl ? { RPC_URL: options.rpcUrl } : {}),
      NODE_ENV: 'production',
      // Production takes these from outside DATA_DIR; fixed values, so a restart opens the same data.
      EHR_MASTER_KEY: process.env.EHR_MASTER_KEY ?? '5e'.repeat(32),
      SESSION_SECRET: process.env.SESSION_SECRET ?? 'a bench session secret of at least 32 characters',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  const url = await waitForReady(child, output);
  const pid = child.pid!;
  return {
    url,
    pid,
    startMs: Date.now() - started,
    compiled: /contracts compiled/.test(output.text),
    rssMb: () => rssMb(pid),
    cpuMs: () => processCpuMs(pid),
    stop: () => stop(child),
  };
}

/** Resolves with the app's URL once it prints its ready line; rejects if it exits first. */
function waitForReady(child: ChildProcess, output: { text: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const keep = (chunk: Buffer) => (output.text = (output.text + chunk.toString('utf8')).slice(-20_000));
    const onExit = (code: number | null) => fail(new Error(`the server exited with code ${code} before it was ready`));
    const timer = setTimeout(() => fail(new Error('the server did not get ready in time')), START_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout?.off('data', onData);
      child.stdout?.resume(); // request log lines from now on: read and dropped
    };
    const fail = (error: Error) => {
      done();
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n${output.text.slice(-2000)}`));
    };
    const onData = (chunk: Buffer) => {
      const match = READY.exec(keep(chunk));
      if (match) {
        done();
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', keep); // errors: kept for a failure's message
    child.once('exit', onExit);
  });
}

/** utime + stime of /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s on Linux). */
export function processCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // the command name may hold spaces
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * The whole machine's CPU time so far, busy and idle, from /proc/stat's first line (clock ticks
 * of 1/100 s): busy is user, nice, system, irq and softirq; idle is idle and iowait. Steal (time a
 * hypervisor gave to others) is neither, and guest time is already counted in user.
 */
export function machineCpuMs(): { busy: number; idle: number } {
  const [user, nice, system, idle, iowait, irq, softirq] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { busy: (user + nice + system + irq + softirq) * 10, idle: (idle + iowait) * 10 };
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** SIGTERM (the app closes its node and database), SIGKILL if it hangs. */
function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise(resolve => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', code => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}
