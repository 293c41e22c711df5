import assert from 'node:assert/strict';
import type { AppContext } from '../../src/context';
import { createVault } from '../../src/features/records/vault';
import type { Services } from '../../src/services';
import { READ_MODEL_TABLES } from '../../src/store/events';
import { sqlOf, startTestApp } from '../support/context';
import { seedWorld } from '../support/world';

// Every table of the read model, ledger_acts too: after a reindex the acts are the same rows (its
// key, tx_hash and log_index, sorts them).
const TABLES: readonly string[] = READ_MODEL_TABLES;

describe('ledger sync', function () {
  this.timeout(120_000);
  let context: AppContext;
  let services: Services;
  let alice: number;
  let drSmith: number;

  const snapshot = () => Object.fromEntries(TABLES.map(table => [table, sqlOf(context).prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all()]));
  const statusOf = (commitment: string) => sqlOf(context).prepare<[string], { status: string }>('SELECT status FROM bodies WHERE commitment = ?').get(commitment)?.status;

  before(async () => {
    ({ context, services } = await startTestApp());
    const world = await seedWorld(context, services, {
      hospitals: [{ name: 'Apollo', address: 'A', phone: '111' }, { name: 'Care', address: 'C', phone: '222' }],
      doctors: [{ fullName: 'John Smith', username: 'drsmith', email: 's@a.example', hospital: 'Apollo' }],
      patients: [{ username: 'alice', email: 'a@x.example', fullName: 'Alice' }],
      reports: [{ patient: 'alice', title: 'T', sharedWith: ['Apollo', 'Care'] }],
    });
    [alice, drSmith] = [world.users.alice, world.users.drsmith];
    const [reportId] = world.reports;
    await services.patients.revoke(alice, reportId, world.hospitals.Care);
    await services.doctors.prescribe(drSmith, reportId, { medicines: 'M', dosage: 'D', instructions: 'I' });
  });
  after(async () => context?.close());

  it('rebuilds the same read model from the ledger alone', async () => {
    await services.sync.catchUp();
    const before = snapshot();
    assert.equal(before.ledger_organisations.length, 2);
    assert.equal(before.ledger_staff.length, 1);
    assert.equal(before.ledger_reports.length, 1);
    assert.equal(before.ledger_grants.length, 2);
    assert.ok(before.ledger_acts.length >= 8, `${before.ledger_acts.length} acts`);
    const dashboard = await services.patients.dashboard(alice);
    for (const table of TABLES) sqlOf(context).exec(`DELETE FROM ${table}`);
    assert.deepEqual(await services.patients.dashboard(alice), [], 'the pages read the read model');
    const applied = await services.sync.reindex();
    assert.ok(applied >= 8, `applied ${applied} events`);
    assert.deepEqual(snapshot(), before);
    assert.deepEqual(await services.patients.dashboard(alice), dashboard);
  });

  it('applies events written by someone else as blocks arrive', async () => {
    await services.sync.catchUp();
    const { hospitalId } = await context.ledger.client.addHospital(context.ledger.admin, 'Written elsewhere');
    assert.equal((await services.admin.hospitals()).some(h => h.id === hospitalId), false);
    assert.equal(await services.sync.catchUp(), 1);
    assert.equal((await services.admin.hospitals()).find(h => h.id === hospitalId)?.name, 'Written elsewhere');
  });

  it('confirms a body whose transaction landed before a crash, and fails one never sent', async () => {
    const vault = createVault(context.store.bodies, context.masterKey);
    const address = sqlOf(context).prepare<[number], { address: string }>('SELECT address FROM users WHERE id = ?').get(alice)!.address;
    // Landed: stored as pending and sent, but the process "died" before confirming it.
    const landed = await vault.storePending('report', address, { title: 'Landed', disease: 'D', details: 'X' });
    await context.ledger.client.addReport(await context.custodian.signer(address), landed, []);
    // Never sent: stored as pending only.
    const unsent = await vault.storePending('report', address, { title: 'Unsent', disease: 'D', details: 'X' });
    assert.equal(statusOf(landed), 'pending');

    const { failed } = await services.sync.reconcile(Date.now() + 1);
    assert.equal(statusOf(landed), 'confirmed');
    assert.equal(statusOf(unsent), 'failed');
    assert.equal(failed, 1);
    const titles = (await services.patients.dashboard(alice)).map(r => (r.checked.integrity === 'verified' ? r.checked.body.title : '?'));
    assert.deepEqual(titles, ['Landed', 'T']);
  });
});
