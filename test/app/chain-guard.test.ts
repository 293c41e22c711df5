/**
 * The embedded node as an attacker on the machine meets it: its JSON-RPC port serves reads only
 * and nothing to a web page; its wallet signs nothing. The funding account running dry gives a
 * clear 503 at once and recovers after a refill. A first start that failed half-way (the chain
 * port taken, or killed before it finished) leaves a data set the next start completes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import supertest from 'supertest';
import { ConfigError } from '../../src/config';
import { deriveKey, open } from '../../src/crypto/envelope';
import { startContext } from '../../src/context';
import { READ_METHODS } from '../../src/ledger/rpc-gate';
import { BUILD_DIR } from '../../src/paths';
import { freePort, startTestApp, tempDataDir, testConfig } from '../support/context';
import { csrfFrom, login, page, post, signupPatient } from '../support/http';
import { startServerProcess } from '../support/process';

type TestApp = Awaited<ReturnType<typeof startTestApp>>;

/** Posts one JSON-RPC request to `url`; the HTTP status and the parsed answer. */
async function rpc(url: string, method: string, params: unknown[] = [], headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as { result?: unknown; error?: { code: number; message: string } } };
}

describe('the embedded node, as an attacker on the machine meets it', function () {
  this.timeout(120_000);
  let test: TestApp;
  let url: string;
  let admin: string;

  before(async () => {
    test = await startTestApp({ CHAIN_PORT: '0' });
    url = test.context.ledger.node.rpcUrl!;
    admin = test.context.ledger.admin.address;
  });
  after(async () => test?.context.close());

  // What the review shows rewriting the ledger, or the node, from the chain port.
  const DANGEROUS: [string, unknown[]][] = [
    ['eth_sendTransaction', [{ from: '0x0000000000000000000000000000000000000001', to: '0x0000000000000000000000000000000000000002', value: '0x1' }]],
    ['eth_sendRawTransaction', ['0x00']],
    ['eth_sign', ['0x0000000000000000000000000000000000000001', '0x00']],
    ['eth_signTransaction', [{}]],
    ['eth_signTypedData_v4', ['0x0000000000000000000000000000000000000001', '{}']],
    ['evm_setAccountStorageAt', ['0x0000000000000000000000000000000000000001', '0x0', '0x01']],
    ['evm_setAccountBalance', ['0x0000000000000000000000000000000000000001', '0x1']],
    ['evm_setAccountCode', ['0x0000000000000000000000000000000000000001', '0x00']],
    ['evm_snapshot', []],
    ['evm_revert', ['0x1']],
    ['evm_mine', []],
    ['evm_increaseTime', [3600]],
    ['evm_setTime', [0]],
    ['miner_stop', []],
    ['miner_start', []],
    ['personal_unlockAccount', ['0x0000000000000000000000000000000000000001', '', 0]],
    ['personal_sendTransaction', [{}, '']],
    ['personal_importRawKey', ['0'.repeat(64), '']],
    ['personal_newAccount', ['']],
    ['eth_subscribe', ['newHeads']],
    ['debug_traceTransaction', ['0x00']],
  ];

  for (const [method, params] of DANGEROUS) {
    it(`refuses ${method}, with and without an Origin header`, async () => {
      const plain = await rpc(url, method, params);
      assert.equal(plain.status, 200);
      assert.equal(plain.body.error?.code, -32601, `${method} was served: ${JSON.stringify(plain.body)}`);
      const fromPage = await rpc(url, method, params, { origin: 'http://evil.example' });
      assert.equal(fromPage.status, 403);
      assert.equal(fromPage.body.result, undefined);
    });
  }

  it('serves the read methods to scripts and truffle console, and none of them to a web page', async () => {
    const blockNumber = await rpc(url, 'eth_blockNumber');
    assert.match(String(blockNumber.body.result), /^0x[0-9a-f]+$/);
    const code = await rpc(url, 'eth_getCode', [test.context.ledger.deployment.address, 'latest']);
    assert.match(String(code.body.result), /^0x[0-9a-f]{100,}$/);
    assert.equal((await rpc(url, 'eth_chainId')).body.result, `0x${test.context.ledger.chainId.toString(16)}`);
    assert.equal((await rpc(url, 'eth_blockNumber', [], { origin: 'null' })).status, 403);
    assert.ok(READ_METHODS.has('eth_getLogs') && !READ_METHODS.has('eth_sendRawTransaction'));
  });

  it('refuses what a web page can send without a preflight: text/plain bodies, form posts, GETs and preflights', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] });
    assert.equal((await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })).status, 415);
    assert.equal((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })).status, 415);
    assert.equal((await fetch(url)).status, 405);
    const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  });

  it('refuses a batch that hides a write among reads', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] },
        { jsonrpc: '2.0', id: 2, method: 'evm_snapshot', params: [] },
      ]),
    });
    const [read, write] = (await response.json()) as { result?: string; error?: { code: number } }[];
    assert.match(String(read.result), /^0x/);
    assert.equal(write.error?.code, -32601);
  });

  it('has a locked wallet: the node signs nothing, not even for the app in its own process', async () => {
    const provider = test.context.ledger.node.provider as { request(args: { method: string; params: unknown[] }): Promise<unknown> };
    await assert.rejects(
      provider.request({ method: 'eth_sendTransaction', params: [{ from: admin, to: admin, value: '0x1' }] }),
      /authentication needed|locked|passphrase/i,
    );
  });

  it('with CHAIN_RPC=writable serves every method on purpose, but never signs for the admin nor answers a web page', async () => {
    const context = await startContext(await testConfig({ CHAIN_RPC: 'writable', CHAIN_PORT: '0' }));
    try {
      const writable = context.ledger.node.rpcUrl!;
      const accounts = (await rpc(writable, 'eth_accounts')).body.result as string[];
      assert.equal(accounts[0].toLowerCase(), context.ledger.admin.address);
      assert.match(String((await rpc(writable, 'evm_snapshot')).body.result), /^0x/);
      const spare = await rpc(writable, 'eth_sendTransaction', [{ from: accounts[1], to: accounts[2], value: '0x1' }]);
      assert.match(String(spare.body.result), /^0x[0-9a-f]{64}$/, JSON.stringify(spare.body));
      const asAdmin = await rpc(writable, 'eth_sendTransaction', [{ from: accounts[0], to: accounts[2], value: '0x1' }]);
      assert.match(String(asAdmin.body.error?.message), /authentication needed|locked|passphrase/i);
      // Ganache's wallet `lock` alone locks under an empty passphrase: these two once signed for the admin.
      const withEmptyPassphrase = await rpc(writable, 'personal_sendTransaction', [{ from: accounts[0], to: accounts[2], value: '0x1' }, '']);
      assert.equal(withEmptyPassphrase.body.result, undefined, `signed for the admin: ${JSON.stringify(withEmptyPassphrase.body)}`);
      assert.match(String(withEmptyPassphrase.body.error?.message), /decrypt|password|passphrase/i);
      const unlocked = await rpc(writable, 'personal_unlockAccount', [accounts[0], '', 0]);
      assert.notEqual(unlocked.body.result, true, 'unlocked the admin with an empty passphrase');
      assert.match(String(unlocked.body.error?.message), /decrypt|password|passphrase/i);
      const stillLocked = await rpc(writable, 'eth_sendTransaction', [{ from: accounts[0], to: accounts[2], value: '0x1' }]);
      assert.match(String(stillLocked.body.error?.message), /authentication needed|locked|passphrase/i);
      // The app still signs as the admin, with the key it derives from its own seed.
      assert.ok((await context.ledger.client.addHospital(context.ledger.admin, 'Writable')).hospitalId > 0);
      assert.equal((await rpc(writable, 'evm_snapshot', [], { origin: 'http://evil.example' })).status, 403);
    } finally {
      await context.close();
    }
  });

  // The app talks to its node in-process: the port is for people, opened only when asked for.
  for (const [label, settings] of [['CHAIN_PORT unset', {}], ['CHAIN_PORT=off', { CHAIN_PORT: 'off' }]] as const) {
    it(`has no port at all with ${label}, and deploys and writes all the same`, async () => {
      const lines: string[] = [];
      const context = await startContext(await testConfig(settings), (stage, message) => lines.push(`${stage} ${message}`));
      try {
        assert.equal(context.ledger.node.rpcUrl, undefined);
        assert.ok(lines.some(line => /^node embedded Ganache, chain id \d+; no JSON-RPC port \(CHAIN_PORT=8545 opens/.test(line)), lines.join('\n'));
        assert.ok((await context.ledger.client.addHospital(context.ledger.admin, 'Off')).hospitalId > 0);
      } finally {
        await context.close();
      }
    });
  }
});

describe('the embedded chain\'s seed in DATA_DIR', function () {
  this.timeout(120_000);

  it('keeps the mnemonic only sealed under the master key, and seals a first release\'s file in the clear', async () => {
    const dataDir = tempDataDir();
    const first = await startContext(await testConfig({ DATA_DIR: dataDir }));
    const admin = first.ledger.admin.address;
    await first.close();
    const file = path.join(dataDir, 'chain.json');
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { chainId: number; sealedMnemonic?: string; mnemonic?: string };
    assert.equal(stored.mnemonic, undefined);
    assert.ok(stored.sealedMnemonic);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);

    // As the first release wrote it: the same mnemonic in the clear (taken from the sealed one).
    const masterKey = Buffer.from(fs.readFileSync(path.join(dataDir, 'master.key'), 'utf8').trim(), 'hex');
    const mnemonic = open(deriveKey(masterKey, 'chain-seed'), stored.sealedMnemonic, 'chain-seed').toString('utf8');
    fs.writeFileSync(file, JSON.stringify({ chainId: stored.chainId, mnemonic }));
    const again = await startContext(await testConfig({ DATA_DIR: dataDir }));
    try {
      assert.equal(again.ledger.admin.address, admin, 'not the same chain and accounts');
      assert.ok(!fs.readFileSync(file, 'utf8').includes(mnemonic.split(' ')[0] + ' '), 'the mnemonic is still in the clear');
    } finally {
      await again.close();
    }
  });
});

describe('the funding account running dry', function () {
  this.timeout(120_000);
  let test: TestApp;
  let setFunderBalance: (wei: bigint) => Promise<void>;

  before(async () => {
    test = await startTestApp();
    // The test's own hand on the node: the in-process provider takes evm_* (the port does not).
    const provider = test.context.ledger.node.provider as { request(args: { method: string; params: unknown[] }): Promise<unknown> };
    setFunderBalance = async wei => void (await provider.request({ method: 'evm_setAccountBalance', params: [test.context.ledger.admin.address, `0x${wei.toString(16)}`] }));
  });
  after(async () => test?.context.close());

  it('is watched: the admin console warns below 1 ether, and not above', async () => {
    const admin = await login(test.app, 'admin', 'admin', 'admin');
    assert.doesNotMatch(await page(admin, '/admin'), /funding account is running dry/);
    await setFunderBalance(5n * 10n ** 17n);
    const warned = await page(admin, '/admin');
    assert.match(warned, /funding account is running dry/);
    assert.match(warned, /0\.5000 ETH left/);
    assert.ok(warned.includes(test.context.ledger.admin.address));
    await setFunderBalance(10n ** 24n);
    assert.doesNotMatch(await page(admin, '/admin'), /funding account is running dry/);
  });

  it('answers a write with a 503 that says so within 10 s, then takes writes again after a refill', async () => {
    const admin = await login(test.app, 'admin', 'admin', 'admin');
    await setFunderBalance(0n);
    const started = Date.now();
    const refused = await post(admin, '/admin', '/admin/hospitals', { name: 'Dry', address: 'A', phone: '123' });
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    assert.equal(refused.status, 503);
    assert.match(refused.text, /run out of ether/);

    // A new patient's first write needs a top-up from the funder: refused the same way, not hung.
    const visitor = supertest.agent(test.app);
    const token = csrfFrom(await page(visitor, '/patient/signup'));
    const signupStarted = Date.now();
    const signup = await visitor
      .post('/patient/signup')
      .type('form')
      .send({ _csrf: token, username: 'dry', password: 'password1', email: 'd@x.example', fullName: 'Dry', phone: '123' });
    assert.ok(Date.now() - signupStarted < 10_000);
    assert.equal(signup.status, 503);

    await setFunderBalance(10n ** 24n);
    const saved = await post(admin, '/admin', '/admin/hospitals', { name: 'Refilled', address: 'A', phone: '123' });
    assert.equal(saved.status, 303);
    // And a new patient's first write, which takes a top-up: the refused one's name too, which it let go of.
    await signupPatient(test.app, { username: 'dry', password: 'password1', email: 'd@x.example', fullName: 'Dry', phone: '123' });
    await login(test.app, 'patient', 'dry', 'password1');
  });
});

describe('a first start that failed half-way', function () {
  this.timeout(180_000);

  it('names a chain port already in use, and the next start on the same DATA_DIR completes the data set', async () => {
    const dataDir = tempDataDir();
    const blocker = net.createServer();
    const taken = await freePort();
    await new Promise<void>(resolve => blocker.listen(taken, '127.0.0.1', resolve));
    try {
      await assert.rejects(startContext(await testConfig({ DATA_DIR: dataDir, CHAIN_PORT: String(taken) })), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, new RegExp(`CHAIN_PORT ${taken} .*already in use`));
        return true;
      });
    } finally {
      blocker.close();
    }
    const test = await startTestApp({ DATA_DIR: dataDir });
    try {
      await test.services.patients.signup({ username: 'later', password: 'password1', email: 'l@x.example', fullName: 'Later', phone: '123' });
      assert.ok((await test.context.ledger.client.reportCount()) >= 0);
    } finally {
      await test.context.close();
    }
  });

  it('sets aside a chain database left without its seed by a killed first start, and starts afresh', async () => {
    const dataDir = tempDataDir();
    // What release 1 left when killed after Ganache made its database but before it kept the mnemonic.
    const { default: ganache } = await import('ganache');
    const leftover = ganache.provider({ logging: { quiet: true }, database: { dbPath: path.join(dataDir, 'chain') } });
    await leftover.request({ method: 'eth_blockNumber', params: [] });
    await leftover.disconnect();
    const test = await startTestApp({ DATA_DIR: dataDir });
    try {
      await test.services.patients.signup({ username: 'fresh', password: 'password1', email: 'f@x.example', fullName: 'Fresh', phone: '123' });
      assert.ok(fs.readdirSync(dataDir).some(name => name.startsWith('chain.unfinished-')));
    } finally {
      await test.context.close();
    }
  });

  it('finishes what a start killed (kill -9) right after starting its node began', async () => {
    const dataDir = tempDataDir();
    // The kill lands during the migration: Truffle must not be writing the shared build then.
    const artifact = path.join(BUILD_DIR, 'EHR.json');
    const built = fs.readFileSync(artifact, 'utf8');
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()) };
    const first = startServerProcess(env, { direct: true });
    await until(() => /^node /m.test(first.stdout()) || first.child.exitCode !== null, 90_000, 'the node stage');
    assert.equal(first.child.exitCode, null, `the first start ended by itself: ${first.stderr()}`);
    first.child.kill('SIGKILL');
    await first.exited();

    const second = startServerProcess({ ...env, PORT: String(await freePort()) }, { direct: true });
    try {
      const base = await second.ready(90_000);
      const visitor = supertest.agent(base);
      const token = csrfFrom((await visitor.get('/patient/signup')).text);
      const signup = await visitor
        .post('/patient/signup')
        .type('form')
        .send({ _csrf: token, username: 'after', password: 'password1', email: 'a@x.example', fullName: 'After', phone: '123' });
      assert.equal(signup.status, 303, signup.text.slice(0, 500));
      assert.equal(fs.readFileSync(artifact, 'utf8'), built, 'a migration rewrote the shared build');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited();
    }
  });
});

async function until(probe: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > timeoutMs) assert.fail(`${what} not within ${timeoutMs} ms`);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}
