/**
 * The ledger decides who reads what (issue 14, P2): rows edited in SQLite — a doctor's hospital,
 * a grant, a report's owner or commitment — show nobody a record the contract does not give
 * them; the integrity check lists each such row; and bodies are bound to their deployment and,
 * for prescriptions, to their report, while bodies sealed by the first release still open.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import { deriveKey, seal, commitment as commitmentOf } from '../../src/crypto/envelope';
import { createVault } from '../../src/features/records/vault';
import type { Services } from '../../src/services';
import { sqlOf, startTestApp } from '../support/context';
import {
  addDoctor, addHospital, addReport, assertExcludes, assertIncludes, extractReportIds, followSaved, login, page, post, rowWith, signupPatient, type Agent,
} from '../support/http';
import { addressOf as addressOfUser, userIdOf } from '../support/world';

const PASSWORD = 'ledger-pass-42';
const marked = (label: string) => `${label}-${randomUUID()}`;
const newReport = () => ({ title: marked('title'), disease: marked('disease'), details: marked('details') });

describe('the ledger as the authority for reads', function () {
  this.timeout(180_000);
  let context: AppContext;
  let services: Services;
  let app: Express;
  let admin: Agent, alice: Agent, bob: Agent, rao: Agent;
  let apolloId: number, fortisId: number;
  let ownReport: { id: number; title: string }, fortisReport: { id: number; title: string; details: string };

  const db = () => sqlOf(context);
  const addressOf = (username: string) => addressOfUser(context, username);
  const idOf = (username: string) => userIdOf(context, username);
  const commitmentOfReport = (id: number) => db().prepare<[number], { commitment: string }>('SELECT commitment FROM ledger_reports WHERE id = ?').get(id)!.commitment;
  const integrityPage = () => page(admin, '/admin/integrity');
  const differences = (html: string) => Number(/Read model against the ledger: (\d+) difference/.exec(html)?.[1]);

  before(async () => {
    ({ context, services, app } = await startTestApp());
    admin = await login(app, 'admin', 'admin', 'admin');
    apolloId = (await addHospital(admin, { name: 'Apollo', address: 'A', phone: '111' })).id;
    fortisId = (await addHospital(admin, { name: 'Fortis', address: 'F', phone: '222' })).id;
    const doctor = { password: PASSWORD, specialty: 'GP' };
    await addDoctor(admin, { ...doctor, fullName: 'Meera Rao', username: 'drrao', email: 'rao@apollo.example', hospitalId: apolloId });
    await addDoctor(admin, { ...doctor, fullName: 'Imran Khan', username: 'drkhan', email: 'khan@fortis.example', hospitalId: fortisId });
    for (const username of ['alice', 'bob']) {
      await signupPatient(app, { username, password: PASSWORD, email: `${username}@example.org`, fullName: `${username} Sen`, phone: '+91 98300 11111' });
    }
    [alice, bob, rao] = await Promise.all([login(app, 'patient', 'alice', PASSWORD), login(app, 'patient', 'bob', PASSWORD), login(app, 'doctor', 'drrao', PASSWORD)]);
    const own = newReport();
    ownReport = { id: (await addReport(alice, { ...own, hospitalIds: [apolloId] })).id, title: own.title };
    const other = newReport();
    fortisReport = { id: (await addReport(alice, { ...other, hospitalIds: [fortisId] })).id, title: other.title, details: other.details };
  });
  after(async () => {
    await services?.background.settled();
    await context?.close();
  });

  describe('a doctor', () => {
    it("reads by the hospital the ledger names, whatever users.hospital_id says", async () => {
      db().prepare("UPDATE users SET hospital_id = ? WHERE username = 'drrao'").run(fortisId);
      try {
        const dashboard = await page(rao, '/doctor');
        assertIncludes(dashboard, 'Reports shared with Apollo', ownReport.title);
        assertExcludes(dashboard, fortisReport.title);
        const refused = await rao.get(`/doctor/reports/${fortisReport.id}`);
        assert.equal(refused.status, 403);
        assertExcludes(refused.text, fortisReport.title, fortisReport.details);
      } finally {
        db().prepare("UPDATE users SET hospital_id = ? WHERE username = 'drrao'").run(apolloId);
      }
    });

    it('does not see or open a report through a grant row inserted into the read model', async () => {
      db()
        .prepare('INSERT INTO ledger_grants (report_id, hospital_id, active, changed_at, block_number, tx_hash) VALUES (?, ?, 1, 0, 0, ?)')
        .run(fortisReport.id, apolloId, `0x${'ab'.repeat(32)}`);
      const dashboard = await page(rao, '/doctor');
      assert.deepEqual(extractReportIds(dashboard, '/doctor/reports'), [ownReport.id]);
      assertExcludes(dashboard, fortisReport.title);
      const refused = await rao.get(`/doctor/reports/${fortisReport.id}`);
      assert.equal(refused.status, 403);
      assertExcludes(refused.text, fortisReport.title, fortisReport.details);
    });

    it("is shown each listed report with the owner and commitment the ledger holds, not the read model's", async () => {
      const original = commitmentOfReport(ownReport.id);
      db().prepare('UPDATE ledger_reports SET commitment = ? WHERE id = ?').run(commitmentOfReport(fortisReport.id), ownReport.id);
      try {
        const dashboard = await page(rao, '/doctor');
        assertIncludes(rowWith(dashboard, `/doctor/reports/${ownReport.id}"`), ownReport.title);
        assertExcludes(dashboard, fortisReport.title);
      } finally {
        db().prepare('UPDATE ledger_reports SET commitment = ? WHERE id = ?').run(original, ownReport.id);
      }
    });

    it('drops a report from the dashboard at once when its grant is revoked, whatever the read model still says', async () => {
      const revoked = newReport();
      const { id } = await addReport(alice, { ...revoked, hospitalIds: [apolloId] });
      assertIncludes(await page(rao, '/doctor'), revoked.title); // the ledger's "yes" is now kept a few seconds
      const res = await post(alice, `/patient/reports/${id}`, `/patient/reports/${id}/revoke`, { hospitalId: String(apolloId) });
      await followSaved(alice, res, `/patient/reports/${id}`);
      db().prepare('UPDATE ledger_grants SET active = 1 WHERE report_id = ?').run(id);
      try {
        assertExcludes(await page(rao, '/doctor'), revoked.title);
      } finally {
        db().prepare('UPDATE ledger_grants SET active = 0 WHERE report_id = ?').run(id);
      }
    });
  });

  describe('a patient', () => {
    it('sees only the reports the ledger says they own', async () => {
      db().prepare('UPDATE ledger_reports SET patient = ? WHERE id = ?').run(addressOf('bob'), fortisReport.id);
      try {
        const bobs = await page(bob, '/patient');
        assert.deepEqual(extractReportIds(bobs), []);
        assertExcludes(bobs, fortisReport.title);
        assert.deepEqual(await services.patients.dashboard(idOf('bob')), []);
        assert.equal((await bob.get(`/patient/reports/${fortisReport.id}`)).status, 404);
      } finally {
        db().prepare('UPDATE ledger_reports SET patient = ? WHERE id = ?').run(addressOf('alice'), fortisReport.id);
      }
    });
  });

  describe('the integrity check', () => {
    it("lists each read-model row that differs from the ledger's events, and reindex repairs them", async () => {
      await services.sync.catchUp(); // as the running app's follower has: a deleted row is not re-applied
      // Still there from above: the grant of Fortis's report to Apollo that no event made.
      db().prepare('UPDATE ledger_reports SET patient = ? WHERE id = ?').run(addressOf('bob'), ownReport.id);
      db().prepare('DELETE FROM ledger_grants WHERE report_id = ? AND hospital_id = ?').run(fortisReport.id, fortisId);
      const html = await integrityPage();
      assert.equal(differences(html), 3);
      assertIncludes(rowWith(html, `report #${fortisReport.id}, hospital ${apolloId}<`), 'no row', 'active');
      assertIncludes(rowWith(html, `report #${fortisReport.id}, hospital ${fortisId}<`), 'active', 'no row');
      assertIncludes(rowWith(html, `report #${ownReport.id}<`), `owner ${addressOf('alice')}`, `owner ${addressOf('bob')}`);

      db().prepare('UPDATE ledger_grants SET active = 0 WHERE report_id = ?').run(ownReport.id);
      db().prepare('DELETE FROM ledger_reports WHERE id = ?').run(fortisReport.id);
      const more = await integrityPage();
      assert.equal(differences(more), 5);
      assertIncludes(rowWith(more, `report #${ownReport.id}, hospital ${apolloId}<`), 'revoked');
      assertIncludes(rowWith(more, `report #${fortisReport.id}<`), 'no row');

      await services.sync.reindex();
      const repaired = await integrityPage();
      assert.equal(differences(repaired), 0);
      assertIncludes(repaired, 'the read model says what the ledger says');
    });
  });

  describe('bodies bound to their record', () => {
    it('refuses a prescription body whose commitment is written again on another report', async () => {
      const rx = { medicines: marked('medicines'), dosage: 'once', instructions: 'rest' };
      await followSaved(rao, await post(rao, `/doctor/reports/${ownReport.id}`, `/doctor/reports/${ownReport.id}/prescriptions`, rx), `/doctor/reports/${ownReport.id}`);
      const second = newReport();
      const secondId = (await addReport(alice, { ...second, hospitalIds: [apolloId] })).id;
      // The doctor re-submits the first prescription's commitment (its stored envelope) on the other report.
      const { commitment } = db().prepare<[number], { commitment: string }>('SELECT commitment FROM ledger_prescriptions WHERE report_id = ?').get(ownReport.id)!;
      await context.ledger.client.addPrescription(await context.custodian.signer(addressOf('drrao')), secondId, commitment);
      await services.sync.catchUp();

      const copied = await page(alice, `/patient/reports/${secondId}`);
      assertIncludes(copied, 'Tampered');
      assertExcludes(copied, rx.medicines);
      assertIncludes(await page(alice, `/patient/reports/${ownReport.id}`), rx.medicines);
      const report = await services.doctors.report(idOf('drrao'), secondId);
      assert.equal(report.prescriptions[0].checked.integrity, 'tampered');
    });

    // Each half of the binding on its own: a body of another chain's data set whose contract has
    // the same address (a classroom node restarted, the same deterministic deployer), and one of a
    // contract redeployed on this chain, both under the same master key.
    const ELSEWHERE = [
      ['the same contract address on another chain', () => ({ chainId: context.ledger.chainId + 1, contract: context.ledger.deployment.address })],
      ['another contract on the same chain', () => ({ chainId: context.ledger.chainId, contract: `0x${'12'.repeat(20)}` })],
    ] as const;
    for (const [deployment, scope] of ELSEWHERE) {
      it(`refuses a body sealed for another deployment: ${deployment}`, async () => {
        const elsewhere = createVault(context.store.bodies, context.masterKey, () => undefined, scope());
        const body = newReport();
        const commitment = await elsewhere.storePending('report', addressOf('alice'), body);
        const { reportId } = await context.ledger.client.addReport(await context.custodian.signer(addressOf('alice')), commitment, []);
        await services.sync.reconcile();
        const html = await page(alice, `/patient/reports/${reportId}`);
        assertIncludes(html, 'Tampered');
        assertExcludes(html, body.title, body.details);
      });
    }

    it('still opens bodies sealed by the first release (v1: kind and author only)', async () => {
      const key = deriveKey(context.masterKey, 'record-bodies');
      const bodies = context.store.bodies;
      const alicesAddress = addressOf('alice');
      const body = newReport();
      const envelope = seal(key, JSON.stringify(body), `report:${alicesAddress}`);
      assert.match(envelope, /^v1\./);
      await bodies.insertPending(commitmentOf(envelope), 'report', alicesAddress, envelope);
      const { reportId } = await context.ledger.client.addReport(await context.custodian.signer(alicesAddress), commitmentOf(envelope), [apolloId]);

      const raoAddress = addressOf('drrao');
      const rx = { medicines: marked('old-medicines'), dosage: 'twice', instructions: 'walk' };
      const rxEnvelope = seal(key, JSON.stringify(rx), `prescription:${raoAddress}`);
      await bodies.insertPending(commitmentOf(rxEnvelope), 'prescription', raoAddress, rxEnvelope);
      await context.ledger.client.addPrescription(await context.custodian.signer(raoAddress), reportId, commitmentOf(rxEnvelope));
      await services.sync.reconcile();

      const own = await page(alice, `/patient/reports/${reportId}`);
      assertIncludes(own, body.title, body.details, rx.medicines);
      assertExcludes(own, 'Tampered');
      assertIncludes(await page(rao, `/doctor/reports/${reportId}`), body.title, rx.medicines);
      // Bodies written through the app are v2.
      const v2 = db().prepare<[], { n: number }>("SELECT count(*) AS n FROM bodies WHERE envelope LIKE 'v2.%'").get()!.n;
      assert.ok(v2 >= 3, `${v2} v2 bodies`);
    });
  });
});
