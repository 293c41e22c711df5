/**
 * An external node (RPC_URL) that stops and comes back: the app says so at once (503s, nothing
 * of a refused write left behind) and recovers by itself, without a restart, within 10 s.
 */
import assert from 'node:assert/strict';
import ganache from 'ganache';
import supertest from 'supertest';
import type { Express, Request, Response } from 'express';
import type { AppContext } from '../../src/context';
import { LedgerUnavailableError } from '../../src/ledger/errors';
import { errorHandler, toHttpError } from '../../src/web/http-error';
import type { Services } from '../../src/services';
import { createLedgerWriter } from '../../src/features/records/writer';
import { createVault } from '../../src/features/records/vault';
import { freePort, sqlOf, startTestApp, tempDataDir } from '../support/context';
import { addReport, csrfFrom, login, page, type Agent } from '../support/http';
import { userIdOf } from '../support/world';

/** A classroom node whose chain lives in `dbPath`, so that it can stop and start again. */
function classroomNode(dbPath: string) {
  return ganache.server({
    logging: { quiet: true },
    chain: { hardfork: 'shanghai' as const },
    wallet: { deterministic: true },
    database: { dbPath },
  });
}

/** Polls `probe` until it resolves truthy; resolves with the time it took, in ms. */
async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) assert.fail(`${what} not within ${timeoutMs} ms`);
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

describe('a node outage (RPC_URL to a node that stops)', function () {
  this.timeout(120_000);
  const chainDir = tempDataDir('outage-chain');
  let port: number;
  let node: ReturnType<typeof classroomNode>;
  let context: AppContext;
  let services: Services;
  let app: Express;
  let patient: Agent;
  let token: string;
  let reportId: number;
  let hospitalId: number;
  let stopFollowing: () => void = () => undefined;

  const count = (table: string) => sqlOf(context).prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()!.n;
  const counts = () => Object.fromEntries(['bodies', 'users', 'ledger_reports', 'ledger_grants', 'ledger_organisations'].map(t => [t, count(t)]));
  const aliceAddress = () => sqlOf(context).prepare<[], { address: string }>("SELECT address FROM users WHERE username = 'alice'").get()!.address;
  const aliceId = () => userIdOf(context, 'alice');

  before(async () => {
    port = await freePort();
    node = classroomNode(chainDir);
    await node.listen(port, '127.0.0.1');
    // production: the 503s it causes are logged as one line each, without stacks.
    ({ context, services, app } = await startTestApp({ RPC_URL: `http://127.0.0.1:${port}`, NODE_ENV: 'production' }));
    ({ hospitalId } = await services.admin.addHospital({ name: 'Apollo', address: 'A', phone: '111' }));
    await services.patients.signup({ username: 'alice', password: 'password1', email: 'a@x.example', fullName: 'Alice', phone: '123' });
    patient = await login(app, 'patient', 'alice', 'password1');
    ({ id: reportId } = await addReport(patient, { title: 'Before', disease: 'D', details: 'X', hospitalIds: [hospitalId] }));
    token = csrfFrom(await page(patient, '/patient'));
    stopFollowing = services.sync.follow();
  });
  after(async () => {
    stopFollowing();
    await context?.close();
    await node?.close().catch(() => undefined);
  });

  describe('while the node is stopped', () => {
    before(async () => {
      await node.close();
    });

    it('answers /healthz with 503 within 2 s', async () => {
      const started = Date.now();
      const res = await supertest(app).get('/healthz');
      assert.equal(res.status, 503);
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    });

    it('answers every signed-in page with a clear 503 page; public pages still answer', async () => {
      for (const path of ['/patient', `/patient/reports/${reportId}`]) {
        const started = Date.now();
        const res = await patient.get(path);
        assert.equal(res.status, 503, `GET ${path} answered ${res.status}`);
        assert.match(res.text, /Ledger unavailable/);
        assert.match(res.text, /blockchain node cannot be reached/);
        assert.ok(Date.now() - started < 2000, `GET ${path} took ${Date.now() - started} ms`);
      }
      for (const path of ['/', '/patient/login', '/patient/signup']) assert.equal((await supertest(app).get(path)).status, 200, path);
    });

    it('refuses a report with 503 and keeps nothing of it', async () => {
      const before = counts();
      const res = await patient.post('/patient/reports').type('form').send({ _csrf: token, title: 'During', disease: 'D', details: 'Y', hospitalIds: String(hospitalId) });
      assert.equal(res.status, 503);
      assert.match(res.text, /Nothing was changed/);
      assert.deepEqual(counts(), before);
    });

    it('discards the pending body of a write the node never received', async () => {
      // Past the page check: the service itself, as a request already under way when the node went.
      const before = counts();
      await assert.rejects(services.patients.addReport(aliceId(), { title: 'Direct', disease: 'D', details: 'Z', hospitalIds: [] }), (error: unknown) => {
        assert.ok(error instanceof LedgerUnavailableError, String(error));
        assert.equal(error.notSent, true);
        return true;
      });
      assert.deepEqual(counts(), before);
    });

    it('does not tell the user that nothing changed when a write may have been sent', () => {
      const uncertain = toHttpError(new LedgerUnavailableError('transaction 0x… was not mined in time'), { write: true });
      assert.equal(uncertain?.status, 503);
      assert.match(uncertain?.message ?? '', /may or may not have been saved/);
      const refused = toHttpError(new LedgerUnavailableError('refused', { notSent: true }), { write: true });
      assert.match(refused?.message ?? '', /Nothing was changed/);
      assert.match(toHttpError(new LedgerUnavailableError('down'))?.message ?? '', /cannot be reached/);
    });

    it('keeps the pending body of a write whose outcome is unknown, for reconciliation', async () => {
      const writer = createLedgerWriter(context.store, createVault(context.store.bodies, context.masterKey));
      const maybeSent = writer.writeWithBody('report', aliceAddress(), { title: 'Maybe', disease: 'D', details: 'M' }, () =>
        Promise.reject(new LedgerUnavailableError('transaction 0x… was not mined in time')),
      );
      await assert.rejects(maybeSent, LedgerUnavailableError);
      const pending = sqlOf(context).prepare<[], { commitment: string }>("SELECT commitment FROM bodies WHERE status = 'pending'").all();
      assert.equal(pending.length, 1);
      sqlOf(context).prepare('DELETE FROM bodies WHERE commitment = ?').run(pending[0].commitment); // not part of the later checks
    });

    it('refuses a signup with 503 and stores no login', async () => {
      const visitor = supertest.agent(app);
      const signupToken = csrfFrom(await page(visitor, '/patient/signup'));
      const res = await visitor
        .post('/patient/signup')
        .type('form')
        .send({ _csrf: signupToken, username: 'bob', password: 'password1', email: 'b@x.example', fullName: 'Bob', phone: '123' });
      assert.equal(res.status, 503);
      assert.equal(sqlOf(context).prepare("SELECT 1 FROM users WHERE username = 'bob'").get(), undefined);
    });
  });

  describe('when the node comes back', () => {
    it('recovers by itself within 10 s: health, pages, writes and the read model', async () => {
      node = classroomNode(chainDir);
      await node.listen(port, '127.0.0.1');
      const restarted = Date.now();
      const healthy = await until(async () => (await supertest(app).get('/healthz')).status === 200, 10_000, '/healthz 200');
      await until(async () => (await patient.get('/patient')).status === 200, 10_000, 'the dashboard');
      const saved = await addReport(patient, { title: 'After', disease: 'D', details: 'W', hospitalIds: [hospitalId] });
      assert.ok(saved.id > reportId);
      // Written elsewhere (not through the app): the follower brings it into the read model.
      const { hospitalId: elsewhere } = await context.ledger.client.addHospital(context.ledger.admin, 'Written elsewhere');
      sqlOf(context).prepare('DELETE FROM ledger_organisations WHERE id = ?').run(elsewhere); // as if the app had not seen its receipt
      await until(async () => (await services.admin.hospitals()).some(h => h.id === elsewhere), 10_000, 'the follower catching up');
      const recovered = Date.now() - restarted;
      console.log(`      /healthz back after ${healthy} ms; all recovered after ${recovered} ms`);
      assert.ok(recovered < 10_000, `recovered after ${recovered} ms`);
      const titles = rowsOf(await page(patient, '/patient'));
      assert.deepEqual(titles, ['After', 'Before'], 'nothing of the refused writes is shown');
    });
  });
});

describe('the outage log', () => {
  /** The error handler on a clock of the test's, its log lines kept; `refuse` answers one request with `error`. */
  function handlerAt(clock: { now: number }) {
    const lines: string[] = [];
    const handle = errorHandler({ production: true, log: line => lines.push(line), now: () => clock.now });
    const refuse = (error: Error) => {
      const answer = { status: 0 };
      const res = { headersSent: false, status: (code: number) => ((answer.status = code), res), render: () => undefined };
      handle(error, { method: 'GET', originalUrl: '/patient' } as Request, res as unknown as Response, () => undefined);
      return answer.status;
    };
    return { lines, refuse };
  }

  it('logs an outage once a minute, with how many requests were answered 503 since the last line', () => {
    const clock = { now: 0 };
    const { lines, refuse } = handlerAt(clock);
    const down = () => new LedgerUnavailableError('node at http://127.0.0.1:8545 is unreachable');
    // A classroom reloading at once: one line, not one a request.
    assert.deepEqual([refuse(down()), refuse(down()), refuse(down())], [503, 503, 503]);
    assert.deepEqual(lines, ['ledger: node at http://127.0.0.1:8545 is unreachable']);
    clock.now = 59_000;
    refuse(down());
    assert.equal(lines.length, 1, 'a second line within the minute');
    clock.now = 61_000;
    refuse(down());
    assert.equal(lines.length, 2);
    // The two unlogged at 0 s, the one at 59 s and this one.
    assert.equal(lines[1], 'ledger: node at http://127.0.0.1:8545 is unreachable (4 requests answered 503 since the last line)');
  });
});

/** The report titles a patient's dashboard lists, in page order. */
function rowsOf(html: string): string[] {
  return [...html.matchAll(/<a href="\/patient\/reports\/\d+">([^<]*)<\/a>/g)].map(m => m[1]);
}
