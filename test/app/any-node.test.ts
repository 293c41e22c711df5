/**
 * Any EVM node by RPC_URL (issue 20): the same suite against an external Ganache (the classroom
 * node), Anvil (Foundry's, from its npm package) and a Hardhat node: the app deploys its contract there, makes
 * every kind of act through its services, gets the contract's refusals decoded to their custom
 * errors (each node returns revert data its own way), explains transactions in the explorer,
 * rebuilds its read model from the node's events, and answers 503 within seconds once the node
 * is gone.
 */
import assert from 'node:assert/strict';
import ganache from 'ganache';
import request from 'supertest';
import { createApp } from '../../src/app';
import { startContext, type AppContext } from '../../src/context';
import { LedgerRevertError } from '../../src/ledger/errors';
import { createServices, type Services } from '../../src/services';
import { startAnvil } from '../support/anvil';
import { startHardhat } from '../support/hardhat';
import { freePort, testConfig } from '../support/context';
import { seedWorld, userIdOf, WORLD_PASSWORD, type World } from '../support/world';
import { rpcResult } from '../support/json-rpc';

interface Node {
  readonly url: string;
  stop(): Promise<void>;
}

const NODES: readonly { name: string; start(): Promise<Node> }[] = [
  {
    name: 'Ganache (external, the classroom node)',
    async start() {
      const port = await freePort();
      const server = ganache.server({ logging: { quiet: true }, chain: { hardfork: 'shanghai' as const } });
      await server.listen(port, '127.0.0.1');
      let closing: Promise<void> | undefined;
      return { url: `http://127.0.0.1:${port}`, stop: () => (closing ??= server.close()) };
    },
  },
  { name: 'Anvil', start: () => startAnvil() },
  { name: 'a Hardhat node', start: () => startHardhat() },
];

/** The contract's custom error a write was refused with. */
async function refusal(write: Promise<unknown>): Promise<string> {
  const error = await write.then(
    () => assert.fail('the write was not refused'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof LedgerRevertError, `not a decoded revert: ${String(error)}`);
  return error.error.name;
}

for (const { name, start } of NODES) {
  describe(`on ${name}`, function () {
    this.timeout(180_000);
    let node: Node;
    let context: AppContext;
    let services: Services;
    let world: World;

    before(async () => {
      node = await start();
      context = await startContext(await testConfig({ RPC_URL: node.url }));
      services = createServices(context, { bcryptCost: 4, log: () => undefined });
      await services.auth.ensureAdminPassword(context.config.adminPassword);
    });
    after(async () => {
      await services?.background.settled();
      await context?.close();
      await node?.stop();
    });

    it('deploys the contract behind its proxy, and makes every kind of act', async () => {
      assert.equal(context.ledger.deployment.version, '2.0.0');
      world = await seedWorld(context, services, {
        hospitals: [{ name: 'Apollo' }, { name: 'Care' }],
        doctors: [
          { username: 'drsmith', hospital: 'Apollo', fullName: 'John Smith' },
          { username: 'drrao', hospital: 'Care', fullName: 'Priya Rao' },
        ],
        patients: [{ username: 'alice', fullName: 'Alice Kumar' }],
        reports: [{ patient: 'alice', title: 'Blood test', sharedWith: ['Apollo'] }],
      });
      const [report] = world.reports;
      const alice = world.users.alice;
      await services.patients.share(alice, report, world.hospitals.Care, Math.floor(Date.now() / 1000) + 86_400);
      await services.patients.revoke(alice, report, world.hospitals.Care);
      await services.doctors.prescribe(world.users.drsmith, report, { medicines: 'Metformin 500 mg', dosage: 'Twice a day', instructions: 'With food' });
      await services.doctors.recordAccess(world.users.drsmith, report);
      const pharmacy = (await services.admin.addOrganisation('pharmacy', { name: 'MedPlus', address: 'MG Road 1', phone: '222' })).organisationId;
      const insurer = (await services.admin.addOrganisation('insurer', { name: 'Star Health', address: 'Anna Salai 2', phone: '333' })).organisationId;
      await services.admin.addStaff('pharmacist', { username: 'phil', fullName: 'Phil Mathew', password: WORLD_PASSWORD, email: 'phil@example.org', organisationId: pharmacy });
      await services.admin.addStaff('insurer', { username: 'ivy', fullName: 'Ivy Das', password: WORLD_PASSWORD, email: 'ivy@example.org', organisationId: insurer });
      await services.pharmacy.send(alice, { reportId: report, index: 0 }, pharmacy);
      await services.pharmacy.dispense(userIdOf(context, 'phil'), { reportId: report, index: 0 });
      const { claimId } = await services.insurers.file(alice, { reportId: report, insurerId: insurer, amount: 5000 });
      await services.insurers.decide(userIdOf(context, 'ivy'), claimId, { decision: 'approve', amount: 4000, note: 'Covered' });
      const { emergencyId } = await services.emergencies.open(world.users.drrao, { patient: 'alice', reason: 'Unconscious on arrival; needs her history' });
      await services.emergencies.end(alice, emergencyId);
      await services.admin.removeStaff('drrao');
      await services.background.settled();
      const detail = await services.patients.report(alice, report);
      assert.equal(detail.checked.integrity, 'verified');
      assert.equal(detail.prescriptions.length, 1);
      assert.deepEqual(detail.hospitals.map(h => [h.name, h.state]), [['Apollo', 'live'], ['Care', 'ended']]);
    });

    it('sends EIP-1559 transactions, paying the base fee and its tip', async () => {
      const rpc = <T>(method: string, params: unknown[]) => rpcResult<T>(node.url, method, params);
      const latest = await rpc<{ transactions: { type: string; hash: string; maxFeePerGas?: string; maxPriorityFeePerGas?: string }[]; baseFeePerGas: string }>('eth_getBlockByNumber', ['latest', true]);
      const [tx] = latest.transactions; // the app's last write
      assert.equal(Number(tx.type), 2, `a transaction of type ${tx.type}`);
      assert.ok(BigInt(tx.maxFeePerGas!) >= BigInt(latest.baseFeePerGas) + BigInt(tx.maxPriorityFeePerGas!));
      const receipt = await rpc<{ effectiveGasPrice: string }>('eth_getTransactionReceipt', [tx.hash]);
      assert.equal(BigInt(receipt.effectiveGasPrice), BigInt(latest.baseFeePerGas) + BigInt(tx.maxPriorityFeePerGas!));
    });

    it("decodes the contract's refusals to their custom errors", async () => {
      const [report] = world.reports;
      const alice = await context.custodian.signer((await context.store.users.findByUsername('alice'))!.address);
      assert.equal(await refusal(context.ledger.client.revokeReport(alice, report, world.hospitals.Care)), 'EHRGrantEnded');
      const rao = await context.custodian.signer((await context.store.users.findByUsername('drrao'))!.address);
      assert.equal(await refusal(context.ledger.client.addPrescription(rao, report, `0x${'ab'.repeat(32)}`)), 'EHRNotStaff');
      const phil = await context.custodian.signer((await context.store.users.findByUsername('phil'))!.address);
      assert.equal(await refusal(context.ledger.client.dispensePrescription(phil, report, 0)), 'EHRAlreadyDispensed');
    });

    it('explains its transactions in the explorer', async () => {
      const added = await context.store.readModel.report(world.reports[0]);
      assert.ok(added);
      const viewer = await services.explorer.viewer({ role: 'admin', id: 0 });
      const { transactions } = await services.explorer.block(added.blockNumber, viewer);
      assert.ok(transactions.some(tx => tx.hash === added.transactionHash));
      const tx = await services.explorer.transaction(added.transactionHash, viewer);
      assert.equal(tx.call?.name, 'addReport');
      assert.match(tx.what, /^addReport: report \d+ added, shared with 1 hospital/);
    });

    it('rebuilds the read model from the events alone, as it was', async () => {
      const before = await context.store.readModel.commitments();
      await services.sync.reindex();
      assert.deepEqual(await context.store.readModel.commitments(), before);
      const check = await services.integrity.run();
      assert.equal(check.tampered + check.missing, 0);
      assert.equal(check.findings.length, 0);
    });

    it('answers /healthz with 503 within seconds once the node is gone', async () => {
      const app = createApp(context, services, { log: () => undefined });
      await request(app).get('/healthz').expect(200);
      await node.stop();
      const started = Date.now();
      const response = await request(app).get('/healthz');
      assert.equal(response.status, 503);
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    });
  });
}
