/**
 * The security model of the README, attacked over HTTP: stored XSS in every field a page shows,
 * CSRF, session fixation, logout, idle timeout and lifetime (on a fake clock), cookie flags,
 * login throttling, one answer for unknown users and wrong passwords, body size, error pages,
 * security headers, the admin password and secrets in logs and in DATA_DIR.
 *
 * One chain and one set of services; several apps over them, each for what it needs:
 * - `app`: behind one trusted proxy (so each failing login can come from an `X-Forwarded-For`
 *   address of its own and the per-IP throttle stays out of tests that are not about it), with
 *   its log lines captured;
 * - `directApp`: trusts no proxy (a forged `X-Forwarded-Proto` must not make cookies Secure);
 * - one app per throttling and per clock test, so their counters and clocks are their own.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import type { AppContext } from '../../src/context';
import type { Services } from '../../src/services';
import { SESSION_IDLE_MS, SESSION_LIFETIME_MS } from '../../src/web/auth';
import { ADDRESS_FAILURES_ALLOWED, LOGIN_FAILURES_ALLOWED } from '../../src/web/throttle';
import { startTestApp } from '../support/context';
import {
  csrfFrom, escapeHtml, filesContaining, followed, HOME_PAGES, LOGIN_PAGES, loginAgent, postForm, requestIdOf, sessionCookie, tokenOf,
  uniqueIp, withTrustProxy, type Agent, type LoginRole, type Response,
} from '../support/security';

const PASSWORD = 'security-pass-42';
const MINUTE = 60 * 1000;
const marked = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

/** Stored XSS: every shown field gets all three, behind a label that tells the fields apart. */
const SCRIPT = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(1)>';
const ATTR = "' onmouseover='x";
const xss = (label: string) => `${marked(label)}${SCRIPT}${IMG}${ATTR}`;
/** What must never reach a page as it was typed. */
const RAW = [SCRIPT, '<img src=x', "' onmouseover='", "'onmouseover'"];

const hospitalRows = (html: string) => html.match(/<tr><td>\d+<\/td>/g)?.length ?? 0;
const reportLinks = (html: string) => html.match(/href="\/patient\/reports\/\d+"/g)?.length ?? 0;
const alertOf = (html: string) => /<div class="notice notice--danger" role="alert">([^<]*)<\/div>/.exec(html)?.[1];
const STACK = /\n\s+at /;

/** Runs `work` with `console.error` caught (the app reports 5xx there), so that a failure stays quiet. */
async function catchingConsoleErrors<T>(work: () => Promise<T>): Promise<{ result: T; reported: string[] }> {
  const reported: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => void reported.push(args.map(arg => (arg instanceof Error ? `${arg.name}: ${arg.message}` : String(arg))).join(' '));
  try {
    return { result: await work(), reported };
  } finally {
    console.error = consoleError;
  }
}

function assertNoStack(res: Response): void {
  assert.doesNotMatch(res.text, STACK, `a stack trace on the ${res.status} page`);
  assert.ok(!res.text.includes('node_modules') && !res.text.includes('/src/'), `a source path on the ${res.status} page`);
}

describe('security', function () {
  this.timeout(180_000);
  let context: AppContext;
  let services: Services;
  let app: Express;
  let directApp: Express;
  const lines: string[] = [];
  let admin: Agent;
  let hospitalId: number;

  before(async () => {
    const started = await startTestApp();
    ({ context, services } = started);
    app = createApp(withTrustProxy(context, 1), services, { log: line => lines.push(line) });
    directApp = createApp(withTrustProxy(context, 0), services, { log: () => undefined });
    admin = await loginAgent(app, 'admin', 'admin', 'admin');
    ({ id: hospitalId } = await addHospital({ name: marked('General Hospital'), address: '1 Main Street', phone: '+1 555 0100' }));
  });
  after(async () => context?.close());

  /** Adds a hospital as the admin: its id from the hospitals table, and the page with the flash. */
  async function addHospital(hospital: { name: string; address: string; phone: string }): Promise<{ id: number; page: string }> {
    const page = await followed(admin, await postForm(admin, '/admin/hospitals', hospital), '/admin');
    const row = new RegExp(`<tr><td>(\\d+)</td><td>${escapeHtml(hospital.name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</td>`).exec(page);
    assert.ok(row, `hospital ${hospital.name} is not listed`);
    return { id: Number(row[1]), page };
  }

  async function signup(target: Express, username: string, password = PASSWORD, fields: Partial<Record<'fullName' | 'phone' | 'email', string>> = {}) {
    const visitor = supertest.agent(target);
    const res = await postForm(visitor, '/patient/signup', { username, password, email: `${username}@example.org`, fullName: `Patient ${username}`, phone: '+1 555 0101', ...fields });
    return followed(visitor, res, '/patient/login');
  }

  async function addDoctor(username: string, fields: Partial<Record<'fullName' | 'email' | 'specialty', string>> = {}, atHospital = hospitalId) {
    const res = await postForm(admin, '/admin/doctors', {
      fullName: `Dr ${username}`, username, password: PASSWORD, email: `${username}@example.org`, specialty: 'General', hospitalId: String(atHospital), ...fields,
    });
    return followed(admin, res, '/admin');
  }

  async function addReport(patient: Agent, report: { title: string; disease: string; details: string }, hospitalIds: number[]): Promise<{ id: number; page: string }> {
    const page = await followed(patient, await postForm(patient, '/patient/reports', { ...report, hospitalIds: hospitalIds.map(String) }), '/patient');
    const id = /saved on the ledger as report #(\d+)\./.exec(page);
    assert.ok(id, 'the flash does not name the report');
    return { id: Number(id[1]), page };
  }

  /** A failing login from an address of its own (behind the trusted proxy). */
  const failLogin = (agent: Agent, role: LoginRole, username: string, password: string) =>
    postForm(agent, LOGIN_PAGES[role], { username, password }, { headers: { 'X-Forwarded-For': uniqueIp() } });

  describe('stored XSS', () => {
    const HOSPITAL = { name: xss('hname'), address: xss('haddress'), phone: IMG };
    const DOCTOR = { fullName: xss('dname'), email: "x'onmouseover'alert-1@xss.example", specialty: xss('dspecialty') };
    const PATIENT = { fullName: xss('pname'), phone: '+1 (555) 010-0000' };
    const REPORT = { title: xss('rtitle'), disease: xss('rdisease'), details: xss('rdetails') };
    const RX = { medicines: xss('medicines'), dosage: xss('dosage'), instructions: xss('instructions') };
    const pages = new Map<string, string>();
    let reportId: number;

    before(async () => {
      const { id: xssHospital, page: hospitalAdded } = await addHospital(HOSPITAL);
      pages.set('/admin after adding a hospital (flash)', hospitalAdded);
      const doctorUser = marked('xssdoc').toLowerCase();
      pages.set('/admin after adding a doctor (flash)', await addDoctor(doctorUser, DOCTOR, xssHospital));
      const patientUser = marked('xsspat').toLowerCase();
      await signup(app, patientUser, PASSWORD, PATIENT);
      const patient = await loginAgent(app, 'patient', patientUser, PASSWORD);
      const added = await addReport(patient, REPORT, [xssHospital]);
      reportId = added.id;
      pages.set('/patient after adding a report (flash)', added.page);
      const doctor = await loginAgent(app, 'doctor', doctorUser, PASSWORD);
      const res = await postForm(doctor, `/doctor/reports/${reportId}/prescriptions`, RX);
      pages.set('/doctor/reports/:id after prescribing (flash)', await followed(doctor, res, `/doctor/reports/${reportId}`));
      for (const [agent, path] of [[admin, '/admin'], [patient, '/patient'], [patient, `/patient/reports/${reportId}`], [doctor, '/doctor'], [doctor, `/doctor/reports/${reportId}`]] as const) {
        const page = await agent.get(path);
        assert.equal(page.status, 200, `GET ${path} answered ${page.status}`);
        pages.set(path.replace(String(reportId), ':id'), page.text);
      }
    });

    /** Every field of the report and its prescription: what both report pages show. */
    const wholeRecord = () => ({
      'report title': REPORT.title,
      'report disease': REPORT.disease,
      'report details': REPORT.details,
      medicines: RX.medicines,
      dosage: RX.dosage,
      instructions: RX.instructions,
    });

    function assertEscaped(html: string, shown: Record<string, string>): void {
      for (const raw of RAW) assert.ok(!html.includes(raw), `the page has ${raw} unescaped`);
      for (const [field, value] of Object.entries(shown)) {
        assert.ok(html.includes(escapeHtml(value)), `the page does not show ${field} escaped (${escapeHtml(value)})`);
      }
    }

    it('/admin shows hospital name, address, phone and doctor name, email, specialty escaped', () => {
      assertEscaped(pages.get('/admin')!, {
        'hospital name': HOSPITAL.name,
        'hospital address': HOSPITAL.address,
        'doctor name': DOCTOR.fullName,
        'doctor email': DOCTOR.email,
        'doctor specialty': DOCTOR.specialty,
      });
      assert.ok(pages.get('/admin')!.includes(`<td>${escapeHtml(HOSPITAL.phone)}</td>`), 'the hospital phone is not shown escaped in its cell');
    });

    it('/patient shows the patient, hospital, report title and disease, medicines and doctor escaped', () => {
      assertEscaped(pages.get('/patient')!, {
        'patient name': PATIENT.fullName,
        'hospital name': HOSPITAL.name,
        'report title': REPORT.title,
        'report disease': REPORT.disease,
        medicines: RX.medicines,
        'doctor name': DOCTOR.fullName,
      });
    });

    it('/patient/reports/:id shows the report, its hospital (also in an attribute) and the prescription escaped', () => {
      const html = pages.get('/patient/reports/:id')!;
      assertEscaped(html, { 'patient name': PATIENT.fullName, 'hospital name': HOSPITAL.name, ...wholeRecord(), 'doctor name': DOCTOR.fullName });
      assert.ok(html.includes(`aria-label="Revoke access of ${escapeHtml(HOSPITAL.name)}"`), 'the hospital name is not escaped inside the aria-label');
      assert.ok(html.includes(`<title>${escapeHtml(REPORT.title)} · EHR Ledger</title>`), 'the report title is not escaped in <title>');
    });

    it('/doctor shows the hospital, patient, report title and disease escaped', () => {
      assertEscaped(pages.get('/doctor')!, {
        'doctor name': DOCTOR.fullName,
        'hospital name': HOSPITAL.name,
        'patient name': PATIENT.fullName,
        'report title': REPORT.title,
        'report disease': REPORT.disease,
      });
    });

    it('/doctor/reports/:id shows the report, patient and prescriptions escaped', () => {
      assertEscaped(pages.get('/doctor/reports/:id')!, {
        'doctor name': DOCTOR.fullName,
        'patient name': PATIENT.fullName,
        'hospital name': HOSPITAL.name,
        ...wholeRecord(),
      });
    });

    it('escapes the flash messages that repeat what was typed', () => {
      assertEscaped(pages.get('/admin after adding a hospital (flash)')!, { 'hospital name in the flash': `Hospital "${HOSPITAL.name}" added` });
      assertEscaped(pages.get('/admin after adding a doctor (flash)')!, { 'doctor name in the flash': `Doctor ${DOCTOR.fullName} (` });
      assertEscaped(pages.get('/patient after adding a report (flash)')!, { 'report title in the flash': `Report "${REPORT.title}" saved` });
      assertEscaped(pages.get('/doctor/reports/:id after prescribing (flash)')!, { medicines: RX.medicines });
    });

    it('escapes what was typed when a form comes back with 400', async () => {
      const payload = xss('typed');
      const patientUser = marked('typed').toLowerCase();
      await signup(app, patientUser);
      const patient = await loginAgent(app, 'patient', patientUser, PASSWORD);
      const doctorUser = marked('typeddoc').toLowerCase();
      await addDoctor(doctorUser);
      const doctor = await loginAgent(app, 'doctor', doctorUser, PASSWORD);
      const { id } = await addReport(patient, { title: 'Plain', disease: 'Plain', details: 'Plain' }, [hospitalId]);
      const forms: [Agent, string, Record<string, string>][] = [
        [admin, '/admin/hospitals', { name: payload, address: payload, phone: '' }],
        [admin, '/admin/doctors', { fullName: payload, username: 'ok-name', password: PASSWORD, email: payload, specialty: payload, hospitalId: '' }],
        [supertest.agent(app), '/patient/signup', { username: 'ok-name', password: PASSWORD, email: payload, fullName: payload, phone: payload }],
        [patient, '/patient/reports', { title: payload, disease: payload, details: '' }],
        [doctor, `/doctor/reports/${id}/prescriptions`, { medicines: payload, dosage: payload, instructions: '' }],
      ];
      for (const [agent, action, fields] of forms) {
        const res = await postForm(agent, action, fields);
        assert.equal(res.status, 400, `POST ${action} answered ${res.status}`);
        for (const raw of RAW) assert.ok(!res.text.includes(raw), `POST ${action}: the 400 page has ${raw} unescaped`);
        assert.ok(res.text.includes(`value="${escapeHtml(payload)}"`) || res.text.includes(`>${escapeHtml(payload)}</textarea>`), `POST ${action}: what was typed is not shown escaped`);
      }
      // Too long for a username (64): the login form comes back with 400 and the name typed back.
      const login = await failLogin(supertest.agent(app), 'patient', payload, 'wrong-password');
      assert.equal(login.status, 400);
      for (const raw of RAW) assert.ok(!login.text.includes(raw), `the login page has ${raw} unescaped`);
      assert.ok(login.text.includes(`value="${escapeHtml(payload)}"`), 'the login page does not show the typed username escaped');
    });
  });

  describe('CSRF', () => {
    it('refuses an admin form without _csrf, with a made-up one, or with another session\'s, with 403, and adds no hospital', async () => {
      const name = marked('CSRF Hospital');
      const before = hospitalRows((await admin.get('/admin')).text);
      const otherToken = await tokenOf(supertest.agent(app));
      const forged = [
        postForm(admin, '/admin/hospitals', { name, address: 'x', phone: '+1 555 0100' }, { withToken: false }),
        postForm(admin, '/admin/hospitals', { _csrf: 'not-a-token', name, address: 'x', phone: '+1 555 0100' }),
        postForm(admin, '/admin/hospitals', { _csrf: otherToken, name, address: 'x', phone: '+1 555 0100' }),
        postForm(admin, '/admin/hospitals', { _csrf: '', name, address: 'x', phone: '+1 555 0100' }),
      ];
      for (const res of await Promise.all(forged)) {
        assert.equal(res.status, 403);
        assert.match(res.text, /Form expired/);
      }
      const after = (await admin.get('/admin')).text;
      assert.equal(hospitalRows(after), before, 'a hospital was added');
      assert.ok(!after.includes(name));
      // The same form with the session's token goes through: the count above can move.
      await followed(admin, await postForm(admin, '/admin/hospitals', { name, address: 'x', phone: '+1 555 0100' }), '/admin');
      assert.equal(hospitalRows((await admin.get('/admin')).text), before + 1);
    });

    it('refuses a patient form without _csrf or with a wrong one, and adds no report', async () => {
      const username = marked('csrfpat').toLowerCase();
      await signup(app, username);
      const patient = await loginAgent(app, 'patient', username, PASSWORD);
      const title = marked('CSRF report');
      const fields = { title, disease: 'Flu', details: 'Fever.', hospitalIds: String(hospitalId) };
      const before = reportLinks((await patient.get('/patient')).text);
      assert.equal((await postForm(patient, '/patient/reports', fields, { withToken: false })).status, 403);
      assert.equal((await postForm(patient, '/patient/reports', { ...fields, _csrf: `${await tokenOf(patient)}x` })).status, 403);
      const after = (await patient.get('/patient')).text;
      assert.equal(reportLinks(after), before);
      assert.ok(!after.includes(title));
      await addReport(patient, fields, [hospitalId]);
      assert.equal(reportLinks((await patient.get('/patient')).text), before + 1);
    });

    it('refuses logout and login without _csrf: the session lives on, and no session is started', async () => {
      const username = marked('csrfout').toLowerCase();
      await signup(app, username);
      const patient = await loginAgent(app, 'patient', username, PASSWORD);
      assert.equal((await postForm(patient, '/logout', {}, { withToken: false })).status, 403);
      assert.equal((await patient.get('/patient')).status, 200, 'the forged logout ended the session');
      const visitor = supertest.agent(app);
      const login = await postForm(visitor, '/patient/login', { username, password: PASSWORD }, { withToken: false });
      assert.equal(login.status, 403);
      assert.equal((await visitor.get('/patient')).status, 302, 'the forged login started a session');
    });
  });

  describe('sessions', () => {
    let username: string;
    before(async () => {
      username = marked('sess').toLowerCase();
      await signup(app, username);
    });

    it('gives a new session id at login; the id from before login opens nothing', async () => {
      const visitor = supertest.agent(app);
      const first = await visitor.get('/patient/login');
      const before = sessionCookie(first);
      assert.ok(before, 'the login page set no session cookie');
      const res = await visitor.post('/patient/login').type('form').send({ _csrf: csrfFrom(first.text), username, password: PASSWORD });
      assert.equal(res.status, 303);
      const after = sessionCookie(res);
      assert.ok(after, 'the login set no session cookie');
      assert.notEqual(after.value, before.value, 'the session id was not rotated at login');
      assert.equal((await supertest(app).get('/patient').set('Cookie', after.pair)).status, 200);
      const fixed = await supertest(app).get('/patient').set('Cookie', before.pair);
      assert.equal(fixed.status, 302, 'the pre-login session id is signed in');
      assert.equal(fixed.headers.location, '/patient/login');
    });

    it('ends the session at logout: the old cookie no longer opens /patient', async () => {
      const visitor = supertest.agent(app);
      const first = await visitor.get('/patient/login');
      const res = await visitor.post('/patient/login').type('form').send({ _csrf: csrfFrom(first.text), username, password: PASSWORD });
      const cookie = sessionCookie(res);
      assert.ok(cookie);
      assert.equal((await supertest(app).get('/patient').set('Cookie', cookie.pair)).status, 200);
      const logout = await postForm(visitor, '/logout', {});
      assert.equal(logout.status, 303);
      assert.equal(logout.headers.location, '/');
      const reused = await supertest(app).get('/patient').set('Cookie', cookie.pair);
      assert.equal(reused.status, 302, 'the cookie still works after logout');
      assert.equal(reused.headers.location, '/patient/login');
    });

    /** An app whose sessions run on a clock the test moves, from `start`. */
    function clockedApp(start = Date.now()) {
      let now = start;
      const clocked = createApp(context, services, { now: () => now, log: () => undefined });
      return { app: clocked, advance: (ms: number) => void (now += ms) };
    }

    it('ends a session left idle for 16 minutes', async () => {
      const clocked = clockedApp();
      const patient = await loginAgent(clocked.app, 'patient', username, PASSWORD);
      assert.equal((await patient.get('/patient')).status, 200);
      clocked.advance(16 * MINUTE);
      const res = await patient.get('/patient');
      assert.equal(res.status, 302, 'the session outlived 16 idle minutes');
      assert.equal(res.headers.location, '/patient/login');
    });

    it('keeps a session that is used every 14 minutes, for an hour', async () => {
      const clocked = clockedApp();
      const patient = await loginAgent(clocked.app, 'patient', username, PASSWORD);
      for (let minutes = 14; minutes <= 70; minutes += 14) {
        clocked.advance(14 * MINUTE);
        assert.equal((await patient.get('/patient')).status, 200, `the session ended after ${minutes} minutes although it was used every 14`);
      }
      clocked.advance(SESSION_IDLE_MS + MINUTE);
      assert.equal((await patient.get('/patient')).status, 302, 'the session outlived its idle timeout');
    });

    it('ends a session 8 hours after login however active it is', async () => {
      // The sessions' clock is a day behind the wall clock: the lifetime must be counted on the
      // sessions' clock from the login, whatever the wall clock says.
      const clocked = clockedApp(Date.now() - 24 * 60 * MINUTE);
      const patient = await loginAgent(clocked.app, 'patient', username, PASSWORD);
      let elapsed = 0;
      while (elapsed + 10 * MINUTE <= SESSION_LIFETIME_MS) {
        clocked.advance(10 * MINUTE);
        elapsed += 10 * MINUTE;
        const res = await patient.get('/patient');
        assert.equal(res.status, 200, `the session ended after ${elapsed / MINUTE} minutes of activity, before its 8 hours`);
      }
      clocked.advance(10 * MINUTE);
      const { result: res, reported } = await catchingConsoleErrors(() => patient.get('/patient'));
      assert.deepEqual(reported, [], 'ending the session made the app report a server error');
      assert.equal(res.status, 302, 'the session outlived 8 hours');
      assert.equal(res.headers.location, '/patient/login');
      assert.equal((await patient.get('/patient')).status, 302, 'the ended session came back');
    });

    it('sets the cookie HttpOnly and SameSite=Lax, Secure only over HTTPS through a trusted proxy', async () => {
      const plain = sessionCookie(await supertest(app).get('/patient/login'));
      assert.ok(plain, 'no session cookie');
      assert.ok(plain.attributes.includes('httponly'), 'not HttpOnly');
      assert.ok(plain.attributes.includes('samesite=lax'), 'not SameSite=Lax');
      assert.ok(!plain.attributes.includes('secure'), 'Secure over plain HTTP');

      const https = sessionCookie(await supertest(app).get('/patient/login').set('X-Forwarded-Proto', 'https'));
      assert.ok(https, 'no session cookie over HTTPS');
      assert.ok(https.attributes.includes('secure'), 'not Secure over HTTPS behind the trusted proxy');
      assert.ok(https.attributes.includes('httponly') && https.attributes.includes('samesite=lax'));

      const forged = sessionCookie(await supertest(directApp).get('/patient/login').set('X-Forwarded-Proto', 'https'));
      assert.ok(forged, 'no session cookie');
      assert.ok(!forged.attributes.includes('secure'), 'an untrusted X-Forwarded-Proto made the cookie Secure');

      // The cookie of the session that login starts carries the same flags. (The token comes over
      // plain HTTP: the cookie jar would not send a Secure cookie back over it.)
      const visitor = supertest.agent(app);
      const _csrf = await tokenOf(visitor);
      const res = await visitor.post('/patient/login').set('X-Forwarded-Proto', 'https').type('form').send({ _csrf, username, password: PASSWORD });
      assert.equal(res.status, 303);
      const login = sessionCookie(res);
      assert.ok(login, 'the login set no cookie');
      for (const flag of ['httponly', 'samesite=lax', 'secure']) assert.ok(login.attributes.includes(flag), `the login cookie is not ${flag}`);
    });
  });

  describe('login throttling', () => {
    let username: string;
    before(async () => {
      username = marked('throttle').toLowerCase();
      await signup(app, username);
    });

    /**
     * An app of its own behind a trusted proxy, any client address. The failure counts are in the
     * database the apps share: each test locks usernames and addresses of its own.
     */
    const throttledApp = () => createApp(withTrustProxy(context, 1), services, { log: () => undefined });
    const attempt = (target: Express, role: LoginRole, user: string, password: string, ip: string) =>
      postForm(supertest.agent(target), LOGIN_PAGES[role], { username: user, password }, { headers: { 'X-Forwarded-For': ip } });

    function assertThrottled(res: Response): void {
      assert.equal(res.status, 429);
      const retryAfter = Number(res.headers['retry-after']);
      assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 15 * 60, `Retry-After is ${res.headers['retry-after']}`);
      assert.match(res.text, /Try again after \d\d:\d\d UTC \(in about \d+ minutes?\)/);
      assert.ok(requestIdOf(res.text), 'the 429 page has no request id');
      assertNoStack(res);
    }

    it('answers the 11th login of a username that failed 10 times with 429, even with the right password and from a new address', async () => {
      const target = throttledApp();
      for (let i = 1; i <= LOGIN_FAILURES_ALLOWED; i++) {
        assert.equal((await attempt(target, 'patient', username, `wrong-${i}`, uniqueIp())).status, 401, `attempt ${i}`);
      }
      assertThrottled(await attempt(target, 'patient', username, PASSWORD, uniqueIp()));
      assertThrottled(await attempt(target, 'patient', username.toUpperCase(), PASSWORD, uniqueIp()));
      // Another username from another address is not held up.
      const other = marked('free').toLowerCase();
      await signup(app, other);
      assert.equal((await attempt(target, 'patient', other, PASSWORD, uniqueIp())).status, 303);
    });

    it(`answers the next login from an address that failed ${ADDRESS_FAILURES_ALLOWED} times (any usernames, any form) with 429`, async () => {
      const target = throttledApp();
      const ip = uniqueIp();
      const free = marked('addr').toLowerCase();
      await signup(app, free);
      const roles: LoginRole[] = ['patient', 'doctor', 'admin'];
      for (let i = 1; i <= ADDRESS_FAILURES_ALLOWED; i++) {
        assert.equal((await attempt(target, roles[i % 3], marked('nobody').toLowerCase(), 'wrong-password', ip)).status, 401, `attempt ${i}`);
      }
      assertThrottled(await attempt(target, 'patient', free, PASSWORD, ip));
      // The same login from another address goes through.
      assert.equal((await attempt(target, 'patient', free, PASSWORD, uniqueIp())).status, 303);
    });

    it('does not count successful logins', async () => {
      const target = throttledApp();
      const ip = uniqueIp();
      const free = marked('succ').toLowerCase();
      await signup(app, free);
      for (let i = 1; i <= LOGIN_FAILURES_ALLOWED + 2; i++) {
        assert.equal((await attempt(target, 'patient', free, PASSWORD, ip)).status, 303, `login ${i}`);
      }
    });
  });

  describe('one answer for an unknown user and a wrong password', () => {
    let patientUser: string;
    let doctorUser: string;
    before(async () => {
      patientUser = marked('known').toLowerCase();
      await signup(app, patientUser);
      doctorUser = marked('knowndoc').toLowerCase();
      await addDoctor(doctorUser);
    });

    for (const role of ['patient', 'doctor', 'admin'] as const) {
      it(`on the ${role} form`, async () => {
        const known = role === 'patient' ? patientUser : role === 'doctor' ? doctorUser : 'admin';
        const unknown = marked('unknown').toLowerCase();
        const visitor = supertest.agent(app);
        const wrong = await failLogin(visitor, role, known, 'wrong-password-1');
        const missing = await failLogin(visitor, role, unknown, 'wrong-password-1');
        assert.equal(wrong.status, 401);
        assert.equal(missing.status, 401);
        const message = alertOf(wrong.text);
        assert.ok(message, 'the page names no error');
        assert.equal(alertOf(missing.text), message);
        // The pages differ only in the username typed back.
        assert.equal(missing.text.replace(`value="${unknown}"`, 'value="…"'), wrong.text.replace(`value="${known}"`, 'value="…"'));
        assert.ok(!wrong.text.includes('wrong-password-1'), 'the password is typed back');
        assert.equal((await visitor.get(HOME_PAGES[role])).status, 302, 'a failed login started a session');
      });
    }

    it('gives a user of another role the same answer as an unknown user', async () => {
      const visitor = supertest.agent(app);
      const crossed = await failLogin(visitor, 'doctor', patientUser, PASSWORD);
      const missing = await failLogin(visitor, 'doctor', marked('unknown').toLowerCase(), PASSWORD);
      assert.equal(crossed.status, 401);
      assert.equal(alertOf(crossed.text), alertOf(missing.text));
    });
  });

  describe('request size', () => {
    it('refuses a form body over 1 MB with a 413 page', async () => {
      const visitor = supertest.agent(app);
      const _csrf = await tokenOf(visitor);
      const res = await visitor.post('/patient/signup').type('form').send(`_csrf=${_csrf}&username=big&fullName=${'a'.repeat(1024 * 1024 + 1)}`);
      assert.equal(res.status, 413);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.text, /<p class="status-code">413<\/p>/);
      assert.match(res.text, /larger than this form accepts/);
      assert.equal(requestIdOf(res.text), res.headers['x-request-id']);
      assertNoStack(res);
    });

    it('reads a form body under 1 MB (then answers for its fields)', async () => {
      const visitor = supertest.agent(app);
      const _csrf = await tokenOf(visitor);
      const res = await visitor.post('/patient/signup').type('form').send(`_csrf=${_csrf}&username=big&fullName=${'a'.repeat(1000 * 1000)}`);
      assert.equal(res.status, 400);
      assert.match(res.text, /Full name must be at most 120 characters/);
    });

    it('refuses a form with more than 1000 fields with 413', async () => {
      const res = await supertest(app).post('/patient/signup').type('form').send(Array.from({ length: 1001 }, (_, i) => `f${i}=x`).join('&'));
      assert.equal(res.status, 413);
      assertNoStack(res);
    });
  });

  describe('error pages', () => {
    /** The log line of a request id, once the response has finished. */
    async function logLineOf(requestId: string): Promise<string | undefined> {
      for (let i = 0; i < 20; i++) {
        const line = lines.find(l => l.includes(requestId));
        if (line) return line;
        await new Promise(resolve => setTimeout(resolve, 10));
      }
      return undefined;
    }

    async function assertErrorPage(res: Response, status: number, method: string, path: string) {
      assert.equal(res.status, status);
      const header = res.headers['x-request-id'];
      assert.match(String(header), /^[0-9a-f-]{36}$/);
      assert.equal(requestIdOf(res.text), header, 'the page does not show the X-Request-Id');
      const line = await logLineOf(header);
      assert.ok(line, 'no log line has the request id');
      assert.ok(line.includes(` ${header} ${method} ${path} ${status} `), `the log line is ${line}`);
      assertNoStack(res);
    }

    it('shows the request id of a 404 in the page, the header and the log', async () => {
      const res = await supertest(app).get('/no/such/page');
      await assertErrorPage(res, 404, 'GET', '/no/such/page');
      assert.match(res.text, /There is no such page\./);
    });

    it('shows the request id of a 403 in the page, the header and the log', async () => {
      const username = marked('err').toLowerCase();
      await signup(app, username);
      const patient = await loginAgent(app, 'patient', username, PASSWORD);
      await assertErrorPage(await patient.get('/admin'), 403, 'GET', '/admin');
      await assertErrorPage(await postForm(patient, '/admin/hospitals', { name: 'x' }, { withToken: false }), 403, 'POST', '/admin/hospitals');
    });

    it('shows no stack trace, path or library message for malformed requests', async () => {
      const username = marked('bad').toLowerCase();
      await signup(app, username);
      const patient = await loginAgent(app, 'patient', username, PASSWORD);
      const answers: [Response, number][] = [
        [await patient.get('/patient/reports/%E0%A4%A'), 400],
        [await patient.get('/patient/reports/99999999999999999999'), 404],
        [await patient.get('/patient/reports/0x10'), 404],
        [await patient.get('/patient/reports/4294967295'), 404],
        [await supertest(app).post('/patient/login').type('form').send('_csrf=%ZZ&username=a'), 403],
      ];
      for (const [res, status] of answers) {
        assert.equal(res.status, status, `${res.status}: ${res.text.slice(0, 300)}`);
        assert.ok(requestIdOf(res.text), `the ${res.status} page has no request id`);
        assertNoStack(res);
        assert.ok(!/URIError|Failed to decode|BadRequestError|PayloadTooLargeError/.test(res.text), 'a library message on the page');
      }
    });

    it('answers a form in a charset it cannot read with a 4xx page, not a 500 logged as a server error', async () => {
      const { result: res, reported } = await catchingConsoleErrors(() =>
        supertest(app).post('/patient/login').set('Content-Type', 'application/x-www-form-urlencoded; charset=koi8-r').send('username=a&password=b'),
      );
      assertNoStack(res);
      assert.ok(requestIdOf(res.text), 'the page has no request id');
      assert.ok(res.status >= 400 && res.status < 500, `answered ${res.status} (reported as a server error: ${reported.length > 0})`);
      assert.deepEqual(reported, [], 'a client error was reported as a server error');
    });
  });

  describe('headers', () => {
    it('sends CSP, nosniff and Referrer-Policy, and no X-Powered-By, on pages, errors, JSON and files', async () => {
      const username = marked('hdr').toLowerCase();
      await signup(app, username);
      const patient = await loginAgent(app, 'patient', username, PASSWORD);
      const answers: [string, Response][] = [
        ['GET /', await supertest(app).get('/')],
        ['GET /patient/login', await supertest(app).get('/patient/login')],
        ['GET /patient (signed in)', await patient.get('/patient')],
        ['GET /admin (403 page)', await patient.get('/admin')],
        ['GET /no/such/page (404 page)', await supertest(app).get('/no/such/page')],
        ['GET /healthz (JSON)', await supertest(app).get('/healthz')],
        ['GET /static/css/app.css (file)', await supertest(app).get('/static/css/app.css')],
        ['POST /patient/signup over 1 MB (413 page)', await supertest(app).post('/patient/signup').type('form').send(`fullName=${'a'.repeat(1024 * 1024 + 1)}`)],
      ];
      assert.deepEqual(answers.map(([, res]) => res.status), [200, 200, 200, 403, 404, 200, 200, 413]);
      for (const [where, res] of answers) {
        const csp = String(res.headers['content-security-policy'] ?? '');
        const directives = new Map(csp.split(';').map(d => d.trim().split(/\s+/)).filter(d => d[0]).map(([name, ...values]) => [name, values]));
        assert.deepEqual(directives.get('default-src'), ["'self'"], `${where}: ${csp}`);
        assert.deepEqual(directives.get('object-src'), ["'none'"], `${where}: ${csp}`);
        assert.deepEqual(directives.get('base-uri'), ["'none'"], `${where}: ${csp}`);
        assert.deepEqual(directives.get('frame-ancestors'), ["'none'"], `${where}: ${csp}`);
        assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), `${where}: ${csp}`);
        for (const name of ['script-src', 'style-src']) {
          const values = directives.get(name);
          if (values) assert.deepEqual(values, ["'self'"], `${where}: ${name} ${values.join(' ')}`);
        }
        assert.equal(res.headers['x-content-type-options'], 'nosniff', where);
        assert.equal(res.headers['referrer-policy'], 'same-origin', where);
        assert.equal(res.headers['x-powered-by'], undefined, where);
      }
    });

    it('has no inline script or style on its pages (the CSP would block them)', async () => {
      for (const path of ['/', '/patient/login', '/patient/signup', '/no/such/page']) {
        const { text } = await supertest(app).get(path);
        assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)[^>]*>/i, `${path} has an inline script`);
        assert.doesNotMatch(text, /<style\b|\sstyle="/i, `${path} has an inline style`);
        assert.doesNotMatch(text, /\son[a-z]+="/i, `${path} has an inline event handler`);
      }
    });
  });

  describe('admin password', () => {
    const NEW_PASSWORD = `new-admin-${randomUUID().slice(0, 8)}`;
    const WARNING = 'Change the admin password.';
    after(async () => services.auth.changeAdminPassword('admin')); // as it was, for whatever runs next

    it('warns while the password is the default; a change ends the warning; the old password then fails and the new works', async () => {
      const adminAgent = await loginAgent(app, 'admin', 'admin', 'admin');
      assert.ok((await adminAgent.get('/admin')).text.includes(WARNING), 'no warning while the password is admin');

      const wrongCurrent = await postForm(adminAgent, '/admin/password', { currentPassword: 'not-admin', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
      assert.equal(wrongCurrent.status, 400);
      assert.match(wrongCurrent.text, /The current password is not correct/);
      const mismatch = await postForm(adminAgent, '/admin/password', { currentPassword: 'admin', newPassword: NEW_PASSWORD, confirmPassword: `${NEW_PASSWORD}x` });
      assert.equal(mismatch.status, 400);
      assert.match(mismatch.text, /The two new passwords differ/);
      const short = await postForm(adminAgent, '/admin/password', { currentPassword: 'admin', newPassword: 'short', confirmPassword: 'short' });
      assert.equal(short.status, 400);
      for (const res of [wrongCurrent, mismatch, short]) {
        assert.ok(!res.text.includes(NEW_PASSWORD), 'a 400 page types a password back');
      }
      assert.ok((await adminAgent.get('/admin')).text.includes(WARNING), 'a refused change ended the warning');
      // Nothing was changed by the refusals: the default still logs in.
      await loginAgent(app, 'admin', 'admin', 'admin');

      const changed = await followed(adminAgent, await postForm(adminAgent, '/admin/password', { currentPassword: 'admin', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }), '/admin');
      assert.ok(!changed.includes(WARNING), 'the warning stays after the change');
      assert.match(changed, /The admin password was changed\./);

      const old = await failLogin(supertest.agent(app), 'admin', 'admin', 'admin');
      assert.equal(old.status, 401, 'the old password still logs in');
      const fresh = await loginAgent(app, 'admin', 'admin', NEW_PASSWORD);
      assert.ok(!(await fresh.get('/admin')).text.includes(WARNING));
    });
  });

  describe('secrets', () => {
    it('writes no password and no private key to the log or to any file in DATA_DIR', async () => {
      const username = marked('secret').toLowerCase();
      const password = `Known-Pa55word-${randomUUID()}`;
      const from = lines.length;
      await signup(app, username, password);
      const patient = await loginAgent(app, 'patient', username, password);
      await addReport(patient, { title: 'Secret check', disease: 'None', details: 'Nothing.' }, [hospitalId]);
      // A 400 that types the form back, and a failed login, must leave the password out too.
      const refused = await postForm(supertest.agent(app), '/patient/signup', { username: marked('other').toLowerCase(), password, email: 'not an email', fullName: 'X', phone: '+1 555 0100' });
      assert.equal(refused.status, 400);
      assert.ok(!refused.text.includes(password), 'the 400 page types the password back');
      assert.equal((await failLogin(supertest.agent(app), 'patient', username, `${password}!`)).status, 401);

      const user = await context.store.users.findByUsername(username);
      assert.ok(user, 'the patient is not stored');
      const privateKey = (await context.custodian.signer(user.address)).privateKey;
      assert.match(privateKey ?? '', /^0x[0-9a-f]{64}$/);
      const keyHex = privateKey!.slice(2);

      const logged = lines.slice(from);
      assert.ok(logged.some(line => line.includes('POST /patient/signup 303')), 'the log lines were not captured');
      for (const line of lines) {
        assert.ok(!line.includes(password), 'a log line has the password');
        assert.ok(!line.toLowerCase().includes(keyHex), 'a log line has the private key');
      }

      const dataDir = context.config.dataDir;
      // The search works: the username is stored in the clear.
      assert.notDeepEqual(filesContaining(dataDir, [Buffer.from(username)]), [], 'the search of DATA_DIR finds nothing it should');
      const needles = [Buffer.from(password), Buffer.from(keyHex), Buffer.from(keyHex.toUpperCase()), Buffer.from(keyHex, 'hex')];
      assert.deepEqual(filesContaining(dataDir, needles), [], 'files in DATA_DIR hold the password or the private key');
    });
  });
});
