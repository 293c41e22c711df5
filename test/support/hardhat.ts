/**
 * A Hardhat node (npm `hardhat` 2, which runs on Node 20; Hardhat 3 needs Node 22): a throwaway
 * external node on a free port, with twenty unlocked accounts, on Shanghai.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from './ports';
import { untilNodeAnswers } from './poll';

export async function startHardhat(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const cli = require.resolve('hardhat/internal/cli/bootstrap');
  const child = spawn(process.execPath, [cli, '--config', path.join(__dirname, 'hardhat.config.cjs'), 'node', '--hostname', '127.0.0.1', '--port', String(port)], {
    cwd: __dirname,
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await untilNodeAnswers(url, `hardhat to answer on ${url}`, 60_000);
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
