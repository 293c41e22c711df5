/**
 * Starting the app: compiles the contract if needed, starts or connects to the node, migrates
 * if the contract is not deployed there, serves the app. One line per stage; a wrong setting
 * stops with one line and no stack trace. SIGINT/SIGTERM close the server, the database and the
 * node. `server.ts` (npm start) and `demo.ts` (npm run demo) are its two entry points.
 */
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
  const config = loadConfig(env);
  const context = await startContext(config, say);
  const services = createServices(context);
  const server = await services.auth
    .ensureAdminPassword(config.adminPassword)
    .then(() => services.sync.reconcile())
    .then(({ applied, failed }) => say('sync', `read model up to date (${applied} new events${failed ? `, ${failed} unsent writes marked failed` : ''})`))
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
  onSignals(server, context, services, services.sync.follow());
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

function onSignals(server: Server, context: AppContext, services: Services, stopFollowing: () => void): void {
  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    say('stop', `${signal}: closing`);
    stopFollowing();
    await new Promise<void>(resolve => server.close(() => resolve()));
    await services.background.settled(); // queued access records reach the ledger before it closes
    await context.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void close('SIGINT'));
  process.once('SIGTERM', () => void close('SIGTERM'));
}

/** Runs `main` as a program: a failure to start is one line on stderr and exit code 1. */
export function run(beforeListen?: BeforeListen, env: NodeJS.ProcessEnv = process.env): void {
  main(env, beforeListen).catch(error => {
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    console.error(`EHR Ledger cannot start: ${message.split('\n')[0]}`);
    if (process.env.DEBUG) console.error(error);
    process.exit(1);
  });
}
