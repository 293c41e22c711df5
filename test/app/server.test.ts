import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort, tempDataDir } from '../support/context';
import { startServerProcess } from '../support/process';

/** What a one-line refusal looks like: one line, no stack trace. */
function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter(line => line.trim() && !/npm warn/i.test(line));
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.match(lines[0], /^EHR Ledger cannot start: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, 'a stack trace was printed');
}

describe('npm start', function () {
  this.timeout(120_000);

  it('prints a line per stage, serves the home page and /healthz, and stops cleanly on SIGTERM', async () => {
    const server = startServerProcess({ DATA_DIR: tempDataDir(), PORT: String(await freePort()) });
    const url = await server.ready();
    const lines = server.stdout().trim().split('\n');
    assert.deepEqual(lines.map(line => line.split(/\s+/)[0]), ['compile', 'node', 'migrate', 'sync', 'server', 'EHR']);
    // No chain port unless CHAIN_PORT asks for one; the line says how to open it.
    assert.match(lines[1], /^node\s+embedded Ganache, chain id \d+; no JSON-RPC port \(CHAIN_PORT=8545 opens a read-only one/);
    assert.match(lines.at(-1) ?? '', /^EHR Ledger ready at http:\/\/127\.0\.0\.1:\d+$/);

    const home = await (await fetch(url)).text();
    for (const [href, label] of [['/admin/login', 'Admin'], ['/doctor/login', 'Doctor Login'], ['/patient/login', 'Patient Login'], ['/patient/signup', 'Patient Signup']]) {
      assert.match(home, new RegExp(`href="${href}"[^>]*>\\s*<strong>${label}</strong>`));
    }
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as Record<string, unknown>;
    assert.equal(body.status, 'ok');
    assert.equal(typeof body.chainId, 'number');
    assert.equal(typeof body.blockNumber, 'number');
    assert.match(String(body.contract), /^0x[0-9a-fA-F]{40}$/);

    server.child.kill('SIGTERM');
    assert.equal(await server.exited(), 0);
  });

  it('stops with one line when RPC_URL is unreachable', async () => {
    const port = await freePort();
    const server = startServerProcess({ DATA_DIR: tempDataDir(), RPC_URL: `http://127.0.0.1:${port}` });
    assert.equal(await server.exited(), 1);
    assertOneLine(server.stderr(), /RPC_URL http:\/\/127\.0\.0\.1:\d+ is unreachable/);
  });

  it('stops with one line when EHR_MASTER_KEY is malformed', async () => {
    const server = startServerProcess({ DATA_DIR: tempDataDir(), EHR_MASTER_KEY: 'not-a-key' });
    assert.equal(await server.exited(), 1);
    assertOneLine(server.stderr(), /EHR_MASTER_KEY must be 64 hexadecimal characters/);
  });

  it('stops with one line when the port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const server = startServerProcess({ DATA_DIR: tempDataDir(), PORT: String(port) });
      assert.equal(await server.exited(), 1);
      assertOneLine(server.stderr(), new RegExp(`PORT ${port} on 127\\.0\\.0\\.1 is in use`));
    } finally {
      blocker.close();
    }
  });

  it('stops with one line when CHAIN_PORT is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const server = startServerProcess({ DATA_DIR: tempDataDir(), PORT: String(await freePort()), CHAIN_PORT: String(port) });
      assert.equal(await server.exited(), 1);
      assertOneLine(server.stderr(), new RegExp(`CHAIN_PORT ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      blocker.close();
    }
  });
});
