/**
 * The check before every page that needs the node (src/web/ledger-check.ts), on a real external
 * node behind a proxy that counts its calls: requests at once share one check, and so do the
 * requests within CHECK_FRESH_MS of a check that passed; the next after that window checks again;
 * a failed check is never reused, nor a passed one once the ledger has a problem.
 */
import assert from 'node:assert/strict';
import express from 'express';
import supertest from 'supertest';
import type { Ledger } from '../../src/ledger';
import { CHECK_FRESH_MS, ledgerRequired } from '../../src/web/ledger-check';
import { startTestContext } from '../support/context';
import { startGanacheServer, type GanacheServer } from '../support/ganache';
import { startRpcProxy, type RpcProxy } from '../support/rpc-proxy';

type Context = Awaited<ReturnType<typeof startTestContext>>;

describe('the check before a page that needs the node', function () {
  this.timeout(60_000);
  let node: GanacheServer;
  let proxy: RpcProxy;
  let context: Context;
  let clock = 0;
  let problem: Error | undefined;

  /** An app with only the check in front of an anonymous write (which needs the node). */
  function appWithCheck(ledger: Pick<Ledger, 'health' | 'lastProblem'>) {
    const app = express();
    app.use(ledgerRequired(ledger, 1_000, () => clock));
    app.post('/write', (_req, res) => void res.send('ok'));
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(503).send(error.message));
    return app;
  }
  // Genesis-block reads: one per check on a node by URL (eth_chainId is asked elsewhere too).
  const checks = () => proxy.count('eth_getBlockByNumber').forwarded;

  before(async () => {
    node = await startGanacheServer();
    proxy = await startRpcProxy(node.url);
    context = await startTestContext({ RPC_URL: proxy.url });
  });
  after(async () => {
    await context?.close();
    await proxy?.close();
    await node?.close();
  });
  beforeEach(() => {
    clock += 10 * CHECK_FRESH_MS;
    problem = undefined;
    proxy.resume();
  });

  const ledger = () => ({ health: (timeoutMs?: number) => context.ledger.health(timeoutMs), lastProblem: () => problem ?? context.ledger.lastProblem() });

  it('makes one check for twenty requests at once', async () => {
    const app = appWithCheck(ledger());
    const before = checks();
    const answers = await Promise.all(Array.from({ length: 20 }, () => supertest(app).post('/write')));
    assert.deepEqual(new Set(answers.map(answer => answer.status)), new Set([200]));
    assert.equal(checks() - before, 1);
  });

  it(`lets a passed check answer for the requests within ${CHECK_FRESH_MS} ms of it, and checks again after`, async () => {
    const app = appWithCheck(ledger());
    const before = checks();
    await supertest(app).post('/write').expect(200);
    clock += CHECK_FRESH_MS - 1;
    await supertest(app).post('/write').expect(200);
    assert.equal(checks() - before, 1);
    clock += 2;
    await supertest(app).post('/write').expect(200);
    assert.equal(checks() - before, 2);
  });

  it('never reuses a failed check: the node that comes back is seen by the next request', async () => {
    const app = appWithCheck(ledger());
    proxy.hang('eth_blockNumber');
    await supertest(app).post('/write').expect(503);
    proxy.resume();
    await supertest(app).post('/write').expect(200); // at the same moment: the failure is not kept
  });

  it('does not let a passed check hide a problem the ledger found since (the follower may find a wrong chain)', async () => {
    const app = appWithCheck(ledger());
    await supertest(app).post('/write').expect(200);
    proxy.hang('eth_blockNumber');
    problem = new Error('found by the follower');
    await supertest(app).post('/write').expect(503); // within the window, yet checked again
  });
});
