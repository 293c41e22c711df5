/**
 * Starting the app: compiles the contract if needed, starts or connects to the node, migrates
 * if the contract is not deployed there, serves the app. One line per stage; a wrong setting
 * stops with one line and no stack trace. SIGINT/SIGTERM drain the server (see onSignals), then
 * close the database and the node. `server.ts` (npm start) and `demo.ts` (npm run demo) are its
 * two entry points.
 */
import { ORPHAN_AGE_MS } from './features/files/service';
import { SIGNUP_RESERVATION_MS } from './features/patient/service';
import { describeOrphans, reconcileOrphanAccounts } from './keys/orphans';
import type { Server } from 'node:http';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { startContext, type AppContext } from './context';
import { createServices, type Services } from './services';

export const say = (stage: string, message: string) => console.log(`${stage.padEnd(8)} ${message}`);

/** Runs once the ledger and the database are up, before the server listens (the demo's seed). */
export type BeforeListen = (context: AppContext, services: Services) => Promise<void>;

export async function main(env: NodeJS.ProcessEnv = process.env, beforeListen?: BeforeListen): Promise<void> {
  const started = Date.now();
  // Whatever the shell's umask: every file this process makes (the chain's own included, which
  // Ganache's database writes without a mode) is for its owner only.
  process.umask(0o077);
  const config = loadConfig(env);
  const context = await startContext(config, say);
  const services = createServices(context);
  const server = await services.auth
    .ensureAdminPassword(config.adminPassword)
    .then(() => services.sync.reconcile())
    .then(({ applied, failed }) => say('sync', `read model up to date (${applied} new events${failed ? `, ${failed} unsent writes marked failed` : ''})`))
    .then(() => reconcileOrphanAccounts(context.store, deadBefore(context, started)))
    .then(orphans => describeOrphans(orphans))
    .then(line => line && say('accounts', line))
    .then(() => services.files.sweep())
    .then(swept => swept > 0 && say('files', `${swept} uploads no record lists were removed`))
    .then(() => beforeListen?.(context, services))
    .then(() => listen(createApp(context, services), config.host, config.port))
    .catch(async error => {
      await context.close();
      throw error;
    });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  say('server', `listening on ${config.host}:${port} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log(`EHR Ledger ready at http://${config.host}:${port}`);
  // Uploads that no record came to list (a form refused, a server gone mid-write): swept hourly.
  const sweeper = setInterval(() => void services.files.sweep().catch(() => undefined), ORPHAN_AGE_MS);
  sweeper.unref();
  context.closeWith(() => clearInterval(sweeper));
  onSignals(
    server,
    context,
    services,
    // Of several servers on one database, the one that follows says so (on its own, there is no news in it).
    services.sync.follow(undefined, context.store.coordination && (() => say('sync', 'this server now follows the chain for the read model (it holds the follower lease)'))),
  );
}

/**
 * Before when a signup (or staff add) that left no login is certainly dead: a lone server's own
 * start, since nothing wrote before it but its earlier runs; with other servers on the data set
 * (PostgreSQL), only past the reservation window, as one of theirs may be under way.
 */
function deadBefore(context: AppContext, started: number): number {
  return context.store.coordination ? started - SIGNUP_RESERVATION_MS : started;
}

function listen(app: ReturnType<typeof createApp>, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new ConfigError(`PORT ${port} on ${host} is in use`) : error);
    });
  });
}

/** How long requests under way (and queued background writes) get to finish after SIGTERM/SIGINT. */
export const DRAIN_MS = 10_000;

/**
 * SIGTERM/SIGINT: stop accepting connections, let the requests under way finish (up to
 * DRAIN_MS, then their sockets are closed), close idle keep-alive sockets as they go idle, let
 * the queued background writes reach the ledger (same deadline), stop following the ledger,
 * then close the database and the node, and exit 0. A second signal exits at once with 1.
 */
function onSignals(server: Server, context: AppContext, services: Services, stopFollowing: () => void): void {
  let closing = false;
  const close = async (signal: string) => {
    if (closing) {
      say('stop', `${signal} again: exiting now`);
      process.exit(1);
    }
    closing = true;
    const deadline = Date.now() + DRAIN_MS;
    const closed = new Promise<void>(resolve => server.close(() => resolve()));
    // Said once the listener is closed, so that whoever reads it finds new connections refused.
    say('stop', `${signal}: no new requests; finishing those under way (up to ${DRAIN_MS / 1000} s)`);
    server.closeIdleConnections();
    const idle = setInterval(() => server.closeIdleConnections(), 100); // keep-alive sockets whose response just went out
    if (!(await settledBy(closed, deadline))) {
      say('stop', 'requests still under way after the deadline: closing their connections');
      server.closeAllConnections();
      await closed;
    }
    clearInterval(idle);
    if (!(await settledBy(services.background.settled(), deadline))) say('stop', `${services.background.size} background writes left unfinished`);
    stopFollowing();
    await context.close();
    say('stop', 'closed');
    process.exit(0);
  };
  process.on('SIGINT', () => void close('SIGINT'));
  process.on('SIGTERM', () => void close('SIGTERM'));
}

/** Whether `promise` settled before `deadline` (a Date.now() time). */
function settledBy(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>(resolve => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
  return Promise.race([promise.then(() => true, () => true), late]).finally(() => clearTimeout(timer));
}

/** Runs `main` as a program: a failure to start is one line on stderr and exit code 1. */
export function run(beforeListen?: BeforeListen, env: NodeJS.ProcessEnv = process.env): void {
  main(env, beforeListen).catch(error => {
    // A setting that is wrong says all it has to say (the wrong chain: both genesis hashes and the
    // ways out); anything else, its first line (DEBUG=1 for the stack).
    const message = error instanceof ConfigError ? error.message : error instanceof Error ? error.message.split('\n')[0] : String(error);
    console.error(`EHR Ledger cannot start: ${message}`);
    if (process.env.DEBUG) console.error(error);
    process.exit(1);
  });
}
