/**
 * More participants (issue 17), over HTTP: pharmacies that see only what they were sent and
 * dispense once, and insurers that read a report for payment while its claim is open and
 * decide it once.
 */
import assert from 'node:assert/strict';
import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import type { Services } from '../../src/services';
import { startTestApp } from '../support/context';
import { assertExcludes, assertIncludes, escapeHtml, fieldErrors, fieldValue, followSaved, login, page, post, type Agent } from '../support/http';
import { seedWorld, userIdOf, WORLD_PASSWORD, type World } from '../support/world';

const DETAILS = 'HbA1c 7.9 %, tired in the afternoons';
const MEDICINES = 'Metformin 500 mg';

describe('pharmacies and insurers', function () {
  this.timeout(180_000);
  let context: AppContext;
  let services: Services;
  let app: Express;
  let world: World;
  let ids: Record<string, number>;
  let alice: Agent, bob: Agent, phil: Agent, pam: Agent, ivy: Agent, ian: Agent;
  let reportId: number;

  before(async () => {
    ({ context, services, app } = await startTestApp());
    world = await seedWorld(context, services, {
      hospitals: [{ name: 'Apollo' }],
      doctors: [{ username: 'drsmith', hospital: 'Apollo', fullName: 'John Smith' }],
      patients: [{ username: 'alice', fullName: 'Alice Kumar' }, { username: 'bob', fullName: 'Bob Reddy' }],
      reports: [{ patient: 'alice', title: 'Blood test', disease: 'Type 2 diabetes', details: DETAILS, sharedWith: ['Apollo'] }],
    });
    reportId = world.reports[0];
    const organisation = async (kind: 'pharmacy' | 'insurer', name: string) =>
      (await services.admin.addOrganisation(kind, { name, address: `${name} Road 1`, phone: '222' })).organisationId;
    ids = {
      medplus: await organisation('pharmacy', 'MedPlus'),
      wellness: await organisation('pharmacy', 'Wellness Forever'),
      star: await organisation('insurer', 'Star Health'),
      icici: await organisation('insurer', 'ICICI Lombard'),
    };
    const staff = (role: 'pharmacist' | 'insurer', username: string, fullName: string, organisationId: number) =>
      services.admin.addStaff(role, { username, fullName, password: WORLD_PASSWORD, email: `${username}@example.org`, organisationId });
    await staff('pharmacist', 'phil', 'Phil Mathew', ids.medplus);
    await staff('pharmacist', 'pam', 'Pam Nair', ids.wellness);
    await staff('insurer', 'ivy', 'Ivy Das', ids.star);
    await staff('insurer', 'ian', 'Ian Roy', ids.icici);
    const doctor = userIdOf(context, 'drsmith');
    await services.doctors.prescribe(doctor, reportId, { medicines: MEDICINES, dosage: 'One tablet twice a day', instructions: 'Walk daily' });
    await services.doctors.prescribe(doctor, reportId, { medicines: 'Vitamin D 1000 IU', dosage: 'Once a day', instructions: 'With food' });
    [alice, bob, phil, pam, ivy, ian] = await Promise.all([
      login(app, 'patient', 'alice', WORLD_PASSWORD),
      login(app, 'patient', 'bob', WORLD_PASSWORD),
      login(app, 'pharmacist', 'phil', WORLD_PASSWORD),
      login(app, 'pharmacist', 'pam', WORLD_PASSWORD),
      login(app, 'insurer', 'ivy', WORLD_PASSWORD),
      login(app, 'insurer', 'ian', WORLD_PASSWORD),
    ]);
  });

  after(async () => {
    await services?.background.settled();
    await context?.close();
  });

  describe('a pharmacy', () => {
    it('sees nothing it was not sent', async () => {
      assertIncludes(await page(phil, '/pharmacist'), 'No patient has sent a prescription to MedPlus yet');
      assert.equal((await post(phil, '/pharmacist', `/pharmacist/prescriptions/${reportId}-0/dispense`, {})).status, 404);
    });

    it('is sent a prescription by its patient, from the report page, and no one else can send it', async () => {
      const report = await page(alice, `/patient/reports/${reportId}`);
      assertIncludes(report, 'Send to a pharmacy', 'MedPlus', 'Wellness Forever');
      assert.equal((await post(bob, '/patient', `/patient/prescriptions/${reportId}-0/send`, { pharmacyId: String(ids.medplus) })).status, 404);
      const res = await post(alice, `/patient/reports/${reportId}`, `/patient/prescriptions/${reportId}-0/send`, { pharmacyId: String(ids.medplus) });
      const saved = await followSaved(alice, res, `/patient/reports/${reportId}`);
      assertIncludes(saved.page, 'Prescription sent', 'Sent</span> to MedPlus');
    });

    it('refuses a pharmacy that is not one, and an unknown prescription', async () => {
      for (const pharmacyId of [String(ids.star), '999', 'x']) {
        const res = await post(alice, `/patient/reports/${reportId}`, `/patient/prescriptions/${reportId}-1/send`, { pharmacyId });
        assert.equal(res.status, 400, pharmacyId);
      }
      assert.equal((await post(alice, '/patient', `/patient/prescriptions/${reportId}-7/send`, { pharmacyId: String(ids.medplus) })).status, 404);
      assert.equal((await post(alice, '/patient', '/patient/prescriptions/abc/send', { pharmacyId: String(ids.medplus) })).status, 404);
    });

    it('shows its pharmacists the patient, doctor, medicines and dosage, never the report', async () => {
      const list = await page(phil, '/pharmacist');
      assertIncludes(list, 'Alice Kumar', 'Dr. John Smith', MEDICINES, 'One tablet twice a day', 'To dispense', 'Verified on the ledger');
      assertExcludes(list, DETAILS, 'Blood test', 'Type 2 diabetes', 'Vitamin D');
      assertIncludes(await page(pam, '/pharmacist'), 'No patient has sent a prescription to Wellness Forever yet');
    });

    it('dispenses once: a second dispense is 409 and names the first, and the patient sees who and when', async () => {
      assert.equal((await post(pam, '/pharmacist', `/pharmacist/prescriptions/${reportId}-0/dispense`, {})).status, 404, 'another pharmacy');
      const res = await post(phil, '/pharmacist', `/pharmacist/prescriptions/${reportId}-0/dispense`, {});
      const saved = await followSaved(phil, res, '/pharmacist');
      assertIncludes(saved.page, 'Dispensed</span>', 'by Phil Mathew (MedPlus)');
      const dispensing = await context.ledger.client.dispensing(reportId, 0);
      assert.equal(dispensing.dispensedPharmacyId, ids.medplus);
      const again = await post(phil, '/pharmacist', `/pharmacist/prescriptions/${reportId}-0/dispense`, {});
      assert.equal(again.status, 409);
      assertIncludes(again.text, 'already dispensed by Phil Mathew (MedPlus) at');
      const report = await page(alice, `/patient/reports/${reportId}`);
      assert.match(report, /Dispensed<\/span> by Phil Mathew at MedPlus, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
      // Dispensed: it cannot be sent anywhere again.
      assert.equal((await post(alice, '/patient', `/patient/prescriptions/${reportId}-0/send`, { pharmacyId: String(ids.wellness) })).status, 409);
    });

    it('loses a prescription its patient takes back', async () => {
      await followSaved(alice, await post(alice, '/patient', `/patient/prescriptions/${reportId}-1/send`, { pharmacyId: String(ids.wellness) }), `/patient/reports/${reportId}`);
      assertIncludes(await page(pam, '/pharmacist'), 'Vitamin D 1000 IU');
      await followSaved(alice, await post(alice, '/patient', `/patient/prescriptions/${reportId}-1/withdraw`, {}), `/patient/reports/${reportId}`);
      assertExcludes(await page(pam, '/pharmacist'), 'Vitamin D 1000 IU');
      assert.equal((await post(pam, '/pharmacist', `/pharmacist/prescriptions/${reportId}-1/dispense`, {})).status, 404);
      assert.equal((await post(alice, '/patient', `/patient/prescriptions/${reportId}-1/withdraw`, {})).status, 400, 'not with a pharmacy any more');
    });
  });

  describe('an insurer', () => {
    let claimId: number;

    it('is filed a claim by the patient, from the report page; bad input keeps what was typed', async () => {
      const bad = await post(alice, `/patient/reports/${reportId}`, '/patient/claims', { reportId: String(reportId), insurerId: String(ids.star), amount: '12.5 lakh' });
      assert.equal(bad.status, 400);
      assert.equal(fieldValue(bad.text, 'c-amount'), '12.5 lakh');
      assert.match(fieldErrors(bad.text)['c-amount'] ?? '', /whole number of rupees/);
      const notInsurer = await post(alice, `/patient/reports/${reportId}`, '/patient/claims', { reportId: String(reportId), insurerId: String(ids.medplus), amount: '500' });
      assert.equal(notInsurer.status, 400);
      assert.equal((await post(bob, '/patient', '/patient/claims', { reportId: String(reportId), insurerId: String(ids.star), amount: '500' })).status, 404, "another's report is no report of bob's");
      const res = await post(alice, `/patient/reports/${reportId}`, '/patient/claims', { reportId: String(reportId), insurerId: String(ids.star), amount: '12,500' });
      const saved = await followSaved(alice, res, `/patient/reports/${reportId}`);
      claimId = Number(/Claim #(\d+) filed/.exec(saved.page)?.[1]);
      assert.ok(claimId > 0);
      assertIncludes(saved.page, `Claim #${claimId} with Star Health: ₹12,500`, 'Open');
    });

    it('shows its queue to its own staff only', async () => {
      const queue = await page(ivy, '/insurer');
      assertIncludes(queue, `Claim #${claimId}`, 'Alice Kumar', '₹12,500', 'Open');
      assertExcludes(await page(ian, '/insurer'), 'Alice Kumar');
      assert.equal((await ian.get(`/insurer/claims/${claimId}`)).status, 404);
    });

    it('lets its staff read the report and its prescriptions while the claim is open, recorded in the access log for payment', async () => {
      const claim = await page(ivy, `/insurer/claims/${claimId}`);
      assertIncludes(claim, escapeHtml(DETAILS), MEDICINES, 'Record the decision on the ledger');
      assert.equal(await context.ledger.client.canReadClaim(claimId, (await context.store.users.findByUsername('ivy'))!.address), true);
      await services.background.settled();
      await services.sync.catchUp();
      const log = await page(alice, '/patient/access-log');
      assertIncludes(log, 'Ivy Das', `insurance claim #${claimId}`);
    });

    it('decides once: at most the claimed amount, then the report is closed to it and a second decision is 409', async () => {
      const tooMuch = await post(ivy, `/insurer/claims/${claimId}`, `/insurer/claims/${claimId}/decide`, { decision: 'approve', amount: '20000', note: 'Covered' });
      assert.equal(tooMuch.status, 400);
      assert.equal(fieldValue(tooMuch.text, 'd-amount'), '20000');
      assert.match(fieldErrors(tooMuch.text)['d-amount'] ?? '', /cannot be more than/);
      const res = await post(ivy, `/insurer/claims/${claimId}`, `/insurer/claims/${claimId}/decide`, { decision: 'approve', amount: '10000', note: 'Room rent capped by the policy' });
      const saved = await followSaved(ivy, res, `/insurer/claims/${claimId}`);
      assertIncludes(saved.page, 'Approved</span> ₹10,000', 'Room rent capped by the policy');
      assertExcludes(saved.page, escapeHtml(DETAILS), 'Record the decision on the ledger');
      const again = await post(ivy, '/insurer', `/insurer/claims/${claimId}/decide`, { decision: 'reject', note: 'No' });
      assert.equal(again.status, 409);
      assertIncludes(again.text, 'already approved by Ivy Das');
      assertIncludes(await page(alice, '/patient'), 'My insurance claims', 'Approved</span> ₹10,000', 'Room rent capped by the policy');
    });

    it('rejects with a note, which is required', async () => {
      const res = await post(alice, `/patient/reports/${reportId}`, '/patient/claims', { reportId: String(reportId), insurerId: String(ids.star), amount: '800' });
      const second = Number(/Claim #(\d+) filed/.exec((await followSaved(alice, res, `/patient/reports/${reportId}`)).page)?.[1]);
      const noNote = await post(ivy, `/insurer/claims/${second}`, `/insurer/claims/${second}/decide`, { decision: 'reject', note: ' ' });
      assert.equal(noNote.status, 400);
      await followSaved(ivy, await post(ivy, `/insurer/claims/${second}`, `/insurer/claims/${second}/decide`, { decision: 'reject', note: 'Outpatient tests are not covered' }), `/insurer/claims/${second}`);
      assertIncludes(await page(alice, `/patient/reports/${reportId}`), 'Rejected', 'Outpatient tests are not covered');
    });
  });
});
