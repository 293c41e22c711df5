/**
 * Nodes of their own for the benchmark, each a separate process on a free port, so that neither
 * shares an event loop with the app or the benchmark: Anvil (npm @foundry-rs/anvil's binary), a
 * node fast enough not to be the app's bottleneck, and Ganache as a class runs it (`npx ganache`).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Chain } from './chain';
import { processCpuMs, ROOT } from './server';

export type NodeKind = 'Anvil' | 'Ganache';

export interface BenchNode {
  readonly url: string;
  /** CPU time the node's process has used so far (user and system, all its threads), in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

function command(kind: NodeKind, port: number, accounts: number): [string, string[]] {
  if (kind === 'Anvil') {
    const binary = require.resolve(`@foundry-rs/anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}/bin/anvil`);
    // --prune-history 64: the states of the newest 64 blocks only (the app reads state at most a
    // block back, to decode a revert). Keeping every block's state made Anvil's CPU a transaction
    // grow with its history, 1.0 to 4.7 ms over 800 reports (2.4 with this), so the figures
    // would have said how long the bench had run. It is the node's setting for both sides.
    return [binary, ['--host', '127.0.0.1', '--port', String(port), '--quiet', '--hardfork', 'shanghai', '--accounts', String(accounts), '--prune-history', '64']];
  }
  const cli = path.join(ROOT, 'node_modules', 'ganache', 'dist', 'node', 'cli.js');
  return [process.execPath, [cli, '--server.host', '127.0.0.1', '--server.port', String(port), '--logging.quiet', '--chain.hardfork', 'shanghai', '--wallet.totalAccounts', String(accounts)]];
}

export async function startNode(kind: NodeKind, port: number, accounts: number): Promise<BenchNode> {
  const [file, args] = command(kind, port, accounts);
  const child = spawn(file, args, { stdio: 'ignore' });
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const probe = new Chain(url);
  for (let tries = 0; ; tries++) {
    const ok = await probe.rpc('eth_chainId').then(() => true, () => false);
    if (ok) break;
    if (tries > 600 || child.exitCode !== null) throw new Error(`${kind} did not answer on ${url}`);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return {
    url,
    cpuMs: () => processCpuMs(child.pid!),
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
