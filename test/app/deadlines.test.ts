/**
 * Deadlines at the call level: a node that answers everything but the one call that hands a
 * transaction over. The write must not wait for ever on it (HAND_OVER_TIMEOUT_MS, 20 s: a busy
 * Ganache legitimately queues a send behind its mining): the user gets a 503 that says the write
 * may or may not have been saved, soon after, and the account's next write,
 * once the node answers again, takes its nonce from the node — whether the lost hand-over
 * reached the node (and landed) or not.
 */
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { HAND_OVER_TIMEOUT_MS } from '../../src/ledger/rpc-timeout';
import { startTestApp } from '../support/context';
import { startGanacheServer, type GanacheServer } from '../support/ganache';
import { addReport, login, post, signupPatient, type Agent } from '../support/http';
import { startRpcProxy, type RpcProxy } from '../support/rpc-proxy';

type TestApp = Awaited<ReturnType<typeof startTestApp>>;

/** The hand-over's deadline, and a margin for the page around it on a busy machine. */
const ANSWER_WITHIN_MS = HAND_OVER_TIMEOUT_MS + 3_000;
const MAYBE_SAVED = /may or may not have been saved/;

/** The response to `request`, and how long it took. */
async function timed(request: PromiseLike<supertest.Response>) {
  const started = Date.now();
  const response = await request;
  return { response, ms: Date.now() - started };
}

describe('a node that never answers the hand-over of a transaction (eth_sendRawTransaction)', function () {
  this.timeout(120_000);
  let node: GanacheServer;
  let proxy: RpcProxy;
  let test: TestApp;
  let hospitalId: number;

  before(async () => {
    node = await startGanacheServer();
    proxy = await startRpcProxy(node.url);
    test = await startTestApp({ RPC_URL: proxy.url });
    hospitalId = (await test.services.admin.addHospital({ name: 'Apollo', address: 'A', phone: '123' })).hospitalId;
    await signupPatient(test.app, { username: 'bob', password: 'password1', email: 'b@x.example', fullName: 'Bob', phone: '123' });
  });
  afterEach(() => proxy?.resume());
  after(async () => {
    await test?.context.close();
    await proxy?.close();
    await node?.close();
  });

  it('answers a signup with a 503 that says it may or may not have been saved, once the hand-over deadline has passed; the next signup lands', async () => {
    const visitor = supertest.agent(test.app);
    const carol = { username: 'carol', password: 'password1', email: 'c@x.example', fullName: 'Carol', phone: '1234' };
    const forwardedBefore = proxy.forwardedInAll();
    proxy.hang('eth_sendRawTransaction');
    const { response, ms } = await timed(post(visitor, '/patient/signup', '/patient/signup', carol));
    assert.equal(response.status, 503, response.text.slice(0, 500));
    assert.match(response.text, MAYBE_SAVED);
    assert.ok(ms >= HAND_OVER_TIMEOUT_MS - 500 && ms < ANSWER_WITHIN_MS, `answered in ${ms} ms`);
    assert.ok(proxy.count('eth_sendRawTransaction').held >= 1, 'the hand-over was never tried');
    assert.ok(proxy.forwardedInAll() > forwardedBefore, 'the node was not asked anything else: it was not one call that hung');

    proxy.resume();
    // The same name again: the dead signup let go of it, and made no login.
    await signupPatient(test.app, carol);
    await login(test.app, 'patient', 'carol', 'password1');
  });

  it('answers a report with that 503 when the node took the transaction but its answer never came; the next report takes the next nonce', async () => {
    const patient: Agent = await login(test.app, 'patient', 'bob', 'password1');
    const bob = (await test.context.store.users.findByUsername('bob'))!;
    const { client } = test.context.ledger;
    const before = (await client.reportsOf(bob.address)).length;
    proxy.hang('eth_sendRawTransaction', { reachesNode: true });
    const fields = { title: 'Lost answer', disease: 'Flu', details: 'Sent, never acknowledged', hospitalIds: [String(hospitalId)] };
    const { response, ms } = await timed(post(patient, '/patient', '/patient/reports', fields));
    assert.equal(response.status, 503, response.text.slice(0, 500));
    assert.match(response.text, MAYBE_SAVED);
    assert.ok(ms >= HAND_OVER_TIMEOUT_MS - 500 && ms < ANSWER_WITHIN_MS, `answered in ${ms} ms`);

    proxy.resume();
    // It landed: the next write must not reuse its nonce (the node would refuse it) nor skip one.
    const next = await addReport(patient, { title: 'After', disease: 'Flu', details: 'Acknowledged', hospitalIds: [hospitalId] });
    const reports = await client.reportsOf(bob.address);
    assert.equal(reports.length, before + 2, 'the lost hand-over and the next one are both on the ledger');
    assert.equal(reports[0], next.id, 'the next report is the newest (reportsOf lists newest first)');
  });
});
