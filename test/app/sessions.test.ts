/**
 * Sessions, passwords and forms (issues 13 and 14): a session only for pages with a form; session
 * ids stored as hashes; changing one's password ends one's other sessions; text fields refuse
 * bidi overrides and NUL; a report typed into a session that ended comes back after the login;
 * the username is offered on the login page after signup; signups are limited per address and a
 * username is reserved before any account is made.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import type { AppContext } from '../../src/context';
import { createAuthService } from '../../src/features/auth/service';
import { SIGNUPS_ALLOWED } from '../../src/features/auth/rate-limit';
import { SIGNUP_RESERVATION_MS } from '../../src/features/patient/service';
import { SESSION_IDLE_MS } from '../../src/web/auth';
import { FLASH_COOKIE } from '../../src/web/flash';
import type { Services } from '../../src/services';
import { sqlOf, startTestApp } from '../support/context';
import { addHospital, checkedBoxes, fieldErrors, fieldValue } from '../support/http';
import {
  csrfFrom, escapeHtml, filesContaining, followed, loginAgent, postForm, sessionCookie, setCookies, uniqueIp, withTrustProxy, type Agent,
} from '../support/security';

const PASSWORD = 'session-pass-42';
const MINUTE = 60 * 1000;
const name = (label: string) => `${label}-${randomUUID().slice(0, 8)}`.toLowerCase();
const count = (context: AppContext, table: string) => (sqlOf(context).prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** The sessions table's key (the id's sha256) for the session a response's cookie names. */
function sessionRowKey(res: supertest.Response): string {
  const sid = /^s:([^.]+)\./.exec(decodeURIComponent(sessionCookie(res)?.value ?? ''))?.[1];
  assert.ok(sid, 'the response sent no session cookie');
  return createHash('sha256').update(sid).digest('hex');
}
const sessionRow = (context: AppContext, key: string) =>
  sqlOf(context).prepare<[string], { data: string; expires: number }>('SELECT data, expires FROM sessions WHERE sid = ?').get(key);

describe('sessions, passwords and forms', function () {
  this.timeout(240_000);
  let context: AppContext;
  let services: Services;
  let app: Express;
  let hospitalId: number;

  before(async () => {
    ({ context, services } = await startTestApp());
    app = createApp(withTrustProxy(context, 1), services, { log: () => undefined });
    const admin = await loginAgent(app, 'admin', 'admin', 'admin');
    ({ id: hospitalId } = await addHospital(admin, { name: name('Session Hospital'), address: '1 Main Street', phone: '+1 555 0100' }));
  });
  after(async () => context?.close());

  async function signup(username: string, fields: Record<string, string> = {}, agent: Agent = supertest.agent(app), ip = uniqueIp()) {
    return postForm(agent, '/patient/signup', { username, password: PASSWORD, email: `${username}@example.org`, fullName: `Patient ${username}`, phone: '+1 555 0101', ...fields }, { headers: { 'X-Forwarded-For': ip } });
  }

  async function patient(target: Express = app): Promise<{ username: string; agent: Agent }> {
    const username = name('pat');
    assert.equal((await signup(username)).status, 303);
    return { username, agent: await loginAgent(target, 'patient', username, PASSWORD) };
  }

  describe('a session only for pages with a form', () => {
    it('leaves the sessions table as it was after an anonymous visitor reads pages without forms', async () => {
      const before = count(context, 'sessions');
      for (const path of ['/', '/no-such-page', '/static/css/app.css', '/healthz', '/patient']) {
        const res = await supertest(app).get(path);
        assert.equal(sessionCookie(res), undefined, `GET ${path} set a session cookie`);
      }
      assert.equal(count(context, 'sessions'), before, 'a page without a form stored a session');
    });

    it('makes one for a login page, which has a form', async () => {
      const before = count(context, 'sessions');
      const res = await supertest(app).get('/patient/login');
      assert.ok(sessionCookie(res), 'the login page set no session cookie');
      csrfFrom(res.text);
      assert.equal(count(context, 'sessions'), before + 1);
    });
  });

  describe('session ids', () => {
    it('stores a hash of the session id, never the id a cookie carries', async () => {
      const visitor = supertest.agent(app);
      const first = await visitor.get('/patient/login');
      const { username } = await patient();
      const res = await visitor.post('/patient/login').type('form').send({ _csrf: csrfFrom(first.text), username, password: PASSWORD });
      assert.equal(res.status, 303);
      const cookie = sessionCookie(res);
      assert.ok(cookie);
      const sid = /^s:([^.]+)\./.exec(decodeURIComponent(cookie.value))?.[1];
      assert.ok(sid, `cannot read the session id of ${cookie.value}`);
      const stored = sqlOf(context).prepare('SELECT sid FROM sessions').all() as { sid: string }[];
      assert.ok(!stored.some(row => row.sid === sid), 'the sessions table holds the clear session id');
      assert.ok(stored.some(row => row.sid === createHash('sha256').update(sid).digest('hex')), 'no row for the session');
      assert.deepEqual(filesContaining(context.config.dataDir, [Buffer.from(sid)]), [], 'a file in DATA_DIR holds the session id');
      assert.equal((await visitor.get('/patient')).status, 200, 'the session does not work');
    });

    it('writes a session\'s row again on a page only when its last write is over a minute old', async () => {
      let now = Date.now();
      const clocked = createApp(context, services, { now: () => now, log: () => undefined });
      const { username } = await patient();
      const agent = await loginAgent(clocked, 'patient', username, PASSWORD);
      /** Opens the dashboard; resolves to its session row's expiry. */
      const expiryAfterPage = async () => {
        const res = await agent.get('/patient');
        assert.equal(res.status, 200);
        const row = sessionRow(context, sessionRowKey(res));
        assert.ok(row, 'no row for the session');
        return row.expires;
      };
      const written = await expiryAfterPage(); // written by the login, on this clock
      assert.equal(written, now + SESSION_IDLE_MS);
      now += 30_000;
      assert.equal(await expiryAfterPage(), written, 'a page 30 s after the last write wrote the row again');
      now += 31_000;
      assert.equal(await expiryAfterPage(), now + SESSION_IDLE_MS, 'a page 61 s after the last write did not move the idle timeout');
    });
  });

  describe('changing one\'s password', () => {
    it('refuses the anonymous', async () => {
      const res = await supertest(app).get('/account/password');
      assert.equal(res.status, 302);
      assert.equal(res.headers.location, '/');
    });

    it('changes a patient\'s password, keeps this session and ends the others', async () => {
      const { username, agent } = await patient();
      const elsewhere = await loginAgent(app, 'patient', username, PASSWORD);
      const newPassword = `changed-${randomUUID()}`;

      const wrong = await postForm(agent, '/account/password', { currentPassword: 'not-my-password', newPassword });
      assert.equal(wrong.status, 400);
      assert.equal(fieldErrors(wrong.text)['p-currentPassword'], 'The current password is not correct');
      assert.ok(!wrong.text.includes(newPassword) && !wrong.text.includes('not-my-password'), 'the 400 page types a password back');
      const short = await postForm(agent, '/account/password', { currentPassword: PASSWORD, newPassword: 'short' });
      assert.equal(short.status, 400);
      assert.match(fieldErrors(short.text)['p-newPassword'] ?? '', /8 to 72/);
      const long = await postForm(agent, '/account/password', { currentPassword: PASSWORD, newPassword: 'x'.repeat(73) });
      assert.equal(long.status, 400);
      assert.equal((await elsewhere.get('/patient')).status, 200, 'a refused change ended a session');

      const page = await followed(agent, await postForm(agent, '/account/password', { currentPassword: PASSWORD, newPassword }), '/patient');
      assert.match(page, /Your password was changed; your 1 other session was ended\./);
      assert.equal((await agent.get('/patient')).status, 200, 'the session that changed the password ended');
      assert.equal((await elsewhere.get('/patient')).status, 302, 'the other session outlived the change');
      const old = await postForm(supertest.agent(app), '/patient/login', { username, password: PASSWORD }, { headers: { 'X-Forwarded-For': uniqueIp() } });
      assert.equal(old.status, 401, 'the old password still logs in');
      await loginAgent(app, 'patient', username, newPassword);
    });

    it('changes the admin\'s password too, at /account/password', async () => {
      const admin = await loginAgent(app, 'admin', 'admin', 'admin');
      const other = await loginAgent(app, 'admin', 'admin', 'admin');
      assert.match((await admin.get('/account/password')).text, /Change your password/);
      const newPassword = `admin-${randomUUID().slice(0, 8)}`;
      await followed(admin, await postForm(admin, '/account/password', { currentPassword: 'admin', newPassword, confirmPassword: newPassword }), '/admin');
      assert.equal((await other.get('/admin')).status, 302, 'the admin\'s other session outlived the change');
      assert.doesNotMatch((await admin.get('/admin')).text, /Change the admin password\./, 'the banner outlived the default password');
      await services.auth.changeAdminPassword('admin'); // as it was (the form refuses a password that short)
      assert.match((await admin.get('/admin')).text, /Change the admin password\./, 'no banner while the admin password is the default');
    });

    it('warns at start, in one line, when ADMIN_PASSWORD differs from the stored password (the stored one wins)', async () => {
      const lines: string[] = [];
      const auth = createAuthService(context.store.users, context.store.settings, { cost: 4, warn: line => lines.push(line) });
      await auth.ensureAdminPassword('admin'); // unset or the stored one: nothing to say
      assert.deepEqual(lines, []);
      await auth.ensureAdminPassword('a different password');
      assert.equal(lines.length, 1);
      assert.match(lines[0], /ADMIN_PASSWORD differs .* the stored password wins .*\/account\/password/);
      assert.ok(await auth.loginAdmin('admin', 'admin'), 'ADMIN_PASSWORD replaced the stored password');
    });
  });

  describe('bidi overrides and NUL', () => {
    for (const [label, character] of [['U+202E', '\u202E'], ['U+2066', '\u2066'], ['NUL', '\u0000']] as const) {
      it(`refuses ${label} in a report's title, saying why and keeping what was typed`, async () => {
        const { agent } = await patient();
        const details = `Typed details ${randomUUID()}`;
        const res = await postForm(agent, '/patient/reports', { title: `Flu ${character}gnp.exe`, disease: 'Flu', details, hospitalIds: [String(hospitalId)] });
        assert.equal(res.status, 400);
        assert.match(fieldErrors(res.text)['r-title'] ?? '', /text-direction override .* or NUL/);
        assert.equal(fieldValue(res.text, 'r-details'), escapeHtml(details));
        assert.deepEqual(checkedBoxes(res.text, 'hospitalIds'), [String(hospitalId)]);
      });
    }

    it('refuses them in every form, e.g. a signup\'s full name', async () => {
      const res = await signup(name('bidi'), { fullName: 'Eve \u202Enosaj' });
      assert.equal(res.status, 400);
      assert.match(fieldErrors(res.text)['f-fullName'] ?? '', /text-direction override/);
    });
  });

  describe('messages after a write (flash)', () => {
    const SAVED = /saved on the ledger as report #\d+/;
    const flashCookieOf = (res: supertest.Response) => setCookies(res).find(line => line.startsWith(`${FLASH_COOKIE}=`));
    const addReport = (agent: Agent, csrf: string, title: string) =>
      agent.post('/patient/reports').type('form').send({ _csrf: csrf, title, disease: 'Flu', details: 'Rest and fluids.', hospitalIds: [String(hospitalId)] });

    it("shows a write's message once, on the next page, from a sealed cookie, writing nothing to the session's row", async () => {
      const { agent } = await patient();
      const form = await agent.get('/patient');
      const key = sessionRowKey(form);
      const before = sessionRow(context, key);
      assert.ok(before, 'no row for the session');
      const title = `Flash title ${randomUUID()}`;
      const res = await addReport(agent, csrfFrom(form.text), title);
      assert.equal(res.status, 303);
      const cookie = flashCookieOf(res);
      assert.ok(cookie, 'the write set no message cookie');
      assert.ok(!cookie.includes('Flash title') && !cookie.includes('saved'), 'the message cookie holds text in the clear');
      assert.match(cookie.toLowerCase(), /httponly/);
      assert.match((await agent.get('/patient')).text, SAVED);
      assert.deepEqual(sessionRow(context, key), before, "the write or its page wrote the session's row");
      assert.doesNotMatch((await agent.get('/patient')).text, SAVED, 'the message was shown twice');
    });

    it('never shows a message left unread to the next user of the browser', async () => {
      const { agent } = await patient();
      const form = await agent.get('/patient');
      assert.equal((await addReport(agent, csrfFrom(form.text), `Unread ${randomUUID()}`)).status, 303);
      // Not read: the patient logs out, and the next user of the browser (its cookies) comes to
      // the home page, logs in, and goes home.
      assert.equal((await agent.post('/logout').type('form').send({ _csrf: csrfFrom(form.text) })).status, 303);
      assert.doesNotMatch((await agent.get('/')).text, SAVED, "the patient's message was shown after the logout");
      const next = name('pat');
      assert.equal((await signup(next)).status, 303);
      assert.equal((await postForm(agent, '/patient/login', { username: next, password: PASSWORD })).status, 303);
      assert.doesNotMatch((await agent.get('/patient')).text, SAVED, "another user's message was shown");
    });

    it('shows nothing of an altered message cookie', async () => {
      const { agent } = await patient();
      const form = await agent.get('/patient');
      const res = await addReport(agent, csrfFrom(form.text), `Altered ${randomUUID()}`);
      const sealed = /^[^=]+=([^;]+)/.exec(flashCookieOf(res) ?? '')?.[1];
      assert.ok(sealed, 'the write set no message cookie');
      const altered = sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'BB' : 'AA');
      const pageWith = (flashValue: string) => supertest(app).get('/patient').set('Cookie', [sessionCookie(form)!.pair, `${FLASH_COOKIE}=${flashValue}`].join('; '));
      const page = await pageWith(altered);
      assert.equal(page.status, 200);
      assert.doesNotMatch(page.text, SAVED, 'an altered message was shown');
      assert.match((await pageWith(sealed)).text, SAVED, 'the cookie as it was set shows no message either');
    });
  });

  describe('nothing typed is lost', () => {
    it('keeps a report typed into a session that ended, and shows it again after the login', async () => {
      let now = Date.now();
      const clocked = createApp(context, services, { now: () => now, log: () => undefined });
      const { username } = await patient();
      const agent = await loginAgent(clocked, 'patient', username, PASSWORD);
      const form = await agent.get('/patient');
      assert.equal(form.status, 200);
      now += 16 * MINUTE; // the patient types for longer than the idle timeout

      const title = `Typed title ${randomUUID()}`;
      const details = `Typed details <${randomUUID()}> & more`;
      // From a page of this site, as the browser says (supertest serves each request on a port of its own, so no Origin here).
      const res = await agent.post('/patient/reports').set('Sec-Fetch-Site', 'same-origin').type('form')
        .send({ _csrf: csrfFrom(form.text), title, disease: 'Migraine', details, hospitalIds: [String(hospitalId)] });
      assert.equal(res.status, 303, `expected 303, got ${res.status}`);
      assert.equal(res.headers.location, '/patient/login');
      const login = await agent.get('/patient/login');
      assert.match(login.text, /Your session ended; log in to continue — what you typed is kept\./);
      // Kept sealed: the sessions table holds none of it in the clear.
      const rows = sqlOf(context).prepare<[], { data: string }>('SELECT data FROM sessions').all();
      assert.ok(rows.length > 0 && rows.every(row => !row.data.includes('Typed') && !row.data.includes('Migraine')), 'typed text stored in the clear');

      const back = await agent.post('/patient/login').type('form').send({ _csrf: csrfFrom(login.text), username, password: PASSWORD });
      assert.equal(back.status, 303);
      assert.equal(back.headers.location, '/patient', 'the login does not lead back to the form');
      const page = (await agent.get('/patient')).text;
      assert.equal(fieldValue(page, 'r-title'), escapeHtml(title));
      assert.equal(fieldValue(page, 'r-details'), escapeHtml(details));
      assert.equal(fieldValue(page, 'r-disease'), 'Migraine');
      assert.deepEqual(checkedBoxes(page, 'hospitalIds'), [String(hospitalId)]);
      assert.ok(!page.includes('_csrf" value="' + csrfFrom(form.text)), 'the old token came back');
      // Shown once: the next visit is a blank form.
      assert.equal(fieldValue((await agent.get('/patient')).text, 'r-title'), '');
    });

    it('keeps nothing of a post from another site (no Origin of this one): a plain 403', async () => {
      const visitor = supertest.agent(app);
      const res = await visitor.post('/patient/reports').set('Origin', 'http://evil.example').type('form').send({ title: 'Planted', disease: 'x', details: 'y' });
      assert.equal(res.status, 403);
    });
  });

  describe('signup', () => {
    it('offers the new username on the login page', async () => {
      const username = name('fresh');
      const visitor = supertest.agent(app);
      const page = await followed(visitor, await signup(username, {}, visitor), '/patient/login');
      assert.equal(fieldValue(page, 'f-username'), username);
      assert.equal(fieldValue((await visitor.get('/patient/login')).text, 'f-username'), '', 'offered for ever');
    });

    it('gives one of five signups of one username at once the account, and the others a clean 400 that keeps what was typed', async () => {
      const username = name('race');
      const accounts = count(context, 'accounts');
      const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => signup(username, { fullName: `Racer ${i}` })));
      const statuses = answers.map(res => res.status).sort();
      assert.deepEqual(statuses, [303, 400, 400, 400, 400]);
      for (const [i, res] of answers.entries()) {
        if (res.status !== 400) continue;
        assert.equal(fieldErrors(res.text)['f-username'], 'This username is taken');
        assert.equal(fieldValue(res.text, 'f-fullName'), `Racer ${i}`);
        assert.ok(!res.text.includes(PASSWORD), 'the 400 page types the password back');
      }
      assert.equal(count(context, 'accounts'), accounts + 1, 'a losing signup made an account');
      assert.equal(count(context, 'username_reservations'), 0, 'a reservation outlived its signup');
    });

    it('takes over the reservation of a signup that died, and honours a live one', async () => {
      const users = context.store.users;
      const dead = name('dead');
      const longAgo = Date.now() - SIGNUP_RESERVATION_MS - MINUTE;
      assert.ok(await users.reserve(dead, longAgo, longAgo - SIGNUP_RESERVATION_MS));
      assert.equal((await signup(dead)).status, 303, 'a dead signup keeps the name');
      const live = name('live');
      assert.ok(await users.reserve(live, Date.now(), Date.now() - SIGNUP_RESERVATION_MS));
      const refused = await signup(live);
      assert.equal(refused.status, 400);
      assert.equal(fieldErrors(refused.text)['f-username'], 'This username is taken');
      await users.release(live);
    });

    it(`answers signups past ${SIGNUPS_ALLOWED} an hour from one address with 429 and when to try again`, async () => {
      const ip = uniqueIp();
      const events = context.store.throttle;
      const start = Date.now() - 30 * MINUTE;
      for (let i = 0; i < SIGNUPS_ALLOWED; i++) await events.record([`signup:${ip}`], start + i); // as many signups, half an hour ago
      const res = await signup(name('flood'), {}, supertest.agent(app), ip);
      assert.equal(res.status, 429);
      const retryAfter = Number(res.headers['retry-after']);
      assert.ok(retryAfter > 25 * 60 && retryAfter <= 30 * 60, `Retry-After is ${retryAfter}`);
      assert.match(res.text, /Too many signups from your network\. Try again after \d\d:\d\d UTC/);
      assert.equal((await signup(name('elsewhere'))).status, 303, 'another address is held up');
    });
  });
});
