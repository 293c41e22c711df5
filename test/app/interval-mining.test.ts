/**
 * Ganache with interval mining (`--miner.blockTime 1`), as a teacher may run it to make blocks
 * visible (issue 20). Such a Ganache was reported to strand an account's pipelined transactions
 * in its "queued" pool. The app hands an account's transactions over in nonce order, each send
 * answered before the next: the funder's pipelined transfers of ten signups at once, and one
 * patient's forty reports at once, all land within a few blocks, each once.
 */
import assert from 'node:assert/strict';
import ganache from 'ganache';
import { startContext, type AppContext } from '../../src/context';
import { createServices, type Services } from '../../src/services';
import { freePort, testConfig } from '../support/context';
import { seedWorld, type World } from '../support/world';

describe('on Ganache with interval mining (a block a second)', function () {
  this.timeout(120_000);
  let server: { close(): Promise<void> };
  let context: AppContext;
  let services: Services;
  let world: World;

  before(async () => {
    const port = await freePort();
    const ganacheServer = ganache.server({ logging: { quiet: true }, chain: { hardfork: 'shanghai' }, miner: { blockTime: 1 } });
    await ganacheServer.listen(port, '127.0.0.1');
    server = ganacheServer;
    context = await startContext(await testConfig({ RPC_URL: `http://127.0.0.1:${port}` }));
    services = createServices(context, { bcryptCost: 4, log: () => undefined });
    world = await seedWorld(context, services, { hospitals: [{ name: 'Apollo' }], patients: [{ username: 'alice' }] });
  });
  after(async () => {
    await services?.background.settled();
    await context?.close();
    await server?.close();
  });

  it('signs up ten patients at once, the funder paying each from its pipelined transfers', async () => {
    const signups = await Promise.all(
      Array.from({ length: 10 }, (_, i) => services.patients.signup({ username: `p${i}`, password: 'password1', email: `p${i}@example.org`, fullName: `P ${i}`, phone: '1' })),
    );
    assert.equal(new Set(signups.map(s => s.transactionHash)).size, 10);
  });

  it("lands forty reports one patient sends at once, each once, twice over", async () => {
    const add = (i: number) => services.patients.addReport(world.users.alice, { title: `Visit ${i}`, disease: 'Flu', details: 'Rest', hospitalIds: [world.hospitals.Apollo] });
    await add(0); // the shape's gas estimate: the writes after it are pipelined
    for (let round = 0; round < 2; round++) {
      const before = await context.ledger.chain.latestBlockNumber();
      const written = await Promise.all(Array.from({ length: 40 }, (_, i) => add(i)));
      assert.equal(new Set(written.map(w => w.reportId)).size, 40);
      // Mined within a few intervals, not after each waited out its 30-second receipt limit.
      assert.ok(Math.max(...written.map(w => w.blockNumber)) - before <= 5, `blocks ${[...new Set(written.map(w => w.blockNumber))].join(', ')} after ${before}`);
    }
  });
});
