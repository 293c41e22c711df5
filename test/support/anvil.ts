/**
 * Anvil (Foundry's node, from its npm package's binary): a throwaway external node on a free
 * port, with ten unlocked accounts as the classroom nodes have. `hardfork` defaults to the
 * newest that Ganache also knows (Shanghai), so the contract's bytecode runs the same.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './ports';
import { untilNodeAnswers } from './poll';

export interface AnvilNode {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** The binary the npm package installed for this platform. */
export function anvilBinary(): string {
  return require.resolve(`@foundry-rs/anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}/bin/anvil`);
}

/** `freeGas`: a base fee and gas price of zero, as a consortium chain without fees runs (Besu's zeroBaseFee). */
export async function startAnvil(options: { hardfork?: string; chainId?: number; freeGas?: boolean } = {}): Promise<AnvilNode> {
  const port = await freePort();
  const args = ['--host', '127.0.0.1', '--port', String(port), '--quiet', '--hardfork', options.hardfork ?? 'shanghai'];
  if (options.chainId) args.push('--chain-id', String(options.chainId));
  if (options.freeGas) args.push('--block-base-fee-per-gas', '0', '--gas-price', '0', '--disable-min-priority-fee');
  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await untilNodeAnswers(url, `anvil to answer on ${url}`, 15_000);
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
