/**
 * The admin console a class can be run from (issue 17), over HTTP: pharmacies and insurers with
 * their staff (added, listed, removed), every patient listed with their last sign-in, a password
 * reset that shows a one-time password once and holds its user on the password page until they
 * choose their own, and a class's accounts made from pasted lines, their passwords downloadable
 * once as CSV.
 */
import assert from 'node:assert/strict';
import type { Express } from 'express';
import supertest from 'supertest';
import type { AppContext } from '../../src/context';
import type { Services } from '../../src/services';
import { REMOVED_STAFF } from '../../src/features/auth/service';
import { sqlOf, startTestApp } from '../support/context';
import {
  assertExcludes,
  assertIncludes,
  csrfFrom,
  escapeHtml,
  fieldErrors,
  fieldValue,
  followSaved,
  login,
  page,
  post,
  rowWith,
  selectedOptions,
  type Agent,
  type Response,
} from '../support/http';
import { addressOf, seedWorld, userIdOf, WORLD_PASSWORD } from '../support/world';

const ONE_TIME = /^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/;
const ONE_TIME_ON_PAGE = /<span class="mono" id="one-time-password">([^<]+)<\/span>/;

/** Logs in and returns where the login sent the user (without asserting the role's home). */
async function loginTo(app: Express, role: string, username: string, password: string): Promise<{ agent: Agent; res: Response }> {
  const agent = supertest.agent(app);
  const res = await post(agent, `/${role}/login`, `/${role}/login`, { username, password });
  return { agent, res };
}

/** The one-time password a reset page shows. */
function oneTimeOf(html: string): string {
  const match = ONE_TIME_ON_PAGE.exec(html);
  assert.ok(match, 'the page shows no one-time password');
  assert.match(match[1], ONE_TIME);
  return match[1];
}

/** A row of a stacked table, its cells' text in order (tags and spacing gone). */
const cells = (row: string) => [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map(m => m[1].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());

describe('admin console: pharmacies, insurers, patients, one-time passwords, a class of accounts', function () {
  this.timeout(180_000);
  let context: AppContext;
  let services: Services;
  let app: Express;
  let admin: Agent;
  let hospitalId: number;

  const mustChange = (username: string) =>
    sqlOf(context).prepare<[string], { must_change_password: number }>('SELECT must_change_password FROM users WHERE username = ?').get(username)?.must_change_password;
  const hashOf = (username: string) => sqlOf(context).prepare<[string], { password_hash: string }>('SELECT password_hash FROM users WHERE username = ?').get(username)?.password_hash;

  before(async () => {
    ({ context, services, app } = await startTestApp());
    const world = await seedWorld(context, services, {
      hospitals: [{ name: 'Apollo' }],
      doctors: [{ username: 'drsmith', hospital: 'Apollo', fullName: 'John Smith' }],
      patients: [
        { username: 'alice', fullName: 'Alice Kumar' },
        { username: 'bob', fullName: 'Bob Reddy' },
      ],
      reports: [
        { patient: 'alice', title: 'Blood test' },
        { patient: 'alice', title: 'X-ray' },
      ],
    });
    hospitalId = world.hospitals.Apollo;
    admin = await login(app, 'admin', 'admin', 'admin');
  });

  after(async () => {
    await services?.background.settled();
    await context?.close();
  });

  describe('pharmacies and pharmacists', () => {
    let pharmacyId: number;

    it('adds a pharmacy with its details, on the ledger, and lists it in its own section', async () => {
      const saved = await followSaved(admin, await post(admin, '/admin', '/admin/pharmacies', { name: 'MedPlus', address: '4 Anna Salai, Chennai', phone: '+91 44 1111 2222' }), '/admin');
      assertIncludes(saved.page, 'Pharmacy &#34;MedPlus&#34; added and saved on the ledger.');
      const row = cells(rowWith(saved.page, '<td data-label="Name">MedPlus</td>'));
      pharmacyId = Number(row[0]);
      assert.deepEqual(row, [String(pharmacyId), 'MedPlus', '4 Anna Salai, Chennai', '+91 44 1111 2222', '0']);
      assert.deepEqual(await context.ledger.client.organisation(pharmacyId), { kind: 'pharmacy', name: 'MedPlus' });
      // Sections, each with its heading, reached from the list at the top.
      assertIncludes(saved.page, '<h2 id="hospitals-and-doctors">', '<h2 id="pharmacies-and-pharmacists">', '<h2 id="insurers-and-staff">', 'href="#pharmacies-and-pharmacists"');
    });

    it('adds a pharmacist at it, listed as active with a Remove link, who logs in', async () => {
      const fields = { fullName: 'Meena Iyer', username: 'meena', password: 'pharma-pass-1', email: 'meena@medplus.example', pharmacyId: String(pharmacyId) };
      const saved = await followSaved(admin, await post(admin, '/admin', '/admin/pharmacists', fields), '/admin');
      assertIncludes(saved.page, 'Pharmacist Meena Iyer (meena) added and saved on the ledger.');
      const row = rowWith(saved.page, '<td data-label="Username">meena</td>');
      assert.deepEqual(cells(row), ['Meena Iyer', 'meena', 'meena@medplus.example', 'MedPlus', 'Active Remove']);
      assertIncludes(row, 'href="/admin/staff/meena/remove"');
      assert.deepEqual(await context.ledger.client.staffOf(addressOf(context, 'meena')), { organisationId: pharmacyId, role: 'pharmacist' });
      await login(app, 'pharmacist', 'meena', 'pharma-pass-1');
    });

    it('refuses an empty pharmacy form and a name any organisation holds with 400, keeping what was typed', async () => {
      const empty = await post(admin, '/admin', '/admin/pharmacies', {});
      assert.equal(empty.status, 400);
      assert.deepEqual(fieldErrors(empty.text), { 'ph-name': 'Pharmacy name is required', 'ph-address': 'Address is required', 'ph-phone': 'Phone is required' });
      const typed = { name: '  APOLLO ', address: 'Somewhere 5', phone: '+91 1234' };
      const taken = await post(admin, '/admin', '/admin/pharmacies', typed);
      assert.equal(taken.status, 400);
      assert.deepEqual(Object.keys(fieldErrors(taken.text)), ['ph-name']);
      assert.match(fieldErrors(taken.text)['ph-name'], /A hospital named &#34;Apollo&#34; already exists/);
      for (const field of ['name', 'address', 'phone'] as const) assert.equal(fieldValue(taken.text, `ph-${field}`), escapeHtml(typed[field]));
    });

    it('refuses a pharmacist with a taken username, a hospital for a pharmacy, or nothing, with 400 and never the password', async () => {
      const typed = { fullName: 'Second Meena', username: 'MEENA', password: 'secret-pass-77', email: 'second@example.org', pharmacyId: String(pharmacyId) };
      const taken = await post(admin, '/admin', '/admin/pharmacists', typed);
      assert.equal(taken.status, 400);
      assert.deepEqual(fieldErrors(taken.text), { 'pm-username': 'This username is taken' });
      for (const field of ['fullName', 'username', 'email'] as const) assert.equal(fieldValue(taken.text, `pm-${field}`), typed[field]);
      assert.deepEqual(selectedOptions(taken.text, 'pm-pharmacyId'), [String(pharmacyId)]);
      assert.equal(fieldValue(taken.text, 'pm-password'), '');
      assertExcludes(taken.text, typed.password);

      const hospital = await post(admin, '/admin', '/admin/pharmacists', { ...typed, username: 'nobody', pharmacyId: String(hospitalId) });
      assert.equal(hospital.status, 400);
      assert.deepEqual(fieldErrors(hospital.text), { 'pm-pharmacyId': 'Choose a pharmacy from the list' });
      assert.equal(await services.admin.staffMember('nobody'), undefined);

      const empty = await post(admin, '/admin', '/admin/pharmacists', {});
      assert.equal(empty.status, 400);
      assert.deepEqual(fieldErrors(empty.text), {
        'pm-fullName': 'Full name is required',
        'pm-username': 'Username is required',
        'pm-password': 'Password is required',
        'pm-email': 'Email is required',
        'pm-pharmacyId': 'Pharmacy is required',
      });
    });
  });

  describe("insurers and their staff", () => {
    let insurerId: number;

    it('adds an insurer and a staff member of it, each on the ledger, listed with its details', async () => {
      const added = await followSaved(admin, await post(admin, '/admin', '/admin/insurers', { name: 'Star Health', address: '1 Mount Road', phone: '1800 425 2255' }), '/admin');
      assertIncludes(added.page, 'Insurer &#34;Star Health&#34; added and saved on the ledger.');
      insurerId = Number(cells(rowWith(added.page, '<td data-label="Name">Star Health</td>'))[0]);
      assert.deepEqual(await context.ledger.client.organisation(insurerId), { kind: 'insurer', name: 'Star Health' });

      const fields = { fullName: 'Ravi Shah', username: 'ravi', password: 'insure-pass-1', email: 'ravi@star.example', insurerId: String(insurerId) };
      const saved = await followSaved(admin, await post(admin, '/admin', '/admin/insurer-staff', fields), '/admin');
      assertIncludes(saved.page, 'Insurer&#39;s staff member Ravi Shah (ravi) added and saved on the ledger.');
      assert.deepEqual(cells(rowWith(saved.page, '<td data-label="Username">ravi</td>')), ['Ravi Shah', 'ravi', 'ravi@star.example', 'Star Health', 'Active Remove']);
      assert.deepEqual(cells(rowWith(saved.page, '<td data-label="Name">Star Health</td>')).slice(1), ['Star Health', '1 Mount Road', '1800 425 2255', '1']);
      await login(app, 'insurer', 'ravi', 'insure-pass-1');
    });

    it('refuses bad insurer and staff forms with 400, keeping what was typed', async () => {
      const insurer = await post(admin, '/admin', '/admin/insurers', { name: 'Star Health', address: '', phone: '12' });
      assert.equal(insurer.status, 400);
      assert.deepEqual(fieldErrors(insurer.text), { 'in-address': 'Address is required', 'in-phone': 'Phone must be at least 3 characters' });
      assert.equal(fieldValue(insurer.text, 'in-name'), 'Star Health');

      const typed = { fullName: 'Uma Rao', username: 'uma', password: 'short', email: 'not-an-email', insurerId: String(insurerId) };
      const staff = await post(admin, '/admin', '/admin/insurer-staff', typed);
      assert.equal(staff.status, 400);
      assert.deepEqual(fieldErrors(staff.text), { 'is-password': 'Password must be 8 to 72 characters', 'is-email': 'Enter a valid email address' });
      for (const field of ['fullName', 'username', 'email'] as const) assert.equal(fieldValue(staff.text, `is-${field}`), typed[field]);
      assert.deepEqual(selectedOptions(staff.text, 'is-insurerId'), [String(insurerId)]);

      const wrongKind = await post(admin, '/admin', '/admin/insurer-staff', { ...typed, password: 'long-enough-1', email: 'uma@example.org', insurerId: String(hospitalId) });
      assert.equal(wrongKind.status, 400);
      assert.deepEqual(fieldErrors(wrongKind.text), { 'is-insurerId': 'Choose an insurer from the list' });
      assert.equal(await services.admin.staffMember('uma'), undefined);
    });
  });

  describe('removing a pharmacist and an insurer\'s staff member', () => {
    for (const [role, username, fullName] of [['pharmacist', 'meena', 'Meena Iyer'], ['insurer', 'ravi', 'Ravi Shah']] as const) {
      it(`removes ${username} (${role}) on the ledger: listed as removed, and the login is refused`, async () => {
        assertIncludes(await page(admin, `/admin/staff/${username}/remove`), `Remove ${fullName}`);
        const saved = await followSaved(admin, await post(admin, `/admin/staff/${username}/remove`, `/admin/staff/${username}/remove`, {}), '/admin');
        assertIncludes(saved.page, `${fullName} (${username}) was removed on the ledger`);
        const row = rowWith(saved.page, `<td data-label="Username">${username}</td>`);
        assertIncludes(row, 'Removed');
        assertExcludes(row, '/remove"');
        assert.equal((await context.ledger.client.staffOf(addressOf(context, username))).organisationId, 0);
        const { res } = await loginTo(app, role, username, role === 'pharmacist' ? 'pharma-pass-1' : 'insure-pass-1');
        assert.equal(res.status, 403);
        assertIncludes(res.text, REMOVED_STAFF);
      });
    }
  });

  describe('the patients page', () => {
    it('lists every patient with name, email, reports and "never" before a first sign-in', async () => {
      const html = await page(admin, '/admin/patients');
      assert.deepEqual(cells(rowWith(html, '<td data-label="Username">alice</td>')).slice(0, 5), ['alice', 'Alice Kumar', 'alice@example.org', '2', 'never']);
      assert.deepEqual(cells(rowWith(html, '<td data-label="Username">bob</td>')).slice(0, 5), ['bob', 'Bob Reddy', 'bob@example.org', '0', 'never']);
      assertIncludes(rowWith(html, '<td data-label="Username">bob</td>'), 'action="/admin/users/bob/reset-password"', '>Reset password</button>');
      assertExcludes(html, 'drsmith'); // staff are not patients
      assertIncludes(html, '<a href="/admin/patients" aria-current="page">Patients</a>');
    });

    it('records every successful login, and shows the last one', async () => {
      const before = Date.now();
      await login(app, 'patient', 'alice', WORLD_PASSWORD);
      const failed = await loginTo(app, 'patient', 'bob', 'wrong-password');
      assert.equal(failed.res.status, 401);
      const rows = await services.admin.patients();
      const alice = rows.find(p => p.username === 'alice')!;
      assert.ok(alice.lastLoginAt !== null && alice.lastLoginAt >= before && alice.lastLoginAt <= Date.now());
      assert.equal(rows.find(p => p.username === 'bob')!.lastLoginAt, null); // a failure is no sign-in
      await login(app, 'doctor', 'drsmith', WORLD_PASSWORD);
      assert.ok((await context.store.users.findByUsername('drsmith'))!.lastLoginAt! >= before);
      const html = await page(admin, '/admin/patients');
      const shown = cells(rowWith(html, '<td data-label="Username">alice</td>'))[4];
      assert.equal(shown, `${new Date(alice.lastLoginAt!).toISOString().slice(0, 16).replace('T', ' ')} UTC`);
    });

    it('is the admin\'s only: others are refused, the anonymous sent to the admin login', async () => {
      const alice = await login(app, 'patient', 'alice', WORLD_PASSWORD);
      assert.equal((await alice.get('/admin/patients')).status, 403);
      const anonymous = await supertest(app).get('/admin/patients');
      assert.equal(anonymous.status, 302);
      assert.equal(anonymous.headers.location, '/admin/login');
    });
  });

  describe('a password reset', () => {
    let bobOld: Agent;
    let oneTime: string;

    it('shows a one-time password once, uncached, keeps only its hash, and ends the user\'s sessions', async () => {
      bobOld = await login(app, 'patient', 'bob', WORLD_PASSWORD);
      assert.equal((await bobOld.get('/patient')).status, 200);
      const res = await post(admin, '/admin/patients', '/admin/users/bob/reset-password', {});
      assert.equal(res.status, 200);
      assert.match(String(res.headers['cache-control']), /no-store/);
      oneTime = oneTimeOf(res.text);
      assertIncludes(res.text, 'Bob Reddy', 'shown only this once', 'their 1 open session was ended', 'href="/admin/patients"');
      // Kept nowhere but as a hash: not in the users table, the sessions, the settings or any page after.
      const db = sqlOf(context);
      const dump = JSON.stringify([db.prepare('SELECT * FROM users').all(), db.prepare('SELECT * FROM sessions').all(), db.prepare('SELECT * FROM settings').all()]);
      assert.ok(!dump.includes(oneTime), 'the one-time password is stored in clear');
      assert.match(hashOf('bob')!, /^\$2[aby]\$/);
      assert.equal(mustChange('bob'), 1);
      assertExcludes(await page(admin, '/admin/patients'), oneTime);
      assertExcludes(await page(admin, '/admin'), oneTime);
      // Bob's open session is over; his old password is gone.
      const ended = await bobOld.get('/patient');
      assert.equal(ended.status, 302);
      assert.equal(ended.headers.location, '/patient/login');
      assert.equal((await loginTo(app, 'patient', 'bob', WORLD_PASSWORD)).res.status, 401);
    });

    it('sends the user to choose a password at login, and every other page there (303) until they do', async () => {
      const { agent: bob, res } = await loginTo(app, 'patient', 'bob', oneTime);
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/account/password');
      const passwordPage = await page(bob, '/account/password');
      assertIncludes(passwordPage, 'You signed in with a one-time password from the admin.', 'Choose your own password');
      for (const path of ['/patient', '/patient/access-log', '/ledger', '/patient/reports/1', '/admin', '/doctor']) {
        const other = await bob.get(path);
        assert.equal(other.status, 303, path);
        assert.equal(other.headers.location, '/account/password', path);
      }
      const _csrf = csrfFrom(passwordPage);
      const write = await bob.post('/patient/reports').type('form').send({ _csrf, title: 'T', disease: 'D', details: 'X' });
      assert.equal(write.status, 303);
      assert.equal(write.headers.location, '/account/password');
      assert.deepEqual(await context.ledger.client.reportsOf(addressOf(context, 'bob')), []);

      // The one-time password again, or a wrong current password: 400, still held.
      const same = await post(bob, '/account/password', '/account/password', { currentPassword: oneTime, newPassword: oneTime, confirmPassword: oneTime });
      assert.equal(same.status, 400);
      assert.deepEqual(fieldErrors(same.text), { 'p-newPassword': 'Choose a password of your own, not the one-time password' });
      const wrong = await post(bob, '/account/password', '/account/password', { currentPassword: 'not-it-at-all', newPassword: 'bobs-own-pass-1', confirmPassword: 'bobs-own-pass-1' });
      assert.equal(wrong.status, 400);
      assert.equal((await bob.get('/patient')).status, 303);

      const changed = await post(bob, '/account/password', '/account/password', { currentPassword: oneTime, newPassword: 'bobs-own-pass-1', confirmPassword: 'bobs-own-pass-1' });
      assert.equal(changed.status, 303);
      assert.equal(changed.headers.location, '/patient');
      assertIncludes(await page(bob, '/patient'), 'Your password was changed');
      assert.equal(mustChange('bob'), 0);
      assert.equal((await loginTo(app, 'patient', 'bob', oneTime)).res.status, 401);
      await login(app, 'patient', 'bob', 'bobs-own-pass-1'); // straight to /patient
    });

    it('resets a staff member too, whose console link leads back to the console', async () => {
      const res = await post(admin, '/admin', '/admin/users/drsmith/reset-password', {});
      assert.equal(res.status, 200);
      assertIncludes(res.text, 'John Smith', 'doctor', '<a href="/admin">← Admin console</a>');
      const { agent, res: loggedIn } = await loginTo(app, 'doctor', 'drsmith', oneTimeOf(res.text));
      assert.equal(loggedIn.headers.location, '/account/password');
      assert.equal((await agent.get('/doctor')).headers.location, '/account/password');
    });

    it('is 404 for a username that is no user (the admin included), and refused to anyone but the admin', async () => {
      for (const name of ['nobody', 'admin', 'BAD NAME!', 'a']) {
        const res = await post(admin, '/admin/patients', `/admin/users/${encodeURIComponent(name)}/reset-password`, {});
        assert.equal(res.status, 404, name);
      }
      const alice = await login(app, 'patient', 'alice', WORLD_PASSWORD);
      const refused = await post(alice, '/patient', '/admin/users/bob/reset-password', {});
      assert.equal(refused.status, 403);
      await login(app, 'patient', 'bob', 'bobs-own-pass-1'); // unchanged
    });
  });

  describe("a class's accounts from pasted lines", () => {
    const PASTE = [
      'username,fullName,email', // the header: skipped
      'carol,Carol Roy,carol@example.org',
      '',
      '  dave , "Dave, Junior" , dave@example.org  ',
      'carol,Carol Again,carol2@example.org', // a duplicate within the paste
      'alice,Alice Again,alice2@example.org', // taken
      'erin,Erin Das,not-an-email',
      'x,Too Short,x@example.org',
      'frank,Frank Lee',
      `gita,${'G'.repeat(121)},gita@example.org`,
      'Hema,Hema Nair,hema@example.org',
    ].join('\n');
    let result: Response;
    let token: string;

    it('makes an account for each good line and lists each bad one with its line number and why', async () => {
      result = await post(admin, '/admin/patients', '/admin/patients/bulk', { rows: PASTE });
      assert.equal(result.status, 200, result.text.slice(0, 500));
      assert.match(String(result.headers['cache-control']), /no-store/);
      assertIncludes(result.text, '3 patient accounts made');
      const made = ['carol', 'dave', 'hema'].map(name => cells(rowWith(result.text, `<td data-label="Username">${name}</td>`)));
      assert.deepEqual(
        made.map(r => r.slice(0, 4)),
        [
          ['2', 'carol', 'Carol Roy', 'carol@example.org'],
          ['4', 'dave', 'Dave, Junior', 'dave@example.org'],
          ['11', 'hema', 'Hema Nair', 'hema@example.org'],
        ],
      );
      for (const row of made) assert.match(row[4], ONE_TIME);
      const refused = (line: number) => cells(rowWith(result.text, `<td data-label="Line">${line}</td><td data-label="As pasted"`));
      assert.equal(refused(5)[2], 'The username carol is already on line 2 of this list');
      assert.equal(refused(6)[2], 'The username alice is taken');
      assert.equal(refused(7)[2], 'Enter a valid email address');
      assert.equal(refused(8)[2], 'Username must be 3 to 32 characters');
      assert.equal(refused(9)[2], 'Write three fields: username,fullName,email');
      assert.equal(refused(10)[2], 'Full name must be at most 120 characters');
      assertIncludes(result.text, 'Lines that made no account (6)');
      // The bad lines come back in a box, to correct and send again.
      assert.equal(fieldValue(result.text, 'b-rows').split('\n').length, 6);

      for (const name of ['carol', 'dave', 'hema']) {
        assert.equal(mustChange(name), 1);
        assert.ok(await context.ledger.client.isPatient(addressOf(context, name)), `${name} is registered on the ledger`);
      }
      assert.equal((await context.store.users.findByUsername('alice'))!.fullName, 'Alice Kumar');
      for (const name of ['erin', 'x', 'frank', 'gita']) assert.equal(await context.store.users.findByUsername(name), undefined);
      token = /<input type="hidden" name="token" value="([^"]+)">/.exec(result.text)![1];
    });

    it('offers the accounts as CSV once: the download holds the page\'s passwords, a second one is gone (410)', async () => {
      const _csrf = csrfFrom(result.text);
      const stranger = await login(app, 'admin', 'admin', 'admin'); // another admin session: not its download
      const other = await stranger.post('/admin/patients/bulk/download').type('form').send({ _csrf: csrfFrom(await page(stranger, '/admin/patients')), token: `${token}x` });
      assert.equal(other.status, 410);

      const csv = await admin.post('/admin/patients/bulk/download').type('form').send({ _csrf, token });
      assert.equal(csv.status, 200);
      assert.match(String(csv.headers['content-type']), /^text\/csv; charset=utf-8/);
      assert.match(String(csv.headers['content-disposition']), /^attachment; filename="?patients-\d{4}-\d{2}-\d{2}\.csv"?$/);
      assert.match(String(csv.headers['cache-control']), /no-store/);
      const lines = csv.text.trimEnd().split('\r\n');
      assert.equal(lines[0], 'username,fullName,email,oneTimePassword');
      const passwords = ['carol', 'dave', 'hema'].map(name => cells(rowWith(result.text, `<td data-label="Username">${name}</td>`))[4]);
      assert.deepEqual(lines.slice(1), [`carol,Carol Roy,carol@example.org,${passwords[0]}`, `dave,"Dave, Junior",dave@example.org,${passwords[1]}`, `hema,Hema Nair,hema@example.org,${passwords[2]}`]);

      const again = await admin.post('/admin/patients/bulk/download').type('form').send({ _csrf, token });
      assert.equal(again.status, 410);
      assertExcludes(again.text, passwords[0]);

      // A made account signs in with its one-time password and must choose its own first.
      const { agent: dave, res } = await loginTo(app, 'patient', 'dave', passwords[1]);
      assert.equal(res.headers.location, '/account/password');
      assert.equal((await dave.get('/patient')).headers.location, '/account/password');
      const changed = await post(dave, '/account/password', '/account/password', { currentPassword: passwords[1], newPassword: 'daves-own-pass', confirmPassword: 'daves-own-pass' });
      assert.equal(changed.headers.location, '/patient');
      assertIncludes(await page(dave, '/patient'), 'Your password was changed');
      // Listed on the patients page with the others.
      assert.deepEqual(cells(rowWith(await page(admin, '/admin/patients'), '<td data-label="Username">dave</td>')).slice(0, 4), ['dave', 'Dave, Junior', 'dave@example.org', '0']);
    });

    it('answers a paste with no usable line with 400, the lines kept and each one\'s reason listed', async () => {
      const rows = 'carol,Carol Roy,carol@example.org\n\nzed,Zed,bad-email';
      const res = await post(admin, '/admin/patients', '/admin/patients/bulk', { rows });
      assert.equal(res.status, 400);
      assert.deepEqual(fieldErrors(res.text), { 'b-rows': 'None of the 2 lines could be used: see why below' });
      assert.equal(fieldValue(res.text, 'b-rows'), rows);
      assertIncludes(res.text, 'The username carol is taken', 'Enter a valid email address', '<td data-label="Line">3</td>');

      const empty = await post(admin, '/admin/patients', '/admin/patients/bulk', { rows: ' \n\n ' });
      assert.equal(empty.status, 400);
      assert.deepEqual(fieldErrors(empty.text), { 'b-rows': 'Paste at least one line: username,fullName,email' });
      const missing = await post(admin, '/admin/patients', '/admin/patients/bulk', {});
      assert.equal(missing.status, 400);

      const many = Array.from({ length: 501 }, (_, i) => `many${i},Many ${i},many${i}@example.org`).join('\n');
      const tooMany = await post(admin, '/admin/patients', '/admin/patients/bulk', { rows: many });
      assert.equal(tooMany.status, 400);
      assert.deepEqual(fieldErrors(tooMany.text), { 'b-rows': 'At most 500 lines at a time: paste the rest in a second go' });
      assert.equal(await context.store.users.findByUsername('many0'), undefined);
    });

    it('is the admin\'s only', async () => {
      const alice = await login(app, 'patient', 'alice', WORLD_PASSWORD);
      const res = await post(alice, '/patient', '/admin/patients/bulk', { rows: 'mallory,Mallory,m@example.org' });
      assert.equal(res.status, 403);
      assert.equal(await context.store.users.findByUsername('mallory'), undefined);
    });
  });

  describe('the console as a whole', () => {
    it('keeps every section filled in one valid page: one id each, every field labelled, a heading per section', async () => {
      const html = await page(admin, '/admin');
      const ids = [...html.matchAll(/ id="([^"]+)"/g)].map(m => m[1]);
      assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), [], 'duplicate ids');
      for (const [, id] of html.matchAll(/<(?:input|select|textarea) id="([^"]+)"/g)) assertIncludes(html, `<label for="${id}">`);
      for (const [, id] of html.matchAll(/aria-labelledby="([^"]+)"/g)) assert.ok(ids.includes(id), `aria-labelledby ${id} names no element`);
      assert.ok(userIdOf(context, 'meena') > 0);
      assertIncludes(html, 'MedPlus', 'Star Health', 'Apollo', 'John Smith', 'Meena Iyer', 'Ravi Shah');
    });
  });
});

describe('a class of 200 accounts in one go (bcrypt at its real cost)', function () {
  this.timeout(600_000);
  let context: AppContext;
  let services: Services;
  let app: Express;

  before(async () => {
    ({ context, services, app } = await startTestApp({}, { bcryptCost: 12 }));
  });

  after(async () => {
    await services?.background.settled();
    await context?.close();
  });

  it('makes 200 patient accounts on the ledger from one paste, within two minutes', async () => {
    const admin = await login(app, 'admin', 'admin', 'admin');
    const rows = ['username,fullName,email', ...Array.from({ length: 200 }, (_, i) => `student${String(i + 1).padStart(3, '0')},Student Number ${i + 1},student${i + 1}@school.example`)].join('\n');
    const _csrf = csrfFrom(await page(admin, '/admin/patients'));
    const started = process.hrtime.bigint();
    const res = await admin.post('/admin/patients/bulk').type('form').send({ _csrf, rows });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`      200 accounts made in ${seconds.toFixed(1)} s`);
    assert.equal(res.status, 200, res.text.slice(0, 500));
    assertIncludes(res.text, '200 patient accounts made');
    assertExcludes(res.text, 'Lines that made no account');
    assert.ok(seconds < 120, `200 accounts took ${seconds.toFixed(1)} s`);
    const patients = await services.admin.patients();
    assert.equal(patients.length, 200);
    const counts = sqlOf(context).prepare<[], { n: number; must: number }>("SELECT COUNT(*) AS n, SUM(must_change_password) AS must FROM users WHERE role = 'patient'").get()!;
    assert.deepEqual(counts, { n: 200, must: 200 });
    for (const name of ['student001', 'student100', 'student200']) assert.ok(await context.ledger.client.isPatient(addressOf(context, name)));
    // A one-time password works, hashed at the lower cost (see ONE_TIME_BCRYPT_COST).
    const password = cells(rowWith(res.text, '<td data-label="Username">student200</td>'))[4];
    assert.match((await context.store.users.findByUsername('student200'))!.passwordHash, /^\$2[aby]\$08\$/);
    const { res: loggedIn } = await loginTo(app, 'patient', 'student200', password);
    assert.equal(loggedIn.headers.location, '/account/password');
  });
});
