/**
 * Consent as clinics practise it (issue 16), over HTTP against the contract's second version:
 * grants that end (moved past with the node's clock, never waited for), a staff member the
 * admin removes, and break-glass access with its reason, its end and everyone who sees it.
 */
import assert from 'node:assert/strict';
import type { Express } from 'express';
import supertest from 'supertest';
import type { AppContext } from '../../src/context';
import type { Services } from '../../src/services';
import { REMOVED } from '../../src/domain/access-policy';
import { startTestApp } from '../support/context';
import { assertExcludes, assertIncludes, escapeHtml, fieldErrors, fieldValue, followSaved, login, page, post, type Agent } from '../support/http';
import { addressOf, seedWorld, WORLD_PASSWORD, type World } from '../support/world';

const REASON = 'Unconscious on arrival, suspected overdose: need allergies and history';

/** A day as the date field takes it, `days` after today (UTC). */
const dayFromToday = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('consent: grants that end, removable staff, break-glass access', function () {
  this.timeout(180_000);
  let context: AppContext;
  let services: Services;
  let app: Express;
  let world: World;
  let admin: Agent, alice: Agent, bob: Agent, smith: Agent, rao: Agent;

  /** Moves the node's clock forward and mines a block on it: what the contract compares ends with. */
  async function passTime(seconds: number): Promise<void> {
    const rpc = (method: string, params: unknown[]) => context.ledger.web3.requestManager.send({ method, params });
    await rpc('evm_increaseTime', [seconds]);
    await rpc('evm_mine', []);
  }

  before(async () => {
    const started = await startTestApp();
    ({ context, services, app } = started);
    world = await seedWorld(context, services, {
      hospitals: [{ name: 'Apollo' }, { name: 'Care' }],
      doctors: [
        { username: 'drsmith', hospital: 'Apollo', fullName: 'John Smith' },
        { username: 'drrao', hospital: 'Care', fullName: 'Priya Rao' },
      ],
      patients: [{ username: 'alice', fullName: 'Alice Kumar' }, { username: 'bob', fullName: 'Bob Reddy' }],
      reports: [
        { patient: 'alice', title: 'Blood test', sharedWith: ['Apollo'] },
        { patient: 'bob', title: 'ECG after chest pain', disease: 'Suspected angina' },
        { patient: 'bob', title: 'Annual check-up' },
      ],
    });
    [admin, alice, bob, smith, rao] = await Promise.all([
      login(app, 'admin', 'admin', 'admin'),
      login(app, 'patient', 'alice', WORLD_PASSWORD),
      login(app, 'patient', 'bob', WORLD_PASSWORD),
      login(app, 'doctor', 'drsmith', WORLD_PASSWORD),
      login(app, 'doctor', 'drrao', WORLD_PASSWORD),
    ]);
  });

  after(async () => {
    await services?.background.settled();
    await context?.close();
  });

  describe('a grant with an end', () => {
    let reportId: number;
    before(() => {
      reportId = world.reports[0];
    });

    it('is granted until the end of the chosen day, and the doctor reads until then', async () => {
      const day = dayFromToday(1);
      const res = await post(alice, `/patient/reports/${reportId}`, `/patient/reports/${reportId}/share`, { hospitalId: String(world.hospitals.Care), until: day });
      const saved = await followSaved(alice, res, `/patient/reports/${reportId}`);
      // Access lasts to the end of that day: until the first minute (UTC) of the next.
      assertIncludes(saved.page, `until ${dayFromToday(2)} 00:00 UTC`);
      const grant = await context.ledger.client.treatmentGrant(reportId, world.hospitals.Care);
      assert.deepEqual(grant, { live: true, until: Date.parse(`${dayFromToday(2)}T00:00:00Z`) / 1000 });
      assertIncludes(await page(rao, `/doctor/reports/${reportId}`), 'Blood test');
    });

    it('refuses a day in the past, or one that does not exist, with the form kept as typed', async () => {
      for (const [until, message] of [
        ['2020-01-01', 'cannot be in the past'],
        ['2026-02-30', 'does not exist'],
        ['next week', 'as a date (YYYY-MM-DD)'],
      ] as const) {
        const res = await post(alice, `/patient/reports/${reportId}`, `/patient/reports/${reportId}/share`, { hospitalId: String(world.hospitals.Care), until });
        assert.equal(res.status, 400, until);
        assert.equal(fieldValue(res.text, `share-${world.hospitals.Care}-until`), escapeHtml(until));
        assert.match(fieldErrors(res.text)[`share-${world.hospitals.Care}-until`] ?? '', new RegExp(message.replace(/[()]/g, '\\$&')));
      }
    });

    it('ends on the ledger at its end: the report leaves the doctor\'s list, its page and prescriptions are refused, the patient sees when it ended', async () => {
      assertIncludes(await page(rao, '/doctor'), 'Blood test');
      await passTime(3 * 86_400);
      const refused = await rao.get(`/doctor/reports/${reportId}`);
      assert.equal(refused.status, 403);
      assertIncludes(refused.text, 'access to this report ended on');
      assertExcludes(refused.text, 'Blood test');
      const prescribe = await rao.post(`/doctor/reports/${reportId}/prescriptions`).type('form').send({ medicines: 'M', dosage: 'D', instructions: 'I' });
      assert.equal(prescribe.status, 403);
      // The dashboard's cache keeps a "yes" five seconds: past them, the contract's "no" is asked.
      await new Promise(resolve => setTimeout(resolve, 5_100));
      assertExcludes(await page(rao, '/doctor'), 'Blood test');
      const own = await page(alice, `/patient/reports/${reportId}`);
      assert.match(own, /access ended on <time datetime="[^"]+">\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC<\/time>/);
      // Apollo's grant, without end, is untouched.
      assertIncludes(await page(smith, `/doctor/reports/${reportId}`), 'Blood test');
    });

    it('is refused on the ledger when the ledger\'s clock already passed the day, as a 400 on the field', async () => {
      // The node's clock is three days ahead of this server's: tomorrow is already past there.
      const res = await post(alice, `/patient/reports/${reportId}`, `/patient/reports/${reportId}/share`, { hospitalId: String(world.hospitals.Care), until: dayFromToday(1) });
      assert.equal(res.status, 400);
      assert.match(fieldErrors(res.text)[`share-${world.hospitals.Care}-until`] ?? '', /already passed on the ledger&#39;s clock/);
    });

    it('is granted again with a new end, and the doctor reads again', async () => {
      const res = await post(alice, `/patient/reports/${reportId}`, `/patient/reports/${reportId}/share`, { hospitalId: String(world.hospitals.Care), until: dayFromToday(30) });
      await followSaved(alice, res, `/patient/reports/${reportId}`);
      assert.equal((await context.ledger.client.treatmentGrant(reportId, world.hospitals.Care)).live, true);
      assertIncludes(await page(rao, `/doctor/reports/${reportId}`), 'Blood test');
    });

    it('can be given with a new report, to every hospital ticked', async () => {
      const day = dayFromToday(40);
      const res = await post(alice, '/patient', '/patient/reports', { title: 'Knee X-ray', disease: 'Osteoarthritis', details: 'Right knee', hospitalIds: [String(world.hospitals.Apollo), String(world.hospitals.Care)], until: day });
      const saved = await followSaved(alice, res, '/patient');
      const id = Number(/report #(\d+)/.exec(saved.page)?.[1]);
      const end = Date.parse(`${dayFromToday(41)}T00:00:00Z`) / 1000;
      for (const hospital of [world.hospitals.Apollo, world.hospitals.Care]) {
        assert.deepEqual(await context.ledger.client.treatmentGrant(id, hospital), { live: true, until: end });
      }
    });

    it('keeps the report form as typed when its last day is in the past', async () => {
      const res = await post(alice, '/patient', '/patient/reports', { title: 'Typed title', disease: 'D', details: 'Typed details', hospitalIds: String(world.hospitals.Care), until: '2001-01-01' });
      assert.equal(res.status, 400);
      assert.equal(fieldValue(res.text, 'r-title'), 'Typed title');
      assert.equal(fieldValue(res.text, 'r-until'), '2001-01-01');
      assert.match(fieldErrors(res.text)['r-until'] ?? '', /cannot be in the past/);
    });
  });

  describe('break-glass access', () => {
    let emergencyId: number;

    it('asks for a patient that exists and a reason of at least 20 characters, keeping what was typed', async () => {
      const short = await post(rao, '/doctor/emergency', '/doctor/emergency', { patient: 'bob', reason: 'too short' });
      assert.equal(short.status, 400);
      assert.equal(fieldValue(short.text, 'e-patient'), 'bob');
      assert.equal(fieldValue(short.text, 'e-reason'), 'too short');
      assert.match(fieldErrors(short.text)['e-reason'] ?? '', /at least 20 characters/);
      const unknown = await post(rao, '/doctor/emergency', '/doctor/emergency', { patient: 'nobody', reason: REASON });
      assert.equal(unknown.status, 400);
      assert.match(fieldErrors(unknown.text)['e-patient'] ?? '', /no patient with this username/);
      assert.equal(fieldValue(unknown.text, 'e-reason'), escapeHtml(REASON));
      // A doctor's username is not a patient's.
      assert.equal((await post(rao, '/doctor/emergency', '/doctor/emergency', { patient: 'drsmith', reason: REASON })).status, 400);
      assert.equal((await context.ledger.client.emergencyOf(addressOf(context, 'bob'), addressOf(context, 'drrao'))).emergencyId, 0);
    });

    it('is written to the ledger before any record is shown, with only the reason\'s hash on it', async () => {
      const res = await post(rao, '/doctor/emergency', '/doctor/emergency', { patient: 'bob', reason: REASON });
      assert.equal(res.status, 303);
      emergencyId = Number(/^\/doctor\/emergency\/(\d+)$/.exec(String(res.headers.location))?.[1]);
      const onLedger = await context.ledger.client.emergency(emergencyId);
      assert.equal(onLedger.patient, addressOf(context, 'bob'));
      assert.equal(onLedger.doctor, addressOf(context, 'drrao'));
      assert.equal(onLedger.end - onLedger.start, 24 * 3600, 'EMERGENCY_HOURS defaults to 24');
      const tx = await context.ledger.web3.eth.getTransaction((await context.store.readModel.emergency(emergencyId))!.transactionHash);
      assert.ok(!Buffer.from(String(tx.input).slice(2), 'hex').toString('latin1').includes('overdose'), 'the reason is on the ledger');
      const reason = await context.store.bodies.get(onLedger.reasonHash);
      assert.equal(reason?.kind, 'emergency-reason');
      assert.ok(!reason.envelope.includes('overdose'), 'the reason is stored in clear');
    });

    it('lists the patient\'s reports for the doctor, who opens them to read, not to prescribe', async () => {
      const access = await page(rao, `/doctor/emergency/${emergencyId}`);
      assertIncludes(access, 'ECG after chest pain', 'Annual check-up', escapeHtml(REASON));
      const [ecg] = world.reports.slice(1);
      const report = await page(rao, `/doctor/reports/${ecg}`);
      assertIncludes(report, 'Suspected angina', `Opened under emergency access #${emergencyId}`);
      assertExcludes(report, 'Write a prescription');
      const prescribe = await rao.post(`/doctor/reports/${ecg}/prescriptions`).type('form').send({ medicines: 'M', dosage: 'D', instructions: 'I' });
      assert.equal(prescribe.status, 403);
      // Another doctor has no access through it.
      assert.equal((await smith.get(`/doctor/reports/${ecg}`)).status, 403);
      assert.equal((await smith.get(`/doctor/emergency/${emergencyId}`)).status, 404);
    });

    it('sends a second request for the same patient to the access already open', async () => {
      const res = await post(rao, '/doctor/emergency', '/doctor/emergency', { patient: 'bob', reason: REASON });
      assert.equal(res.headers.location, `/doctor/emergency/${emergencyId}`);
      assertIncludes(await page(rao, String(res.headers.location)), 'already hold an emergency access');
    });

    it('is shown first on the patient\'s dashboard and in the access log with its reason, and to the admin', async () => {
      await services.background.settled(); // the openings are recorded on the ledger in the background
      await services.sync.catchUp();
      const dashboard = await page(bob, '/patient');
      const shown = dashboard.indexOf('Emergency access to your records');
      assert.ok(shown > 0 && shown < dashboard.indexOf('Add a health report'), 'the emergency is not shown first');
      assertIncludes(dashboard, 'Dr. Priya Rao', escapeHtml(REASON), 'End this access now');
      const log = await page(bob, '/patient/access-log');
      assertIncludes(log, 'Emergency', escapeHtml(REASON), 'Dr. Priya Rao');
      const listed = await page(admin, '/admin/emergency');
      assertIncludes(listed, 'Priya Rao', 'drrao', 'Bob Reddy', escapeHtml(REASON));
      // Nobody else's dashboard shows it.
      assertExcludes(await page(alice, '/patient'), escapeHtml(REASON));
    });

    it('can be ended early by its patient only, and is then refused to the doctor', async () => {
      const notHers = await post(alice, '/patient', `/patient/emergency/${emergencyId}/end`, {});
      assert.equal(notHers.status, 404);
      const res = await post(bob, '/patient', `/patient/emergency/${emergencyId}/end`, {});
      const saved = await followSaved(bob, res, '/patient');
      assertIncludes(saved.page, 'Emergency access ended', 'ended by you on');
      const [ecg] = world.reports.slice(1);
      assert.equal((await rao.get(`/doctor/reports/${ecg}`)).status, 403);
      const ended = await rao.get(`/doctor/emergency/${emergencyId}`);
      assert.equal(ended.status, 403);
      assertIncludes(ended.text, 'This emergency access ended on');
      assert.equal((await post(bob, '/patient', `/patient/emergency/${emergencyId}/end`, {})).status, 409);
    });

    it('ends by itself after EMERGENCY_HOURS, on the ledger\'s clock', async () => {
      const res = await post(rao, '/doctor/emergency', '/doctor/emergency', { patient: 'bob', reason: REASON });
      const id = Number(/(\d+)$/.exec(String(res.headers.location))?.[1]);
      assert.ok(id > emergencyId);
      assert.equal((await rao.get(`/doctor/emergency/${id}`)).status, 200);
      await passTime(24 * 3600 + 1);
      assert.equal((await rao.get(`/doctor/emergency/${id}`)).status, 403);
      assert.equal((await rao.get(`/doctor/reports/${world.reports[1]}`)).status, 403);
    });
  });

  describe('a staff member the admin removes', () => {
    it('is confirmed first, then removed on the ledger, and named in the audit', async () => {
      assertIncludes(await page(admin, '/admin/staff/drsmith/remove'), 'Remove John Smith?');
      const res = await post(admin, '/admin/staff/drsmith/remove', '/admin/staff/drsmith/remove', {});
      const saved = await followSaved(admin, res, '/admin');
      assertIncludes(saved.page, 'was removed on the ledger', 'Removed');
      assert.deepEqual(await context.ledger.client.staffOf(addressOf(context, 'drsmith')), { organisationId: 0, role: undefined });
      await services.sync.catchUp();
      assertIncludes(await page(admin, '/admin/audit?act=staff-removed'), 'Staff removed');
    });

    it('is refused every page and record from that block on, even in a session opened before', async () => {
      for (const path of ['/doctor', `/doctor/reports/${world.reports[0]}`, '/doctor/emergency/1']) {
        const res = await smith.get(path);
        assert.equal(res.status, 403, path);
        assertIncludes(res.text, escapeHtml(REMOVED));
      }
      const emergency = await post(smith, '/doctor/emergency', '/doctor/emergency', { patient: 'alice', reason: REASON }).catch(() => undefined);
      assert.ok(!emergency || emergency.status === 403);
    });

    it('cannot log in any more, and is told why once the password matched', async () => {
      const agent = supertest.agent(app);
      const refused = await post(agent, '/doctor/login', '/doctor/login', { username: 'drsmith', password: WORLD_PASSWORD });
      assert.equal(refused.status, 403);
      assertIncludes(refused.text, 'removed by the admin');
      const wrong = await post(agent, '/doctor/login', '/doctor/login', { username: 'drsmith', password: 'not the password' });
      assert.equal(wrong.status, 401);
      assertExcludes(wrong.text, 'removed by the admin');
    });

    it('is removed once: again is a notice, and only staff can be removed', async () => {
      const again = await post(admin, '/admin', '/admin/staff/drsmith/remove', {});
      assert.equal(again.status, 303);
      assertIncludes(await page(admin, '/admin'), 'was already removed');
      assert.equal((await post(admin, '/admin', '/admin/staff/alice/remove', {})).status, 404);
      assert.equal((await post(admin, '/admin', '/admin/staff/nobody/remove', {})).status, 404);
      assert.equal((await post(rao, '/doctor', '/admin/staff/drrao/remove', {})).status, 403);
    });
  });
});
