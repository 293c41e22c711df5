/**
 * Two app servers on one PostgreSQL database and one external node (Anvil), as a consortium
 * would run them behind a proxy (issue 20): a session made on one works on the other; one
 * patient's 20 concurrent writes through both land once each, with no nonce clash (each
 * account's nonces are taken under a lock the servers share); one deploys the contract while the
 * other waits and finds it; exactly one follows the chain, and when it is killed mid-writes, what
 * it acknowledged is all there and the other carries on — following the chain in its place.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Web3 } from 'web3';
import { tempDataDir } from '../support/context';
import { startAnvil, type AnvilNode } from '../support/anvil';
import { pollUntil } from '../support/poll';
import { freePort } from '../support/ports';
import { postgresCluster } from '../support/postgres';
import { startServerProcess, type ServerProcess } from '../support/process';

const PASSWORD = 'two-servers-pass';
const ADMIN_PASSWORD = 'two-servers-admin';
const CSRF = /<input type="hidden" name="_csrf" value="([^"]+)">/;

/** A browser's session: one cookie, sent to whichever server it talks to. */
class Visitor {
  cookie = '';

  async request(base: string, path: string, init: RequestInit = {}): Promise<{ status: number; location: string | undefined; text: string }> {
    const res = await fetch(base + path, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(this.cookie ? { cookie: this.cookie } : {}) },
      signal: AbortSignal.timeout(60_000),
    });
    for (const line of res.headers.getSetCookie()) if (line.startsWith('ehr.sid=')) this.cookie = line.split(';')[0];
    return { status: res.status, location: res.headers.get('location') ?? undefined, text: await res.text() };
  }

  async token(base: string, page: string): Promise<string> {
    const match = CSRF.exec((await this.request(base, page)).text);
    assert.ok(match, `no form on ${page}`);
    return match[1];
  }

  async post(base: string, path: string, fields: Record<string, string>, token: string) {
    const body = new URLSearchParams({ _csrf: token, ...fields });
    return this.request(base, path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }
}

describe('two app servers on one PostgreSQL and one node', function () {
  this.timeout(300_000);
  let node: AnvilNode;
  let a: ServerProcess, b: ServerProcess;
  let baseA: string, baseB: string;
  /** The servers still running (the follower's test kills one). */
  let live: string[] = [];
  let cluster: Awaited<ReturnType<typeof postgresCluster>>;
  const dirs: string[] = [];
  const patient = new Visitor();

  async function server(databaseUrl: string): Promise<{ process: ServerProcess; base: string }> {
    const dir = tempDataDir('two-servers');
    dirs.push(dir);
    const process = startServerProcess(
      { DATABASE_URL: databaseUrl, RPC_URL: node.url, DATA_DIR: dir, PORT: String(await freePort()), HOST: '127.0.0.1', ADMIN_PASSWORD, CHAIN_PORT: 'off' },
      { direct: true },
    );
    return { process, base: await process.ready(180_000) };
  }

  before(async () => {
    cluster = await postgresCluster();
    const databaseUrl = await cluster.createDatabase('two-servers');
    node = await startAnvil();
    // Both at once: one deploys the contract, the other waits for it and finds it.
    [{ process: a, base: baseA }, { process: b, base: baseB }] = await Promise.all([server(databaseUrl), server(databaseUrl)]);
    live = [baseA, baseB];
  });

  after(async () => {
    for (const p of [a, b]) if (p && p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all([a?.exited(), b?.exited()]);
    await node?.stop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs both on one contract', async () => {
    const [healthA, healthB] = await Promise.all([baseA, baseB].map(async base => (await fetch(`${base}/healthz`)).json() as Promise<{ contract: string; chainId: number }>));
    assert.equal(healthA.contract, healthB.contract);
    assert.equal(healthA.chainId, 31337);
    assert.equal(await new Web3(node.url).eth.getCode(healthA.contract).then(code => code.length > 2), true);
    const deployed = [a, b].filter(p => /deployed/i.test(p.stdout())).length;
    assert.equal(deployed, 1, `one server deployed the contract:\nA: ${a.stdout()}\nB: ${b.stdout()}`);
  });

  it('keeps a session made on one server on the other', async () => {
    const signup = await patient.post(baseA, '/patient/signup', { username: 'alice', password: PASSWORD, email: 'alice@example.org', fullName: 'Alice Kumar', phone: '+91 98765 43210' }, await patient.token(baseA, '/patient/signup'));
    assert.equal(signup.status, 303, signup.text.slice(0, 500));
    const login = await patient.post(baseB, '/patient/login', { username: 'alice', password: PASSWORD }, await patient.token(baseB, '/patient/login'));
    assert.equal(login.status, 303);
    const onA = await patient.request(baseA, '/patient');
    assert.equal(onA.status, 200, 'the session B made, on A');
    assert.match(onA.text, /Alice Kumar/);
  });

  it("lands one patient's 20 concurrent writes through both servers once each", async () => {
    const token = await patient.token(baseA, '/patient');
    const titles = Array.from({ length: 20 }, (_, i) => `Concurrent report ${i + 1}`);
    const answers = await Promise.all(
      titles.map((title, i) => patient.post(i % 2 ? baseB : baseA, '/patient/reports', { title, disease: 'Checked twice', details: 'Written through two servers at once' }, token)),
    );
    assert.deepEqual(answers.map(answer => answer.status), titles.map(() => 303), answers.map(answer => answer.text.slice(0, 200)).join('\n'));
    for (const base of [baseA, baseB]) {
      const html = (await patient.request(base, '/patient?page=1')).text;
      for (const title of titles.slice(-10)) assert.equal(html.split(`>${title}<`).length - 1, 1, `${title} once on ${base}`);
    }
  });

  it('follows the chain in one server only, and in the other once it is killed mid-writes; nothing acknowledged is lost', async () => {
    const FOLLOWS = /this server now follows the chain/;
    await pollUntil(() => [a, b].some(p => FOLLOWS.test(p.stdout())), 'a server to follow the chain', { timeoutMs: 20_000 });
    const [leader, other] = FOLLOWS.test(a.stdout()) ? [a, b] : [b, a];
    const [leaderBase, otherBase] = leader === a ? [baseA, baseB] : [baseB, baseA];
    assert.doesNotMatch(other.stdout(), FOLLOWS, 'one follower at a time');

    const token = await patient.token(leaderBase, '/patient');
    const acknowledged: string[] = [];
    const writes = Array.from({ length: 12 }, (_, i) => `Before the crash ${i + 1}`).map(async title => {
      const answer = await patient.post(leaderBase, '/patient/reports', { title, disease: 'Crash test', details: 'Sent to the server that dies' }, token).catch(() => undefined);
      if (answer?.status === 303) acknowledged.push(title);
    });
    await pollUntil(() => acknowledged.length >= 3, 'a few writes acknowledged by the follower', { timeoutMs: 60_000 });
    leader.child.kill('SIGKILL');
    live = [otherBase];
    await Promise.all(writes);
    await leader.exited();

    // The other carries on: every write the dead one acknowledged is listed, and it takes new ones.
    const listed = async () => {
      let html = '';
      for (let page = 1; page <= 3; page++) html += (await patient.request(otherBase, `/patient?page=${page}`)).text;
      return html;
    };
    const html = await pollUntil(async (): Promise<string | undefined> => {
      const all = await listed();
      return acknowledged.every(title => all.includes(`>${title}<`)) ? all : undefined;
    }, 'the survivor to list every write the dead server acknowledged', { timeoutMs: 30_000 });
    for (const title of acknowledged) assert.equal(html.split(`>${title}<`).length - 1, 1, `${title} once`);
    const after = await patient.post(otherBase, '/patient/reports', { title: 'After the crash', disease: 'Still here', details: 'One server left' }, token);
    assert.equal(after.status, 303);

    // And it follows the chain now: a hospital added on the node directly (no server wrote it)
    // reaches its read model.
    await pollUntil(() => FOLLOWS.test(other.stdout()), 'the survivor to take the follower lease', { timeoutMs: 20_000 });
    const web3 = new Web3(node.url);
    const { contract } = (await (await fetch(`${otherBase}/healthz`)).json()) as { contract: string };
    const artifact = JSON.parse(fs.readFileSync(path.join(__dirname, '../../build/contracts/EHRv2.json'), 'utf8')) as { abi: never };
    const [admin] = await web3.eth.getAccounts();
    await new web3.eth.Contract(artifact.abi, contract).methods.addOrganisation(1, 'Hospital On The Node').send({ from: admin, gas: '300000' });
    const visitor = new Visitor();
    const login = await visitor.post(otherBase, '/admin/login', { username: 'admin', password: ADMIN_PASSWORD }, await visitor.token(otherBase, '/admin/login'));
    assert.equal(login.status, 303);
    await pollUntil(async () => (await visitor.request(otherBase, '/admin')).text.includes('Hospital On The Node'), 'the hospital added on the node to reach the read model', { timeoutMs: 20_000 });
  });
  it('answers 503 while PostgreSQL restarts, recovers by itself, and loses nothing it acknowledged', async () => {
    const token = await patient.token(live[0], '/patient');
    const acknowledged: string[] = [];
    const answers: number[] = [];
    let writing = true;
    let n = 0;
    const writer = (async () => {
      while (writing) {
        const title = `Through the restart ${++n}`;
        const answer = await patient.post(live[n % live.length], '/patient/reports', { title, disease: 'Restart test', details: 'Sent while the database restarts' }, token).catch(() => undefined);
        answers.push(answer?.status ?? 0);
        if (answer?.status === 303) acknowledged.push(title);
      }
    })();
    try {
      await pollUntil(() => acknowledged.length >= 2, 'writes before the restart', { timeoutMs: 30_000 });
      cluster.stop();
      try {
        await pollUntil(() => answers.slice(-1)[0] === 503, 'a 503 while the database is down', { timeoutMs: 30_000 }).catch((error: Error) =>
          assert.fail(`${error.message}: answers ${answers.join(' ')}`),
        );
        const page = await patient.request(live[0], '/patient');
        assert.equal(page.status, 503, 'a page needs the database too');
      } finally {
        cluster.start(); // returns once PostgreSQL accepts connections (pg_ctl -w)
      }
      const restarted = Date.now();
      // The target is 10 s; here 1–3 s is usual, but a CI machine running two test
      // workers beside two servers has taken longer once: the bound is 30 s, the time is printed.
      await pollUntil(async () => (await Promise.all(live.map(async base => (await patient.request(base, '/patient')).status))).every(status => status === 200), 'the servers to recover', {
        timeoutMs: 30_000,
        everyMs: 100,
      });
      console.log(`      (the servers answered again ${Date.now() - restarted} ms after PostgreSQL was back)`);
      const before = acknowledged.length;
      await pollUntil(() => acknowledged.length >= before + 2, 'writes after the restart', { timeoutMs: 30_000 });
    } finally {
      writing = false; // also when a step failed: the next test must not meet this writer
      await writer;
    }
    let html = '';
    for (let page = 1; page <= 4; page++) html += (await patient.request(live[0], `/patient?page=${page}`)).text;
    for (const title of acknowledged) assert.equal(html.split(`>${title}<`).length - 1, 1, `${title}, acknowledged, is listed once`);
  });

});
