/**
 * The right chain or none. A classroom Ganache restarted without its database (what Ganache
 * does by default) is a new chain on the same port with the same chain id — and, with the same
 * deterministic accounts, the contract redeployed at the same address. The data set must never
 * be shown as verified against it: `npm start` refuses, naming both genesis hashes and the ways
 * out; a running app answers 503 on every page and /healthz says "wrong-chain"; nothing is
 * deployed into a data set that has a contract. The same node under another chain id is refused
 * too, and so is a node whose genesis is fixed (a dev node restarted empty: the same genesis and
 * chain id) but which lacks the contract — at start, and while the app runs, once the node comes
 * back from an outage. And a node that hangs gets a 503 in seconds.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ganache from 'ganache';
import { Web3 } from 'web3';
import { createApp } from '../../src/app';
import supertest from 'supertest';
import { ConfigError } from '../../src/config';
import { startContext } from '../../src/context';
import { WrongChainError } from '../../src/ledger/identity';
import { freePort, startTestApp, tempDataDir, testConfig } from '../support/context';
import { addReport, login, page, post, type Agent } from '../support/http';
import { startServerProcess } from '../support/process';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

/**
 * The ganache CLI as a class runs it: deterministic accounts, its chain in `dbPath` (or in memory);
 * `chainId` another id than 1337, `time` a fixed genesis time (two nodes started with the same one
 * have the same genesis block, as dev nodes with a fixed genesis do).
 */
function classroomNode(dbPath?: string, { chainId = 1337, time }: { chainId?: number; time?: Date } = {}) {
  return ganache.server({
    logging: { quiet: true },
    chain: { hardfork: 'shanghai' as const, chainId, ...(time ? { time } : {}) },
    wallet: { deterministic: true },
    ...(dbPath ? { database: { dbPath } } : {}),
  });
}
type Node = ReturnType<typeof classroomNode>;

/**
 * Stops `node` and waits until its database is closed: a Ganache server's close resolves before
 * its provider has let the database go, and its dbPath cannot be opened again until then.
 */
async function stopNode(node: Node): Promise<void> {
  const disconnected = node.provider.once('disconnect');
  await node.close();
  await disconnected;
}

async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await probe().catch(() => false))) {
    if (Date.now() - started > timeoutMs) assert.fail(`${what} not within ${timeoutMs} ms`);
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

/** A data set on the node at `rpcUrl`: a hospital, alice and one report of hers shared with it. Resolves to the report's id. */
async function recordDataSet(dataDir: string, rpcUrl: string): Promise<number> {
  const { context, services, app } = await startTestApp({ DATA_DIR: dataDir, RPC_URL: rpcUrl });
  try {
    const { hospitalId } = await services.admin.addHospital({ name: 'Apollo', address: 'A', phone: '111' });
    await services.patients.signup({ username: 'alice', password: 'password1', email: 'a@x.example', fullName: 'Alice', phone: '123' });
    return (await addReport(await login(app, 'patient', 'alice', 'password1'), { title: 'Kept', disease: 'D', details: 'On the first chain', hospitalIds: [hospitalId] })).id;
  } finally {
    await context.close();
  }
}

describe('a classroom Ganache restarted without its database', function () {
  this.timeout(180_000);
  const chainDir = tempDataDir('kept-chain');
  const dataDir = tempDataDir('data');
  let port: number;
  let node: Node;
  let rpcUrl: string;
  let reportId: number;

  /** Stops the node on `port` and starts the one `next` makes there (made only then: a node opens its database at once). */
  async function swap(next: () => Node): Promise<void> {
    await stopNode(node);
    node = next();
    await node.listen(port, '127.0.0.1');
  }

  before(async () => {
    port = await freePort();
    rpcUrl = `http://127.0.0.1:${port}`;
    node = classroomNode(chainDir);
    await node.listen(port, '127.0.0.1');
    reportId = await recordDataSet(dataDir, rpcUrl);
  });
  after(async () => node?.close().catch(() => undefined));

  it('refuses to start, naming both genesis hashes and the two ways out, and deploys nothing', async () => {
    const recorded = (await fetchGenesis(rpcUrl)).toLowerCase();
    await swap(() => classroomNode());
    // Another data set on the new chain deploys first: same deployer, same nonce, same address.
    const other = await startContext(await testConfig({ RPC_URL: rpcUrl }));
    const fresh = (await fetchGenesis(rpcUrl)).toLowerCase();
    const blockBefore = await other.ledger.web3.eth.getBlockNumber();
    await other.close();
    assert.notEqual(fresh, recorded);

    await assert.rejects(startContext(await testConfig({ DATA_DIR: dataDir, RPC_URL: rpcUrl })), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.ok(error.message.toLowerCase().includes(recorded), 'names the recorded genesis');
      assert.ok(error.message.toLowerCase().includes(fresh), "names the node's genesis");
      assert.match(error.message, /RPC_URL/);
      assert.match(error.message, /DATA_DIR/);
      return true;
    });
    const probe = new Web3(rpcUrl);
    assert.equal(await probe.eth.getBlockNumber(), blockBefore, 'something was deployed into a data set that has a contract');
  });

  it('`npm start` says the same and exits 1', async () => {
    // In production the master key comes from outside DATA_DIR: the one the test app generated there.
    const masterKey = fs.readFileSync(path.join(dataDir, 'master.key'), 'utf8').trim();
    const server = startServerProcess({ DATA_DIR: dataDir, RPC_URL: rpcUrl, PORT: String(await freePort()), EHR_MASTER_KEY: masterKey, SESSION_SECRET: 's'.repeat(40) });
    assert.equal(await server.exited(), 1);
    assert.match(server.stderr(), /EHR Ledger cannot start: the node at .* is not the chain this data set was recorded on/);
    assert.match(server.stderr(), /recorded: chain 1337, genesis 0x[0-9a-f]{64}/);
    assert.match(server.stderr(), /node: +chain 1337, genesis 0x[0-9a-f]{64}/);
  });

  it('refuses to start on the same chain under another chain id, naming both ids, and deploys nothing', async () => {
    await swap(() => classroomNode(chainDir, { chainId: 1338 })); // the data set's own chain: its genesis passes
    const blockBefore = await new Web3(rpcUrl).eth.getBlockNumber();
    await assert.rejects(startContext(await testConfig({ DATA_DIR: dataDir, RPC_URL: rpcUrl })), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(error.message, /its chain id is 1338, not 1337/);
      assert.match(error.message, /recorded: chain 1337/);
      assert.match(error.message, /node: +chain 1338/);
      return true;
    });
    assert.equal(await new Web3(rpcUrl).eth.getBlockNumber(), blockBefore, 'something was deployed');
  });

  describe('while the app runs', () => {
    let test: Awaited<ReturnType<typeof startTestApp>>;
    let patient: Agent;
    let stopFollowing = () => undefined as void;

    before(async () => {
      await swap(() => classroomNode(chainDir)); // the right chain again
      test = await startTestApp({ DATA_DIR: dataDir, RPC_URL: rpcUrl });
      patient = await login(test.app, 'patient', 'alice', 'password1');
      assert.match(await page(patient, `/patient/reports/${reportId}`), /Verified/);
      stopFollowing = test.services.sync.follow(200);
    });
    after(async () => {
      stopFollowing();
      await test?.context.close();
    });

    it('answers 503 on every page and "wrong-chain" on /healthz once the node is swapped, never Verified', async () => {
      await swap(() => classroomNode());
      // The follower's poll finds it: even anonymous pages then stop.
      await until(async () => (await supertest(test.app).get('/')).status === 503, 15_000, 'the home page answering 503');
      const health = await supertest(test.app).get('/healthz');
      assert.equal(health.status, 503);
      assert.equal(health.body.status, 'wrong-chain');
      assert.equal(health.body.recorded.contract, test.context.ledger.deployment.address);
      assert.notEqual(health.body.node.genesisHash, health.body.recorded.genesisHash);
      for (const path of ['/', '/patient/login', '/patient', `/patient/reports/${reportId}`]) {
        const res = await patient.get(path);
        assert.equal(res.status, 503, `${path} answered ${res.status}`);
        assert.match(res.text, /not the chain this data was recorded on/);
        assert.doesNotMatch(res.text, /Verified/);
      }
      const write = await post(patient, '/patient/login', '/logout', {}).catch(() => undefined);
      assert.ok(write === undefined || write.status !== 500);
      assert.ok(test.context.ledger.lastProblem() instanceof WrongChainError);
    });

    it('comes back by itself when the node that holds the data returns', async () => {
      await swap(() => classroomNode(chainDir));
      await until(async () => (await supertest(test.app).get('/healthz')).status === 200, 15_000, '/healthz answering 200');
      patient = await login(test.app, 'patient', 'alice', 'password1');
      assert.match(await page(patient, `/patient/reports/${reportId}`), /Verified/);
    });
  });
});

describe('a dev node with a fixed genesis, restarted empty', function () {
  this.timeout(180_000);
  // Both nodes start from this genesis time: the same genesis block and chain id, so only the
  // code at the contract's address (none on the empty one) tells them apart.
  const time = new Date(Math.floor(Date.now() / 1000) * 1000);
  const chainDir = tempDataDir('fixed-genesis-chain');
  const dataDir = tempDataDir('fixed-genesis-data');
  let port: number;
  let rpcUrl: string;
  let node: Node;
  let reportId: number;

  /** Stops the node on `port` (an outage), then starts the data set's own node, or an empty one, there. */
  async function swap(kept: boolean): Promise<void> {
    await stopNode(node);
    node = classroomNode(kept ? chainDir : undefined, { time });
    await node.listen(port, '127.0.0.1');
  }

  before(async () => {
    port = await freePort();
    rpcUrl = `http://127.0.0.1:${port}`;
    node = classroomNode(chainDir, { time });
    await node.listen(port, '127.0.0.1');
    reportId = await recordDataSet(dataDir, rpcUrl);
  });
  after(async () => node?.close().catch(() => undefined));

  it('refuses to start on the empty node, naming the contract whose code is missing', async () => {
    const recorded = await fetchGenesis(rpcUrl);
    await swap(false);
    assert.equal(await fetchGenesis(rpcUrl), recorded, 'the empty node has a genesis of its own: the test proves nothing');
    await assert.rejects(startContext(await testConfig({ DATA_DIR: dataDir, RPC_URL: rpcUrl })), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(error.message, /the code at 0x[0-9a-fA-F]{40} is not the contract this data was recorded with/);
      return true;
    });
  });

  describe('while the app runs', () => {
    let test: Awaited<ReturnType<typeof startTestApp>>;
    let patient: Agent;
    /** eth_getCode calls the app's ledger makes. */
    let codeReads = 0;
    const health = async () => (await supertest(test.app).get('/healthz')).body as { status?: string };

    before(async () => {
      await swap(true);
      test = await startTestApp({ DATA_DIR: dataDir, RPC_URL: rpcUrl });
      const eth = test.context.ledger.web3.eth;
      const getCode = eth.getCode.bind(eth);
      eth.getCode = ((...args: Parameters<typeof getCode>) => ((codeReads += 1), getCode(...args))) as typeof eth.getCode;
      patient = await login(test.app, 'patient', 'alice', 'password1');
      assert.match(await page(patient, `/patient/reports/${reportId}`), /Verified/);
    });
    after(async () => test?.context.close());

    it('answers 503 and "wrong-chain" when the node comes back from an outage without the contract, never Verified', async () => {
      await stopNode(node);
      await until(async () => (await supertest(test.app).get('/healthz')).status === 503, 15_000, 'the outage seen');
      node = classroomNode(undefined, { time });
      await node.listen(port, '127.0.0.1');
      await until(async () => (await health()).status === 'wrong-chain', 15_000, '/healthz saying "wrong-chain"');
      for (const path of ['/', '/patient', `/patient/reports/${reportId}`]) {
        const res = await patient.get(path);
        assert.equal(res.status, 503, `${path} answered ${res.status}`);
        assert.match(res.text, /not the chain this data was recorded on \(the code at 0x[0-9a-fA-F]{40} is not the contract/);
        assert.doesNotMatch(res.text, /Verified/);
      }
    });

    it('comes back when its own node returns, and reads the code once, not on every request', async () => {
      await swap(true);
      await until(async () => (await supertest(test.app).get('/healthz')).status === 200, 15_000, '/healthz answering 200');
      const reads = codeReads;
      for (let i = 0; i < 5; i++) assert.match(await page(patient, `/patient/reports/${reportId}`), /Verified/);
      assert.equal((await supertest(test.app).get('/healthz')).status, 200);
      assert.equal(codeReads, reads, 'the code was read again while the node stayed up');
    });
  });
});

describe('a node that accepts connections and never answers', function () {
  this.timeout(120_000);
  let node: Node;
  let proxy: TcpProxy;
  let test: Awaited<ReturnType<typeof startTestApp>>;
  const errors: string[] = [];

  before(async () => {
    const port = await freePort();
    node = classroomNode();
    await node.listen(port, '127.0.0.1');
    proxy = await startTcpProxy(port);
    test = await startTestApp({ RPC_URL: `http://127.0.0.1:${proxy.port}` });
    test = { ...test, app: createApp(test.context, test.services, { log: () => undefined, errorLog: line => errors.push(line) }) };
    await test.services.patients.signup({ username: 'bob', password: 'password1', email: 'b@x.example', fullName: 'Bob', phone: '123' });
  });
  after(async () => {
    await test?.context.close();
    await proxy?.close();
    await node?.close();
  });

  it('gets a 503 within 5 s on a signed-in page, a signup and /healthz, and logs one line for them all', async () => {
    const patient = await login(test.app, 'patient', 'bob', 'password1');
    const signupForm = supertest.agent(test.app);
    const token = /name="_csrf" value="([^"]+)"/.exec((await signupForm.get('/patient/signup')).text)![1];
    proxy.hang();
    try {
      const timed = async (request: PromiseLike<supertest.Response>) => {
        const started = Date.now();
        const res = await request;
        return { status: res.status, text: res.text, ms: Date.now() - started };
      };
      const results = [
        await timed(patient.get('/patient')),
        await timed(signupForm.post('/patient/signup').type('form').send({ _csrf: token, username: 'carol', password: 'password1', email: 'c@x.example', fullName: 'Carol', phone: '1234' })),
        await timed(supertest(test.app).get('/healthz')),
        await timed(patient.get('/patient')),
      ];
      for (const result of results) {
        assert.equal(result.status, 503);
        assert.ok(result.ms < 5000, `answered in ${result.ms} ms`);
      }
      assert.match(results[0].text, new RegExp(`127\\.0\\.0\\.1:${proxy.port}`), 'the 503 page names the node it tried');
      assert.match(results[0].text, /Start the node/);
      assert.equal(errors.filter(line => line.startsWith('ledger:')).length, 1, errors.join('\n'));
      assert.ok(errors.every(line => !/\n\s+at /.test(line)), 'a stack trace was logged');
    } finally {
      proxy.resume();
    }
  });

  it('ends on SIGTERM within 10 s while its node hangs', async () => {
    const server = startServerProcess(
      { DATA_DIR: tempDataDir(), RPC_URL: `http://127.0.0.1:${proxy.port}`, PORT: String(await freePort()), EHR_MASTER_KEY: 'ab'.repeat(32), SESSION_SECRET: 's'.repeat(40) },
      { direct: true },
    );
    const base = await server.ready(90_000);
    proxy.hang();
    try {
      // Its follower polls the node every 2 s: a call to the hung node is under way or soon will be.
      assert.equal((await fetch(`${base}/healthz`)).status, 503);
      const started = Date.now();
      server.child.kill('SIGTERM');
      const code = await server.exited();
      assert.ok(Date.now() - started < 10_000, `exited after ${Date.now() - started} ms`);
      assert.equal(code, 0);
    } finally {
      proxy.resume();
    }
  });
});

async function fetchGenesis(rpcUrl: string): Promise<string> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['0x0', false] }),
  });
  return ((await response.json()) as { result: { hash: string } }).result.hash;
}
