/** Anvil (npm @foundry-rs/anvil's binary) for the benchmark: a node that is not the app's bottleneck. */
import { spawn } from 'node:child_process';

export async function startAnvil(port: number, accounts: number): Promise<{ url: string; stop(): Promise<void> }> {
  const binary = require.resolve(`@foundry-rs/anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}/bin/anvil`);
  const child = spawn(binary, ['--host', '127.0.0.1', '--port', String(port), '--quiet', '--hardfork', 'shanghai', '--accounts', String(accounts)], { stdio: 'ignore' });
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    const ok = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' })
      .then(res => res.ok)
      .catch(() => false);
    if (ok) break;
    if (tries > 300) throw new Error(`anvil did not answer on ${url}`);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
