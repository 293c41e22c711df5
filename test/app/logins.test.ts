/**
 * Logins that never lock out a class (issues 13 and 14): failed logins are counted per account
 * and per address, in the database; a lock holds one account only; a class behind one address
 * logs in with its typos; successes never count; the counts survive a restart; a browser that has
 * logged in to an account before gets in while others keep it locked (the admin's way in).
 *
 * One chain; apps behind one trusted proxy, so each request names its client address in
 * `X-Forwarded-For`. Every test uses accounts and addresses of its own, since the counts are in
 * the database that the apps share.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import type { AppContext } from '../../src/context';
import { createServices, type Services } from '../../src/services';
import { openStore } from '../../src/store';
import { ADDRESS_FAILURES_ALLOWED, KNOWN_DEVICE_COOKIE, LOGIN_FAILURES_ALLOWED, LOGIN_WINDOW_MS } from '../../src/web/throttle';
import { startTestApp } from '../support/context';
import { LOGIN_PAGES, postForm, requestIdOf, setCookies, uniqueIp, withTrustProxy, type Agent, type LoginRole, type Response } from '../support/security';

const PASSWORD = 'class-pass-42';
const MINUTE = 60 * 1000;
const name = (label: string) => `${label}-${randomUUID().slice(0, 8)}`.toLowerCase();

describe('logins that never lock out a class', function () {
  this.timeout(300_000);
  let context: AppContext;
  let services: Services;
  let app: Express;

  before(async () => {
    ({ context, services } = await startTestApp());
    app = behindProxy();
  });
  after(async () => context?.close());

  /** An app behind one trusted proxy, on the real clock or on `now`. */
  function behindProxy(now?: () => number, over: { context: AppContext; services: Services } = { context, services }): Express {
    return createApp(withTrustProxy(over.context, 1), over.services, { log: () => undefined, now });
  }

  async function patients(count: number, label: string): Promise<string[]> {
    const usernames = Array.from({ length: count }, (_, i) => name(`${label}${i}`));
    // A few at a time: each signup is two transactions on the node.
    for (let i = 0; i < usernames.length; i += 10) {
      await Promise.all(
        usernames.slice(i, i + 10).map(username =>
          services.patients.signup({ username, password: PASSWORD, email: `${username}@class.example`, fullName: `Student ${username}`, phone: '+1 555 0100' }),
        ),
      );
    }
    return usernames;
  }

  /** One login, from `ip`, in `agent`'s cookie jar (a fresh browser when none is given). */
  const attempt = (target: Express, role: LoginRole, username: string, password: string, ip: string, agent: Agent = supertest.agent(target)) =>
    postForm(agent, LOGIN_PAGES[role], { username, password }, { headers: { 'X-Forwarded-For': ip } });

  /**
   * An app whose password checks each take `delayMs` longer, as bcrypt at the real cost would (the
   * tests' cost is the lowest), and which counts how many checks of one username run at once.
   */
  function slowChecks(delayMs: number): { app: Express; peak: (username: string) => number } {
    const running = new Map<string, number>();
    const peaks = new Map<string, number>();
    const auth: Services['auth'] = {
      ...services.auth,
      async login(role, username, password) {
        const now = (running.get(username) ?? 0) + 1;
        running.set(username, now);
        peaks.set(username, Math.max(now, peaks.get(username) ?? 0));
        try {
          await new Promise(resolve => setTimeout(resolve, delayMs));
          return await services.auth.login(role, username, password);
        } finally {
          running.set(username, (running.get(username) ?? 1) - 1);
        }
      },
    };
    return { app: behindProxy(undefined, { context, services: { ...services, auth } }), peak: username => peaks.get(username) ?? 0 };
  }

  function assertLocked(res: Response): void {
    assert.equal(res.status, 429, `expected 429, got ${res.status}`);
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= LOGIN_WINDOW_MS / 1000, `Retry-After is ${res.headers['retry-after']}`);
    assert.match(res.text, /Try again after \d\d:\d\d UTC \(in about \d+ minutes?\)/);
    assert.ok(requestIdOf(res.text), 'the 429 page has no request id');
  }

  async function lock(target: Express, role: LoginRole, username: string): Promise<void> {
    for (let i = 1; i <= LOGIN_FAILURES_ALLOWED; i++) {
      assert.equal((await attempt(target, role, username, `wrong-${i}`, uniqueIp())).status, 401, `failure ${i}`);
    }
  }

  it('lets a class of 60 behind one address log in, each after two typos', async () => {
    const students = await patients(60, 'student');
    const school = uniqueIp();
    const statuses = await Promise.all(
      students.map(async username => {
        const browser = supertest.agent(app);
        const typos = [await attempt(app, 'patient', username, 'typo-one', school, browser), await attempt(app, 'patient', username, 'typo-two', school, browser)];
        const login = await attempt(app, 'patient', username, PASSWORD, school, browser);
        return [...typos.map(res => res.status), login.status];
      }),
    );
    statuses.forEach((answers, i) => assert.deepEqual(answers, [401, 401, 303], `student ${i}`));
  });

  it('locks one account after 10 failures: 429 with when to try again, while another account at the same address logs in', async () => {
    const [locked, other] = await patients(2, 'lock');
    const ip = uniqueIp();
    for (let i = 1; i <= LOGIN_FAILURES_ALLOWED; i++) {
      assert.equal((await attempt(app, 'patient', locked, `wrong-${i}`, ip)).status, 401, `failure ${i}`);
    }
    assertLocked(await attempt(app, 'patient', locked, PASSWORD, ip));
    assertLocked(await attempt(app, 'patient', locked, PASSWORD, uniqueIp())); // from anywhere
    assert.equal((await attempt(app, 'patient', other, PASSWORD, ip)).status, 303, 'the other account at the same address was held up');
  });

  it('lets no more guesses at one account run at once than it has failures left: of 20 at once, 10 are answered 401 and 10 locked out', async () => {
    const { app: slow, peak } = slowChecks(50);
    const [username] = await patients(1, 'burst');
    // From 20 addresses at once: each guess counts those still running as failures.
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(slow, 'patient', username, `wrong-${i}`, uniqueIp())));
    const statuses = answers.map(res => res.status);
    assert.equal(statuses.filter(status => status === 401).length, LOGIN_FAILURES_ALLOWED, `statuses: ${statuses.join(' ')}`);
    answers.filter(res => res.status !== 401).forEach(assertLocked);
    assert.ok(peak(username) > 1 && peak(username) <= LOGIN_FAILURES_ALLOWED, `${peak(username)} guesses ran at once`);
  });

  it('lets 12 simultaneous logins of one account all in (running logins are not failures)', async () => {
    const { app: slow, peak } = slowChecks(50);
    const [username] = await patients(1, 'together');
    const answers = await Promise.all(Array.from({ length: 12 }, () => attempt(slow, 'patient', username, PASSWORD, uniqueIp())));
    assert.deepEqual(
      answers.map(res => res.status),
      Array.from({ length: 12 }, () => 303),
    );
    assert.ok(peak(username) > 1 && peak(username) <= LOGIN_FAILURES_ALLOWED, `${peak(username)} logins ran at once`);
  });

  it('lets a class of 30 log in to one shared account at once, their password checks running side by side', async () => {
    const { app: slow, peak } = slowChecks(50);
    const [shared] = await patients(1, 'shared');
    const school = uniqueIp();
    const answers = await Promise.all(Array.from({ length: 30 }, () => attempt(slow, 'patient', shared, PASSWORD, school)));
    assert.deepEqual(
      answers.map(res => res.status),
      Array.from({ length: 30 }, () => 303),
    );
    // Not one after another, and never more at once than the account's allowance of failures.
    assert.ok(peak(shared) > 1, 'the logins were checked one after another');
    assert.ok(peak(shared) <= LOGIN_FAILURES_ALLOWED, `${peak(shared)} logins ran at once`);
  });

  it('lets logins at the limit through one at a time, each checked against the failures before it: a success does not count', async () => {
    const { app: slow, peak } = slowChecks(20);
    const [username] = await patients(1, 'brink');
    const ip = uniqueIp();
    for (let i = 1; i < LOGIN_FAILURES_ALLOWED; i++) assert.equal((await attempt(slow, 'patient', username, `wrong-${i}`, ip)).status, 401);
    // Nine failures: one more allowed, so five logins at once take turns, and all get in.
    const answers = await Promise.all(Array.from({ length: 5 }, () => attempt(slow, 'patient', username, PASSWORD, uniqueIp())));
    assert.deepEqual(
      answers.map(res => res.status),
      Array.from({ length: 5 }, () => 303),
    );
    assert.equal(peak(username), 1, 'a login ran beside another at the limit');
    assert.equal((await attempt(slow, 'patient', username, 'wrong-10', ip)).status, 401, 'the tenth failure was refused: a success counted');
    assertLocked(await attempt(slow, 'patient', username, PASSWORD, ip));
  });

  it('ends the lock when the failures leave the 15-minute window', async () => {
    let now = Date.now() - 2 * 24 * 60 * MINUTE; // a clock of its own, days back: its counts are no one else's
    const clocked = behindProxy(() => now);
    const [username] = await patients(1, 'window');
    await lock(clocked, 'patient', username);
    assertLocked(await attempt(clocked, 'patient', username, PASSWORD, uniqueIp()));
    now += 14 * MINUTE;
    assertLocked(await attempt(clocked, 'patient', username, PASSWORD, uniqueIp()));
    now += 2 * MINUTE;
    assert.equal((await attempt(clocked, 'patient', username, PASSWORD, uniqueIp())).status, 303);
  });

  it('does not count a successful login', async () => {
    const [username] = await patients(1, 'success');
    const ip = uniqueIp();
    for (let i = 1; i < LOGIN_FAILURES_ALLOWED; i++) assert.equal((await attempt(app, 'patient', username, `wrong-${i}`, ip)).status, 401);
    // Nine failures: successes in between must not bring the tenth nearer.
    for (let i = 1; i <= 5; i++) assert.equal((await attempt(app, 'patient', username, PASSWORD, ip)).status, 303, `login ${i}`);
    assert.equal((await attempt(app, 'patient', username, 'wrong-10', ip)).status, 401, 'the tenth failure was refused: a success counted');
    assertLocked(await attempt(app, 'patient', username, PASSWORD, ip));
  });

  it(`holds an address to ${ADDRESS_FAILURES_ALLOWED} failures in 15 minutes across any accounts`, async () => {
    const [username] = await patients(1, 'ceiling');
    const ip = uniqueIp();
    for (let i = 1; i <= ADDRESS_FAILURES_ALLOWED; i++) {
      assert.equal((await attempt(app, 'patient', name('guess'), 'wrong-password', ip)).status, 401, `guess ${i}`);
    }
    assertLocked(await attempt(app, 'patient', username, PASSWORD, ip));
    assert.equal((await attempt(app, 'patient', username, PASSWORD, uniqueIp())).status, 303, 'the account is locked, not only the address');
  });

  it('holds an address to its ceiling when guesses at many accounts arrive at once', async () => {
    const ip = uniqueIp();
    const room = 10; // failures the address has left when the burst arrives
    for (let i = 1; i <= ADDRESS_FAILURES_ALLOWED - room; i++) {
      assert.equal((await attempt(app, 'patient', name('spread'), 'wrong-password', ip)).status, 401, `guess ${i}`);
    }
    // 20 accounts at once: each check counts the guesses still running from the address.
    const answers = await Promise.all(Array.from({ length: 2 * room }, () => attempt(app, 'patient', name('burst'), 'wrong-password', ip)));
    const statuses = answers.map(res => res.status);
    assert.equal(statuses.filter(status => status === 401).length, room, `statuses: ${statuses.join(' ')}`);
    answers.filter(res => res.status !== 401).forEach(assertLocked);
  });

  it('lets the admin in from a browser that logged in before, while others keep the admin account locked', async () => {
    // Made first: a signup's count, on the real clock, prunes what is older than an hour before it.
    const [student] = await patients(1, 'stranger');
    let now = Date.now() - 4 * 24 * 60 * MINUTE; // days back: the lock stays this test's
    const clocked = behindProxy(() => now);
    const browser = supertest.agent(clocked);
    const first = await attempt(clocked, 'admin', 'admin', 'admin', uniqueIp(), browser);
    assert.equal(first.status, 303);
    const known = setCookies(first).find(cookie => cookie.startsWith(`${KNOWN_DEVICE_COOKIE}=`));
    assert.ok(known, 'the login set no known-device cookie');
    assert.match(known.toLowerCase(), /httponly/);
    assert.equal((await postForm(browser, '/logout', {})).status, 303);

    await lock(clocked, 'admin', 'admin'); // ten requests from anywhere
    assertLocked(await attempt(clocked, 'admin', 'admin', 'admin', uniqueIp())); // a new browser
    assert.equal((await attempt(clocked, 'admin', 'admin', 'admin', uniqueIp(), browser)).status, 303, 'the known browser was kept out');

    // The tag is no key to unlimited guesses: its own failures lock it like an account.
    for (let i = 1; i <= LOGIN_FAILURES_ALLOWED; i++) {
      assert.equal((await attempt(clocked, 'admin', 'admin', `wrong-${i}`, uniqueIp(), browser)).status, 401, `known-browser failure ${i}`);
    }
    assertLocked(await attempt(clocked, 'admin', 'admin', 'admin', uniqueIp(), browser));
    // A browser known to another account is a stranger to this one.
    const strangers = supertest.agent(clocked);
    assert.equal((await attempt(clocked, 'patient', student, PASSWORD, uniqueIp(), strangers)).status, 303);
    assertLocked(await attempt(clocked, 'admin', 'admin', 'admin', uniqueIp(), strangers));
    now += LOGIN_WINDOW_MS + MINUTE;
    assert.equal((await attempt(clocked, 'admin', 'admin', 'admin', uniqueIp())).status, 303, 'the lock outlived its window');
  });

  it('keeps the counts across a restart: a second app over the same database still refuses the locked account', async () => {
    const [username] = await patients(1, 'restart');
    await lock(app, 'patient', username);
    assertLocked(await attempt(app, 'patient', username, PASSWORD, uniqueIp()));

    // A second app over the same DATA_DIR, with a database connection and services of its own:
    // nothing of the first app's memory is shared, only what the database holds.
    const store = await openStore(context.config);
    try {
      const reopened: AppContext = { ...context, store };
      const second = behindProxy(undefined, { context: reopened, services: createServices(reopened, { bcryptCost: 4 }) });
      assertLocked(await attempt(second, 'patient', username, PASSWORD, uniqueIp()));
      const [other] = await patients(1, 'restart-other');
      assert.equal((await attempt(second, 'patient', other, PASSWORD, uniqueIp())).status, 303);
    } finally {
      await store.close();
    }
  });
});
