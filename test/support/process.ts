/** Runs `npm start`'s entry point as a child process and watches what it prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const TSX = require.resolve('tsx/cli');

/** Production takes its secrets from outside DATA_DIR: fixed ones, so that a restart opens the same data. */
export const PRODUCTION_SECRETS = {
  EHR_MASTER_KEY: '5e'.repeat(32),
  SESSION_SECRET: 'a test session secret of at least 32 characters',
} as const;

export interface ServerProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the URL of the ready line, or rejects when the process exits first. */
  ready(timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code. */
  exited(): Promise<number | null>;
}

/**
 * `direct`: run the server as the child itself (`node --import tsx`) rather than under tsx's CLI,
 * which relays SIGTERM but cannot relay SIGKILL: a crash test must kill the server itself.
 */
export function startServerProcess(env: Record<string, string>, options: { direct?: boolean } = {}): ServerProcess {
  const args = options.direct ? ['--import', 'tsx', 'src/server.ts'] : [TSX, 'src/server.ts'];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...PRODUCTION_SECRETS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', chunk => (out += chunk));
  child.stderr?.on('data', chunk => (err += chunk));
  const exit = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    ready: (timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not ready in ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
        const check = () => {
          const match = /EHR Ledger ready at (http:\/\/\S+)/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        };
        child.stdout?.on('data', check);
        void exit.then(code => {
          clearTimeout(timer);
          reject(new Error(`exited with ${code} before ready:\n${out}\n${err}`));
        });
      }),
  };
}
