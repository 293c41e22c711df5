import assert from 'node:assert/strict';
import ganache from 'ganache';
import request from 'supertest';
import { createApp } from '../../src/app';
import { createServices } from '../../src/services';
import { startContext, type AppContext } from '../../src/context';
import { freePort, testConfig } from '../support/context';

/** A classroom node: the ganache CLI's defaults, with unlocked accounts. */
function classroomNode() {
  return ganache.server({ logging: { quiet: true }, chain: { hardfork: 'shanghai' as const } });
}

describe('an external node (RPC_URL)', function () {
  this.timeout(120_000);
  let node: ReturnType<typeof classroomNode>;
  let context: AppContext;

  before(async () => {
    const port = await freePort();
    node = classroomNode();
    await node.listen(port, '127.0.0.1');
    context = await startContext(await testConfig({ RPC_URL: `http://127.0.0.1:${port}` }));
  });
  after(async () => {
    await context?.close();
  });

  it('migrates there and acts as its first unlocked account', async () => {
    const [first] = Object.keys(node.provider.getInitialAccounts());
    assert.equal(context.ledger.admin.address, first.toLowerCase());
    assert.equal(context.ledger.admin.privateKey, undefined);
    const { hospitalId } = await context.ledger.client.addHospital(context.ledger.admin, 'Apollo');
    assert.equal(await context.ledger.client.hospital(hospitalId), 'Apollo');
  });

  it('signs custodial accounts\' transactions itself', async () => {
    const patient = (await context.custodian.signer(await context.custodian.createAccount()));
    await context.ledger.client.registerPatient(patient);
    assert.equal(await context.ledger.client.isPatient(patient.address), true);
  });

  it('answers /healthz with 503 within 2 s once the node is gone', async () => {
    const app = createApp(context, createServices(context, { bcryptCost: 4 }));
    await request(app).get('/healthz').expect(200);
    await node.close();
    const started = Date.now();
    const response = await request(app).get('/healthz');
    assert.equal(response.status, 503);
    assert.deepEqual(response.body, { status: 'unavailable' });
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
  });
});
