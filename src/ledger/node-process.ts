/**
 * The embedded Ganache in a process of its own, forked by `startEmbeddedNode`: the node's EVM,
 * trie and LevelDB use their own core and heap, not the app's event loop and memory. It serves
 * JSON-RPC on CHAIN_PORT and talks to its parent over the IPC channel:
 *
 * - parent → child: `{ type: 'start', options }` first (over IPC, not the command line, which
 *   any local user can read: the options hold the mnemonic); `{ type: 'close' }` to stop.
 * - child → parent: `{ type: 'ready', adminKey, mnemonic }` or `{ type: 'failed', message }`.
 *
 * It stops only when told to, or when its parent is gone (the IPC channel closes, `kill -9`
 * included): a Ctrl-C reaches the whole process group, and the app must close its side first.
 */
import fs from 'node:fs';
import path from 'node:path';
import ganache from 'ganache';

export interface NodeProcessOptions {
  /** The chain's LevelDB directory. */
  readonly dbPath: string;
  readonly host: string;
  readonly port: number;
  readonly chainId: number;
  /** undefined on the first start: Ganache makes one and the parent keeps it. */
  readonly mnemonic: string | undefined;
  readonly balanceEther: number;
}

export type NodeProcessMessage =
  | { readonly type: 'ready'; readonly adminKey: string; readonly mnemonic: string }
  | { readonly type: 'failed'; readonly message: string };

// A database a killed predecessor still holds is free once that process has exited: a moment.
const LOCK_RETRY_MS = 10_000;

type Server = ReturnType<typeof ganache.server>;

async function start(options: NodeProcessOptions): Promise<Server> {
  const deadline = Date.now() + LOCK_RETRY_MS;
  for (;;) {
    const server = ganache.server({
      chain: { chainId: options.chainId, networkId: options.chainId, hardfork: 'shanghai' as const },
      wallet: { ...(options.mnemonic ? { mnemonic: options.mnemonic } : {}), totalAccounts: 10, defaultBalance: options.balanceEther },
      database: { dbPath: options.dbPath },
      logging: { quiet: true },
      miner: { instamine: 'eager' as const },
    });
    try {
      await server.listen(options.port, options.host);
      return server;
    } catch (error) {
      await server.close().catch(() => undefined);
      if (!/lock/i.test(String((error as Error).message)) || Date.now() > deadline) throw error;
      await new Promise(resolve => setTimeout(resolve, 250));
    }
  }
}

export type ParentMessage = { readonly type: 'start'; readonly options: NodeProcessOptions } | { readonly type: 'close' };

function main(options: NodeProcessOptions): void {
  const send = (message: NodeProcessMessage) => process.send?.(message);
  fs.mkdirSync(path.dirname(options.dbPath), { recursive: true, mode: 0o700 });
  // Signals are the parent's to act on: it closes the app, then tells this process to stop.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);

  start(options).then(
    server => {
      let closing: Promise<void> | undefined;
      const stop = () => (closing ??= server.close().finally(() => process.exit(0)));
      process.on('message', (message: ParentMessage) => {
        if (message.type === 'close') void stop();
      });
      process.on('disconnect', () => void stop());
      const accounts = server.provider.getInitialAccounts();
      const [admin] = Object.keys(accounts);
      send({ type: 'ready', adminKey: accounts[admin].secretKey, mnemonic: server.provider.getOptions().wallet.mnemonic ?? '' });
    },
    (error: Error) => {
      send({ type: 'failed', message: error.message });
      process.disconnect?.();
      process.exitCode = 1;
    },
  );
}

const parentGoneEarly = () => process.exit(0); // before it said what to start
process.once('disconnect', parentGoneEarly);
process.once('message', (message: ParentMessage) => {
  if (message.type !== 'start') return;
  process.off('disconnect', parentGoneEarly);
  main(message.options);
});
