/**
 * The three roles over HTTP (issue 3): every flow of the admin, the patient and the doctor, and
 * every refusal, against one app on a real embedded Ganache and a real SQLite file.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import type { AppContext } from '../../src/context';
import { startTestApp } from '../support/context';
import {
  addDoctor, addHospital, addReport, assertExcludes, assertIncludes, checkedBoxes, csrfFrom, extractReportIds, fieldErrors, fieldValue,
  followSaved, login, page, post, rows, rowWith, selectedOptions, signupPatient, type Agent, type Saved,
} from '../support/http';

const PASSWORD = 'ledger-pass-42';
const APOLLO = { name: 'Apollo Central', address: '12 Park Street, Kolkata', phone: '+91 33 4000 1000' };
const FORTIS = { name: 'Fortis West', address: '7 Link Road, Mumbai', phone: '+91 22 5000 2000' };
const RAO = { fullName: 'Meera Rao', username: 'drrao', password: PASSWORD, email: 'meera.rao@apollo.example', specialty: 'Cardiology' };
const KHAN = { fullName: 'Imran Khan', username: 'drkhan', password: PASSWORD, email: 'imran.khan@fortis.example', specialty: 'Neurology' };
const ALICE = { username: 'alice', password: PASSWORD, email: 'alice@example.org', fullName: 'Alice Sen', phone: '+91 98300 11111' };
const BOB = { username: 'bob', password: PASSWORD, email: 'bob@example.org', fullName: 'Bob Das', phone: '+91 98300 22222' };

/** Text that appears nowhere else, so "the answer does not contain it" means something. */
const marked = (label: string) => `${label}-${randomUUID()}`;
const newReport = () => ({ title: marked('title'), disease: marked('disease'), details: marked('details') });
const SHARED = newReport(); // shared with Apollo and Fortis
const APOLLO_ONLY = newReport(); // shared with Apollo only
const RX = { medicines: marked('medicines'), dosage: marked('dosage'), instructions: marked('instructions') };

/** The hospitals table's rows (they start with the id; the doctors' rows start with a name). */
const hospitalRows = (html: string) => rows(html).filter(row => /^<tr><td>\d+<\/td>/.test(row));
const countRows = (html: string, text: string) => rows(html).filter(row => row.includes(text)).length;

describe('roles over HTTP', function () {
  this.timeout(120_000);
  let context: AppContext;
  let app: Express;
  let admin: Agent, alice: Agent, bob: Agent, rao: Agent, khan: Agent;
  let apollo: Saved & { id: number }, fortis: Saved & { id: number }, raoAdded: Saved, khanAdded: Saved;
  let shared: Saved & { id: number }, apolloOnly: Saved & { id: number };

  before(async () => {
    const started = await startTestApp();
    context = started.context;
    app = createApp(context, started.services, { log: () => undefined }); // the same app, without a log line per request
    admin = await login(app, 'admin', 'admin', 'admin');
    apollo = await addHospital(admin, APOLLO);
    fortis = await addHospital(admin, FORTIS);
    raoAdded = await addDoctor(admin, { ...RAO, hospitalId: apollo.id });
    khanAdded = await addDoctor(admin, { ...KHAN, hospitalId: fortis.id });
    await signupPatient(app, ALICE);
    await signupPatient(app, BOB);
    [alice, bob, rao, khan] = await Promise.all([
      login(app, 'patient', ALICE.username, PASSWORD), login(app, 'patient', BOB.username, PASSWORD),
      login(app, 'doctor', RAO.username, PASSWORD), login(app, 'doctor', KHAN.username, PASSWORD),
    ]);
    shared = await addReport(alice, { ...SHARED, hospitalIds: [apollo.id, fortis.id] });
    apolloOnly = await addReport(alice, { ...APOLLO_ONLY, hospitalIds: [apollo.id] });
  });
  after(async () => context?.close());

  /** Checks a mined, successful transaction at the block the page named. */
  async function assertOnLedger(saved: { transactionHash: string; blockNumber: number }) {
    const receipt = await context.ledger.web3.eth.getTransactionReceipt(saved.transactionHash);
    assert.equal(Number(receipt.status), 1);
    assert.equal(Number(receipt.blockNumber), saved.blockNumber);
  }

  describe('home page', () => {
    it('shows who is signed in, with a Log out button', async () => {
      const home = await page(alice, '/');
      assertIncludes(home, 'Signed in as <strong>', 'action="/logout"');
    });

    it('links to Admin, Doctor Login, Patient Login and Patient Signup', async () => {
      const html = await page(supertest.agent(app), '/');
      for (const [href, label] of [['/admin/login', 'Admin'], ['/doctor/login', 'Doctor Login'], ['/patient/login', 'Patient Login'], ['/patient/signup', 'Patient Signup']]) {
        assert.match(html, new RegExp(`<a class="entry-link" href="${href}"><strong>${label}</strong>`));
      }
    });
  });

  describe('admin', () => {
    it('answers a wrong password with the login page and one message, not a session', async () => {
      const visitor = supertest.agent(app);
      const res = await post(visitor, '/admin/login', '/admin/login', { username: 'admin', password: 'not-the-password' });
      assert.equal(res.status, 401);
      assert.equal(res.headers.location, undefined);
      assert.equal(res.text.match(/notice--danger/g)?.length, 1);
      assertIncludes(res.text, 'The username or password is not correct.');
      assert.deepEqual(fieldErrors(res.text), {});
      assert.equal(fieldValue(res.text, 'f-username'), 'admin');
      assertExcludes(res.text, 'not-the-password');
      assert.equal((await visitor.get('/admin')).headers.location, '/admin/login');
    });

    it('shows the transaction and block of each hospital and doctor it adds, as mined', async () => {
      assertIncludes(apollo.page, 'Hospital &#34;Apollo Central&#34; added and saved on the ledger.');
      assertIncludes(khanAdded.page, 'Doctor Imran Khan (drkhan) added and saved on the ledger.');
      const saves = [apollo, fortis, raoAdded, khanAdded];
      assert.equal(new Set(saves.map(s => s.transactionHash)).size, 4);
      for (const saved of saves) await assertOnLedger(saved);
      assert.deepEqual([apollo.id, fortis.id], [1, 2]);
    });

    it('lists hospitals with address, phone and doctor count, and doctors with their hospital beside them', async () => {
      const html = await page(admin, '/admin');
      assert.deepEqual(hospitalRows(html), [
        `<tr><td>1</td><td>${APOLLO.name}</td><td>${APOLLO.address}</td><td>${APOLLO.phone}</td><td>1</td></tr>`,
        `<tr><td>2</td><td>${FORTIS.name}</td><td>${FORTIS.address}</td><td>${FORTIS.phone}</td><td>1</td></tr>`,
      ]);
      for (const [doctor, hospital] of [[KHAN, FORTIS], [RAO, APOLLO]] as const) {
        assert.equal(
          rowWith(html, `<td>${doctor.username}</td>`).replace(/>\s+</g, '><'),
          `<tr><td>${doctor.fullName}</td><td>${doctor.username}</td><td>${doctor.email}</td><td>${doctor.specialty}</td>` +
            `<td>${hospital.name}</td><td>${hospital.address}</td><td>${hospital.phone}</td>` +
            `<td><a class="button button--danger" href="/admin/staff/${doctor.username}/remove" aria-label="Remove ${doctor.fullName}">Remove</a></td></tr>`,
        );
      }
    });

    it('refuses a taken doctor username with 400, keeping the other values and adding no row', async () => {
      const typed = { fullName: 'Second Rao', username: 'DrRao', password: 'second-secret-9', email: 'second@example.org', specialty: 'Dermatology' };
      const res = await post(admin, '/admin', '/admin/doctors', { ...typed, hospitalId: String(fortis.id) });
      assert.equal(res.status, 400);
      assert.deepEqual(fieldErrors(res.text), { 'd-username': 'This username is taken' });
      for (const field of ['fullName', 'username', 'email', 'specialty'] as const) assert.equal(fieldValue(res.text, `d-${field}`), typed[field]);
      assert.deepEqual(selectedOptions(res.text, 'd-hospitalId'), [String(fortis.id)]);
      assert.equal(fieldValue(res.text, 'd-password'), '');
      assertExcludes(res.text, typed.password);
      const html = await page(admin, '/admin');
      assert.equal(countRows(html, '<td>drrao</td>'), 1);
      assertExcludes(html, 'Second Rao');
    });

    it('refuses an unknown hospital with 400 and adds no doctor', async () => {
      const res = await post(admin, '/admin', '/admin/doctors', { ...RAO, username: 'drnobody', hospitalId: '99' });
      assert.equal(res.status, 400);
      assert.deepEqual(fieldErrors(res.text), { 'd-hospitalId': 'Choose a hospital from the list' });
      assertExcludes(await page(admin, '/admin'), 'drnobody');
    });

    it('answers empty forms with 400 and a message beside each field', async () => {
      const doctor = await post(admin, '/admin', '/admin/doctors', { fullName: '', username: '', password: '', email: '', specialty: '', hospitalId: '' });
      assert.equal(doctor.status, 400);
      assert.deepEqual(fieldErrors(doctor.text), {
        'd-fullName': 'Full name is required',
        'd-username': 'Username must be 3 to 32 characters',
        'd-password': 'Password must be 8 to 72 characters',
        'd-email': 'Enter a valid email address',
        'd-specialty': 'Specialty is required',
        'd-hospitalId': 'Hospital is not valid',
      });
      const hospital = await post(admin, '/admin', '/admin/hospitals', {});
      assert.equal(hospital.status, 400);
      assert.deepEqual(fieldErrors(hospital.text), { 'h-name': 'Hospital name is required', 'h-address': 'Address is required', 'h-phone': 'Phone is required' });
      assert.equal(hospitalRows(await page(admin, '/admin')).length, 2);
    });
  });

  describe('patient signup', () => {
    it('saves the patient on the ledger and sends them to the login page, which names the transaction and block', async () => {
      const carol = { username: 'carol', password: PASSWORD, email: 'carol@example.org', fullName: 'Carol Roy', phone: '033 2222 3333' };
      const saved = await signupPatient(app, carol); // checks the 303 to /patient/login
      assertIncludes(saved.page, 'Signup completed and your record was saved on the ledger. You can log in now as carol.');
      await assertOnLedger(saved);
      await login(app, 'patient', 'carol', PASSWORD);
    });

    it('refuses a taken username with 400', async () => {
      const res = await post(supertest.agent(app), '/patient/signup', '/patient/signup', { ...ALICE, username: 'Alice', email: 'other@example.org' });
      assert.equal(res.status, 400);
      assert.deepEqual(fieldErrors(res.text), { 'f-username': 'This username is taken' });
    });

    it('refuses a bad email and a short password with 400, keeping what was typed except the password', async () => {
      const typed = { username: 'dave', password: 'Zq7-x', email: 'dave-at-example', fullName: 'Dave Mehta', phone: '+91 98 7654 3210' };
      const res = await post(supertest.agent(app), '/patient/signup', '/patient/signup', typed);
      assert.equal(res.status, 400);
      assert.deepEqual(fieldErrors(res.text), { 'f-password': 'Password must be 8 to 72 characters', 'f-email': 'Enter a valid email address' });
      for (const field of ['username', 'email', 'fullName', 'phone'] as const) assert.equal(fieldValue(res.text, `f-${field}`), typed[field]);
      assert.equal(fieldValue(res.text, 'f-password'), '');
      assertExcludes(res.text, typed.password);
      const attempt = await post(supertest.agent(app), '/patient/login', '/patient/login', { username: 'dave', password: 'Zq7-x' });
      assert.equal(attempt.status, 401, 'the refused signup left a login behind');
    });
  });

  describe('patient reports', () => {
    it('adds a report shared with two hospitals: the dashboard shows title, disease, both hospitals and Pending', async () => {
      assertIncludes(shared.page, `Report &#34;${SHARED.title}&#34; saved on the ledger as report #${shared.id}.`);
      await assertOnLedger(shared);
      const row = rowWith(shared.page, `href="/patient/reports/${shared.id}"`);
      assertIncludes(row, `>${SHARED.title}</a>`, `<td>${SHARED.disease}</td>`, 'badge--pending">Pending</span>');
      assertIncludes(row, `<span class="badge badge--shared">${APOLLO.name}</span>`, `<span class="badge badge--shared">${FORTIS.name}</span>`);
    });

    it('shows the report with its details and a Shared badge for each hospital', async () => {
      const html = await page(alice, `/patient/reports/${shared.id}`);
      assertIncludes(html, `<dd>${SHARED.title}</dd>`, `<dd>${SHARED.disease}</dd>`, `<dd class="prewrap">${SHARED.details}</dd>`);
      for (const hospital of [APOLLO, FORTIS]) assertIncludes(rowWith(html, `>${hospital.name}</td>`), 'badge--shared">Shared</span>');
    });

    it('refuses details over 5000 characters with 400, keeping what was typed and saving nothing', async () => {
      const before = extractReportIds(await page(alice, '/patient'));
      const typed = { title: marked('title'), disease: marked('disease'), details: marked('details').padEnd(5001, 'x') };
      const res = await post(alice, '/patient', '/patient/reports', { ...typed, hospitalIds: [String(fortis.id)] });
      assert.equal(res.status, 400);
      assert.deepEqual(fieldErrors(res.text), { 'r-details': 'Details must be at most 5000 characters' });
      for (const field of ['title', 'disease', 'details'] as const) assert.equal(fieldValue(res.text, `r-${field}`), typed[field]);
      assert.deepEqual(checkedBoxes(res.text, 'hospitalIds'), [String(fortis.id)]);
      assert.deepEqual(extractReportIds(await page(alice, '/patient')), before);
    });

    it('refuses an unknown hospital id with 400 and saves nothing, on the ledger or off it', async () => {
      const before = extractReportIds(await page(alice, '/patient'));
      const count = await context.ledger.client.reportCount();
      const res = await post(alice, '/patient', '/patient/reports', { ...newReport(), hospitalIds: [String(apollo.id), '99'] });
      assert.equal(res.status, 400);
      assert.deepEqual(fieldErrors(res.text), { 'r-hospitalIds': 'Choose hospitals from the list' });
      assert.deepEqual(extractReportIds(await page(alice, '/patient')), before);
      assert.equal(await context.ledger.client.reportCount(), count);
    });

    it('adds a report shared with no hospital, which no doctor sees', async () => {
      const report = newReport();
      const saved = await addReport(alice, { ...report, hospitalIds: [] });
      assertIncludes(rowWith(saved.page, `href="/patient/reports/${saved.id}"`), '<span class="muted">Not shared</span>');
      assert.deepEqual(await context.ledger.client.reportHospitals(saved.id), []);
      assert.ok(!extractReportIds(await page(rao, '/doctor'), '/doctor/reports').includes(saved.id));
      const res = await rao.get(`/doctor/reports/${saved.id}`);
      assert.equal(res.status, 403);
      assertExcludes(res.text, ...Object.values(report));
    });
  });

  describe('doctor', () => {
    it('lists the reports shared with their hospital, with the patient, title, disease and Pending', async () => {
      const html = await page(rao, '/doctor');
      assertIncludes(html, `<h1>Reports shared with ${APOLLO.name}</h1>`);
      assert.deepEqual(extractReportIds(html, '/doctor/reports'), [apolloOnly.id, shared.id]);
      const row = rowWith(html, `href="/doctor/reports/${shared.id}"`);
      assertIncludes(row, `<td>${ALICE.fullName}</td>`, `<td>${SHARED.title} `, `<td>${SHARED.disease}</td>`, 'badge--pending">Pending</span>', '>Click Here<');
      assert.deepEqual(extractReportIds(await page(khan, '/doctor'), '/doctor/reports'), [shared.id]);
    });

    it('opens a shared report with its details', async () => {
      const html = await page(rao, `/doctor/reports/${shared.id}`);
      assertIncludes(html, `Report #${shared.id} of ${ALICE.fullName}`, `<dd>${SHARED.disease}</dd>`, `<dd class="prewrap">${SHARED.details}</dd>`);
    });

    it('answers an empty prescription with 400 and the form again', async () => {
      const res = await post(rao, `/doctor/reports/${shared.id}`, `/doctor/reports/${shared.id}/prescriptions`, { medicines: ' ', dosage: RX.dosage, instructions: '' });
      assert.equal(res.status, 400);
      assert.deepEqual(fieldErrors(res.text), { 'p-medicines': 'Medicines is required', 'p-instructions': 'Instructions is required' });
      assert.equal(fieldValue(res.text, 'p-dosage'), RX.dosage);
      assert.equal((await context.ledger.client.prescriptions(shared.id)).length, 0);
    });

    it('writes a prescription, which the report page then lists', async () => {
      const res = await post(rao, `/doctor/reports/${shared.id}`, `/doctor/reports/${shared.id}/prescriptions`, RX);
      const saved = await followSaved(rao, res, `/doctor/reports/${shared.id}`);
      assertIncludes(saved.page, 'Prescription saved on the ledger.', `<strong>Dr. ${RAO.fullName}</strong>, ${APOLLO.name}`);
      assertIncludes(saved.page, ...Object.values(RX).map(text => `<dd class="prewrap">${text}</dd>`));
      await assertOnLedger(saved);
      assertIncludes(rowWith(await page(rao, '/doctor'), `href="/doctor/reports/${shared.id}"`), 'badge--prescribed">Prescribed</span>');
    });

    it('shows the patient the medicines and "Dr. <name>, <hospital>" instead of Pending', async () => {
      const row = rowWith(await page(alice, '/patient'), `href="/patient/reports/${shared.id}"`);
      assertIncludes(row, `<div>${RX.medicines}</div>`, `Dr. ${RAO.fullName}, ${APOLLO.name}`, 'badge--prescribed">Prescribed</span>');
      assertExcludes(row, 'Pending');
    });
  });

  describe('refusals', () => {
    const prescribe = (doctor: Agent, reportId: number) =>
      post(doctor, '/doctor', `/doctor/reports/${reportId}/prescriptions`, { medicines: marked('m'), dosage: marked('d'), instructions: marked('i') });

    /** Both doctor routes answer 403 with no part of the report, and no prescription is written. */
    async function assertDoctorRefused(doctor: Agent, reportId: number, report: typeof SHARED) {
      const before = (await context.ledger.client.prescriptions(reportId)).length;
      for (const res of [await doctor.get(`/doctor/reports/${reportId}`), await prescribe(doctor, reportId)]) {
        assert.equal(res.status, 403);
        assertExcludes(res.text, ...Object.values(report));
      }
      assert.equal((await context.ledger.client.prescriptions(reportId)).length, before);
    }

    it('refuses a doctor whose hospital holds no grant: 403 to read or prescribe, with no part of the report', async () => {
      await assertDoctorRefused(khan, apolloOnly.id, APOLLO_ONLY);
      assertIncludes(await page(khan, `/doctor/reports/${shared.id}`), SHARED.details); // granted to Fortis
    });

    it('takes a revoke into effect at once, and a new share restores access', async () => {
      const path = `/patient/reports/${apolloOnly.id}`;
      const revoked = await followSaved(alice, await post(alice, path, `${path}/revoke`, { hospitalId: String(apollo.id) }), path);
      assertIncludes(revoked.page, 'Access revoked and saved on the ledger.');
      // A revoke ends the grant at its block: the page says when.
      assertIncludes(rowWith(revoked.page, `>${APOLLO.name}</td>`), 'badge--revoked">Ended</span>', 'access ended on <time datetime="');
      await assertDoctorRefused(rao, apolloOnly.id, APOLLO_ONLY);
      assert.deepEqual(extractReportIds(await page(rao, '/doctor'), '/doctor/reports'), [shared.id]);

      const again = await followSaved(alice, await post(alice, path, `${path}/share`, { hospitalId: String(apollo.id) }), path);
      assertIncludes(again.page, 'Access granted with no end and saved on the ledger.');
      assertIncludes(await page(rao, `/doctor/reports/${apolloOnly.id}`), APOLLO_ONLY.details);
      assert.deepEqual(extractReportIds(await page(rao, '/doctor'), '/doctor/reports'), [apolloOnly.id, shared.id]);
    });

    it('asks to confirm a revoke on a page of its own, which changes nothing by itself', async () => {
      const path = `/patient/reports/${shared.id}`;
      const before = await context.ledger.client.reportHospitals(shared.id);
      assertIncludes(await page(alice, path), `href="${path}/revoke?hospitalId=${apollo.id}" aria-label="Revoke access of ${APOLLO.name}"`);
      const confirm = await page(alice, `${path}/revoke?hospitalId=${apollo.id}`);
      assertIncludes(confirm, `Revoke access of ${APOLLO.name}?`, SHARED.title, `action="${path}/revoke"`, `name="hospitalId" value="${apollo.id}"`, 'Keep sharing');
      assertExcludes(confirm, SHARED.details);
      assert.deepEqual(await context.ledger.client.reportHospitals(shared.id), before);
      for (const query of ['', 'hospitalId=abc', 'hospitalId=999', `hospitalId=${apollo.id}&hospitalId=${fortis.id}`]) {
        const res = await alice.get(`${path}/revoke?${query}`);
        assert.equal(res.status, 400, query);
      }
      const notShared = await alice.get(`/patient/reports/${apolloOnly.id}/revoke?hospitalId=${fortis.id}`);
      assert.equal(notShared.status, 400);
      assertIncludes(notShared.text, 'That hospital has no access to revoke');
      assert.equal((await bob.get(`${path}/revoke?hospitalId=${apollo.id}`)).status, 404);
    });

    it('answers a share of a granted hospital, or a revoke of one without access, with 400 and a plain message', async () => {
      const path = `/patient/reports/${shared.id}`;
      const before = await context.ledger.client.reportHospitals(shared.id);
      const again = await post(alice, path, `${path}/share`, { hospitalId: String(apollo.id) });
      assert.equal(again.status, 400);
      assertIncludes(again.text, 'That hospital already has access to this report');
      assertExcludes(again.text, 'EHRAlreadyGranted');
      const none = await post(alice, `/patient/reports/${apolloOnly.id}`, `/patient/reports/${apolloOnly.id}/revoke`, { hospitalId: String(fortis.id) });
      assert.equal(none.status, 400);
      assertIncludes(none.text, 'That hospital has no access to revoke');
      assert.deepEqual(await context.ledger.client.reportHospitals(shared.id), before);
    });

    it("answers another patient 404 for a report that is not theirs, to read, share or revoke, and changes nothing", async () => {
      const read = await bob.get(`/patient/reports/${shared.id}`);
      assert.equal(read.status, 404);
      assertExcludes(read.text, ...Object.values(SHARED));
      const share = await post(bob, '/patient', `/patient/reports/${apolloOnly.id}/share`, { hospitalId: String(fortis.id) });
      const revoke = await post(bob, '/patient', `/patient/reports/${shared.id}/revoke`, { hospitalId: String(apollo.id) });
      assert.deepEqual([share.status, revoke.status], [404, 404]);
      assert.deepEqual(await context.ledger.client.reportHospitals(shared.id), [apollo.id, fortis.id]);
      assert.deepEqual(await context.ledger.client.reportHospitals(apolloOnly.id), [apollo.id]);
      assert.equal((await khan.get(`/doctor/reports/${apolloOnly.id}`)).status, 403);
      assert.equal((await rao.get(`/doctor/reports/${shared.id}`)).status, 200);
      assert.deepEqual(extractReportIds(await page(bob, '/patient')), []);
    });

    it('sends the anonymous to the login page of the role', async () => {
      const anonymous = supertest(app);
      for (const [path, loginPage] of [
        ['/admin', '/admin/login'], ['/patient', '/patient/login'], ['/patient/reports/1', '/patient/login'],
        ['/doctor', '/doctor/login'], ['/doctor/reports/1', '/doctor/login'],
      ]) {
        const res = await anonymous.get(path);
        assert.deepEqual([path, res.status, res.headers.location], [path, 302, loginPage]);
      }
    });

    it('refuses a signed-in user of another role with 403', async () => {
      for (const [who, agent, path] of [
        ['patient', alice, '/admin'], ['patient', alice, '/doctor'], ['doctor', rao, '/patient'], ['admin', admin, '/patient'],
        ['patient', alice, `/doctor/reports/${shared.id}`], ['admin', admin, `/doctor/reports/${shared.id}`],
      ] as const) {
        const res = await agent.get(path);
        assert.deepEqual([who, path, res.status], [who, path, 403]);
        assertIncludes(res.text, 'Access denied');
        assertExcludes(res.text, ...Object.values(SHARED));
      }
    });

    it('answers 404 for malformed and unknown report ids', async () => {
      for (const [agent, path] of [
        [alice, '/patient/reports/abc'], [alice, '/patient/reports/0'], [alice, '/patient/reports/99999'],
        [rao, '/doctor/reports/-1'], [rao, '/doctor/reports/1.5'], [rao, '/doctor/reports/99999'],
      ] as const) {
        assert.deepEqual([path, (await agent.get(path)).status], [path, 404]);
      }
      assert.equal((await prescribe(rao, 0)).status, 404);
      assert.equal((await post(alice, '/patient', '/patient/reports/abc/share', { hospitalId: String(apollo.id) })).status, 404);
    });

    it('refuses a form without its _csrf token, or with a wrong one, with 403 and writes nothing', async () => {
      const reports = extractReportIds(await page(alice, '/patient'));
      const count = await context.ledger.client.reportCount();
      const report = { ...newReport(), hospitalIds: String(apollo.id) };
      const bobsToken = csrfFrom(await page(bob, '/patient'));
      for (const token of [{}, { _csrf: 'not-the-token' }, { _csrf: bobsToken }]) {
        const res = await alice.post('/patient/reports').type('form').send({ ...report, ...token });
        assert.equal(res.status, 403);
        assertIncludes(res.text, 'Form expired');
      }
      const hospital = await admin.post('/admin/hospitals').type('form').send({ name: 'Ghost Clinic', address: 'Nowhere 1', phone: '000' });
      assert.equal(hospital.status, 403);
      assert.deepEqual(extractReportIds(await page(alice, '/patient')), reports);
      assert.equal(await context.ledger.client.reportCount(), count);
      assert.equal(hospitalRows(await page(admin, '/admin')).length, 2);
    });
  });

  describe('logout', () => {
    it('ends the session: 303 to /, and the old cookie no longer opens /patient', async () => {
      const agent = supertest.agent(app);
      const signedIn = await post(agent, '/patient/login', '/patient/login', { username: ALICE.username, password: PASSWORD });
      assert.equal(signedIn.status, 303);
      const cookie = /ehr\.sid=[^;]+/.exec(String(signedIn.headers['set-cookie']))?.[0];
      assert.ok(cookie, 'login set no session cookie');
      assert.equal((await supertest(app).get('/patient').set('Cookie', cookie)).status, 200);

      const refused = await agent.post('/logout').type('form').send({});
      assert.equal(refused.status, 403, 'a logout without its token is refused');
      assert.equal((await agent.get('/patient')).status, 200);

      const out = await post(agent, '/patient', '/logout', {});
      assert.deepEqual([out.status, out.headers.location], [303, '/']);
      for (const res of [await supertest(app).get('/patient').set('Cookie', cookie), await agent.get('/patient')]) {
        assert.deepEqual([res.status, res.headers.location], [302, '/patient/login']);
      }
    });
  });
});
