/**
 * The domain (issue 15): the role registry and what is derived from it, the users table's CHECK
 * against the registry, the access policy's decisions on a real node, the domain errors' pages,
 * and the import graph (services and the store never reach into web/).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../src/context';
import { createAccessPolicy, type Actor, type PolicyReads } from '../../src/domain/access-policy';
import { Conflict, FieldError, Forbidden, NotFound } from '../../src/domain/errors';
import { HOMES, isUserRole, KEPT_FORMS, LOGIN_PAGES, may, ROLE_NAMES, ROLES, USER_ROLES } from '../../src/domain/roles';
import { createLedgerReads } from '../../src/features/records/ledger-reads';
import { createRecordPolicy } from '../../src/features/records/policy';
import type { Services } from '../../src/services';
import { toHttpError } from '../../src/web/http-error';
import { LOGIN_PAGES as WEB_LOGIN_PAGES } from '../../src/web/auth';
import { sqlOf, startTestApp } from '../support/context';
import { appRoutes } from '../support/security';

const SRC = path.resolve(__dirname, '../../src');
const PASSWORD = 'domain-pass-42';

describe('domain', function () {
  this.timeout(120_000);

  describe('the role registry', () => {
    // Today's three roles, by name (a role added later adds to them, and changes none of this).
    const pick = <T>(record: Readonly<Record<string, T>>) => ({ admin: record.admin, doctor: record.doctor, patient: record.patient });

    it('names the three roles, each with its login page, home and title', () => {
      assert.ok(['admin', 'doctor', 'patient'].every(role => (ROLE_NAMES as readonly string[]).includes(role)));
      assert.deepEqual(pick(LOGIN_PAGES), { admin: '/admin/login', doctor: '/doctor/login', patient: '/patient/login' });
      assert.deepEqual(pick(HOMES), { admin: '/admin', doctor: '/doctor', patient: '/patient' });
      assert.deepEqual(pick(Object.fromEntries(ROLE_NAMES.map(role => [role, ROLES[role].login.title]))), {
        admin: 'Admin login', doctor: 'Doctor login', patient: 'Patient login',
      });
      for (const role of ROLE_NAMES) {
        assert.equal(LOGIN_PAGES[role], ROLES[role].login.path);
        assert.equal(HOMES[role], ROLES[role].home);
      }
      assert.equal(WEB_LOGIN_PAGES, LOGIN_PAGES, 'web/ derives its login pages from the registry');
    });

    it('derives the users rows\' roles, signups and kept forms', () => {
      assert.deepEqual([...USER_ROLES].sort(), ROLE_NAMES.filter(role => ROLES[role].kind !== 'admin').sort());
      assert.ok(USER_ROLES.includes('doctor') && USER_ROLES.includes('patient'));
      assert.equal(isUserRole('admin'), false);
      assert.ok(ROLE_NAMES.filter(role => ROLES[role].signup).includes('patient') && !ROLES.doctor.signup && !ROLES.admin.signup);
      assert.deepEqual(KEPT_FORMS['/patient/reports'], { role: 'patient', page: '/patient' });
    });

    it('says what each role may do', () => {
      assert.ok(may('admin', 'administer') && may('admin', 'audit'));
      assert.ok(may('patient', 'own-reports') && !may('patient', 'prescribe') && !may('patient', 'read-shared-reports'));
      assert.ok(may('doctor', 'read-shared-reports') && may('doctor', 'prescribe') && !may('doctor', 'own-reports'));
      assert.ok(!may('doctor', 'administer') && !may('patient', 'audit'));
    });

    it('gives every home, nav entry and signup page a home under its own role', () => {
      for (const role of ROLE_NAMES) {
        const spec = ROLES[role];
        assert.ok(spec.nav.some(entry => entry.path === spec.home), `${role}'s nav links its home`);
        assert.ok(spec.nav.every(entry => entry.label.trim() !== '' && entry.path.startsWith('/')));
      }
    });
  });

  describe('over a real node', () => {
    let context: AppContext;
    let services: Services;
    let routes: string[];

    before(async () => {
      const started = await startTestApp();
      context = started.context;
      services = started.services;
      routes = appRoutes(started.app);
    });
    after(async () => context?.close());

    it('serves every role\'s login page (GET and POST), home, nav entries and signup page', () => {
      for (const role of ROLE_NAMES) {
        const spec = ROLES[role];
        for (const route of [`GET ${spec.login.path}`, `POST ${spec.login.path}`, `GET ${spec.home}`, ...spec.nav.map(entry => `GET ${entry.path}`)]) {
          assert.ok(routes.includes(route), `${role}: the app has no ${route}`);
        }
        if (spec.signup) assert.ok(routes.includes(`GET ${spec.signup.path}`) && routes.includes(`POST ${spec.signup.path}`));
        for (const post of Object.keys(spec.keptForms ?? {})) assert.ok(routes.includes(`POST ${post}`), `${role}: no POST ${post}`);
      }
    });

    it('allows in the users table exactly the registry\'s patient and staff roles (the CHECK of a landed migration)', () => {
      const { sql } = sqlOf(context).prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'").get()!;
      const check = /CHECK\s*\(\s*role\s+IN\s*\(([^)]*)\)\s*\)/i.exec(sql);
      assert.ok(check, `no CHECK on users.role in ${sql}`);
      const allowed = [...check[1].matchAll(/'([^']*)'/g)].map(match => match[1]).sort();
      const registry = ROLE_NAMES.filter(role => ROLES[role].kind === 'patient' || ROLES[role].kind === 'staff').sort();
      assert.deepEqual(allowed, registry);
      assert.deepEqual([...USER_ROLES].sort(), registry);
    });

    describe('the access policy', () => {
      let patientA: Actor, patientB: Actor, doctorA: Actor, doctorB: Actor;
      let report: number, unshared: number;
      let policy: ReturnType<typeof createRecordPolicy>;

      before(async () => {
        const tag = randomUUID().slice(0, 8);
        const users = context.store.users;
        const { hospitalId: hospitalA } = await services.admin.addHospital({ name: `Policy A ${tag}`, address: '1 A Road', phone: '+1 555 0100' });
        const { hospitalId: hospitalB } = await services.admin.addHospital({ name: `Policy B ${tag}`, address: '1 B Road', phone: '+1 555 0101' });
        for (const [username, hospitalId] of [[`pda${tag}`, hospitalA], [`pdb${tag}`, hospitalB]] as const) {
          await services.admin.addDoctor({ fullName: `Dr ${username}`, username, password: PASSWORD, email: `${username}@example.org`, specialty: 'General', hospitalId });
        }
        for (const username of [`ppa${tag}`, `ppb${tag}`]) {
          await services.patients.signup({ username, password: PASSWORD, email: `${username}@example.org`, fullName: `Patient ${username}`, phone: '+1 555 0102' });
        }
        const found = new Map((await Promise.all(['ppa', 'ppb', 'pda', 'pdb'].map(prefix => users.findByUsername(`${prefix}${tag}`)))).map(u => [u!.username, u!]));
        const user = (username: string) => found.get(username)!;
        policy = createRecordPolicy(context.ledger.client, createLedgerReads(context.ledger.client));
        [patientA, patientB, doctorA, doctorB] = await Promise.all([
          policy.actor(user(`ppa${tag}`), 'patient'), policy.actor(user(`ppb${tag}`), 'patient'),
          policy.actor(user(`pda${tag}`), 'doctor'), policy.actor(user(`pdb${tag}`), 'doctor'),
        ]);
        const body = { title: 'Policy report', disease: 'Flu', details: 'Two days.' };
        report = (await services.patients.addReport(user(`ppa${tag}`).id, { ...body, hospitalIds: [hospitalA] })).reportId;
        unshared = (await services.patients.addReport(user(`ppa${tag}`).id, { ...body, hospitalIds: [] })).reportId;
        assert.equal(doctorA.hospitalId, hospitalA, 'the doctor\'s hospital is the ledger\'s');
        assert.equal(doctorB.hospitalId, hospitalB);
      });

      const refusal = async (promise: Promise<unknown>, kind: typeof NotFound | typeof Forbidden, message: string) => {
        await assert.rejects(promise, (error: unknown) => error instanceof kind && (error as Error).message === message);
      };

      it('lets a patient read, share and revoke their own report, as its owner', async () => {
        for (const action of ['read', 'share', 'revoke'] as const) {
          assert.deepEqual(await policy.decide(patientA, { id: report }, action), { allowed: true, purpose: 'owner' });
        }
      });

      it('answers another patient\'s report as "no such report", and never lets a patient prescribe', async () => {
        await refusal(policy.require(patientB, { id: report }, 'read'), NotFound, 'There is no such report.');
        await refusal(policy.require(patientB, { id: report }, 'share'), NotFound, 'There is no such report.');
        await refusal(policy.require(patientA, { id: report }, 'prescribe'), Forbidden, 'You do not have access to this page.');
      });

      it('lets a doctor read and prescribe for treatment while the contract says the hospital holds a grant', async () => {
        for (const action of ['read', 'prescribe'] as const) {
          assert.deepEqual(await policy.decide(doctorA, { id: report }, action), { allowed: true, purpose: 'treatment', hospitalId: doctorA.hospitalId });
        }
        await refusal(policy.require(doctorA, { id: report }, 'share'), Forbidden, 'You do not have access to this page.');
      });

      it('refuses a doctor an unshared report (403) and an unknown one (404)', async () => {
        await refusal(policy.require(doctorB, { id: report }, 'read'), Forbidden, 'This report is not shared with your hospital.');
        await refusal(policy.require(doctorA, { id: unshared }, 'prescribe'), Forbidden, 'This report is not shared with your hospital.');
        await refusal(policy.require(doctorA, { id: 1_000_000 }, 'read'), NotFound, 'There is no such report.');
      });

      it('knows no doctor the ledger does not know, whatever the users table says', async () => {
        await refusal(policy.actor({ role: 'doctor', address: patientA.address }, 'doctor'), Forbidden, 'This account is not a doctor.');
        await refusal(policy.actor({ role: 'patient', address: patientA.address }, 'doctor'), Forbidden, 'This account is not a doctor.');
        await refusal(policy.actor(undefined, 'patient'), Forbidden, 'This account is not a patient.');
      });

      it('lists for each user only what they may see', async () => {
        assert.deepEqual([...(await policy.visible(patientA, [report, unshared, 1_000_000]))].sort(), [report, unshared].sort());
        assert.deepEqual([...(await policy.visible(patientB, [report, unshared]))], []);
        assert.deepEqual([...(await policy.visible(doctorA, [report, unshared]))], [report]);
        assert.deepEqual([...(await policy.visible(doctorB, [report, unshared]))], []);
      });

      it('refuses a body\'s page at once after a revoke, though a list may keep its "yes" a few seconds', async () => {
        const userId = (await context.store.users.byAddress([patientA.address])).get(patientA.address)!.id;
        const shared = (await services.patients.addReport(userId, { title: 'Revoked', disease: 'Flu', details: 'x', hospitalIds: [doctorB.hospitalId!] })).reportId;
        assert.equal((await policy.decide(doctorB, { id: shared }, 'read')).allowed, true);
        assert.deepEqual([...(await policy.visible(doctorB, [shared]))], [shared]); // kept a few seconds by this policy's reads
        await services.patients.revoke(userId, shared, doctorB.hospitalId!);
        await refusal(policy.require(doctorB, { id: shared }, 'read'), Forbidden, 'This report is not shared with your hospital.');
      });

      it('asks only the reads it is given, in the order a page needs them', async () => {
        const asked: string[] = [];
        const reads: PolicyReads = {
          owner: async id => (asked.push(`owner ${id}`), '0xowner'),
          owners: async ids => (asked.push(`owners ${ids.join()}`), ids.map(() => '0xowner')),
          hospitalOf: async address => (asked.push(`hospitalOf ${address}`), 7),
          canRead: async (id, hospitalId) => (asked.push(`canRead ${id} ${hospitalId}`), false),
          grantedOf: async (ids, hospitalId) => (asked.push(`grantedOf ${ids.join()} ${hospitalId}`), new Set()),
          reportCount: async () => (asked.push('reportCount'), 5),
        };
        const fake = createAccessPolicy(reads);
        const doctor = await fake.actor({ role: 'doctor', address: '0xdoc' }, 'doctor');
        await assert.rejects(fake.require(doctor, { id: 3 }, 'read'), Forbidden);
        await assert.rejects(fake.require(doctor, { id: 9 }, 'read'), NotFound);
        assert.deepEqual((await fake.decide({ role: 'patient', address: '0xowner' }, { id: 1, owner: '0xowner' }, 'read')).allowed, true);
        assert.deepEqual(asked, ['hospitalOf 0xdoc', 'canRead 3 7', 'reportCount', 'canRead 9 7', 'reportCount']);
      });
    });
  });

  describe('domain errors', () => {
    it('become pages only in web/, with the titles and messages users see', () => {
      const page = (error: unknown) => {
        const known = toHttpError(error);
        return known && { status: known.status, title: known.title, message: known.message };
      };
      assert.deepEqual(page(new NotFound('report')), { status: 404, title: 'Not found', message: 'There is no such report.' });
      assert.deepEqual(page(new NotFound()), { status: 404, title: 'Not found', message: 'There is no such page.' });
      assert.deepEqual(page(new Forbidden()), { status: 403, title: 'Access denied', message: 'You do not have access to this page.' });
      assert.deepEqual(page(new Forbidden('This account is not a doctor.')), { status: 403, title: 'Access denied', message: 'This account is not a doctor.' });
      assert.deepEqual(page(new Conflict('Taken.')), { status: 409, title: 'Conflict', message: 'Taken.' });
      assert.deepEqual(page(new FieldError('name', 'Too long')), { status: 400, title: 'Bad request', message: 'Too long' });
      assert.equal(new FieldError('name', 'Too long').field, 'name');
    });
  });

  describe('the import graph', () => {
    const files = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? files(full) : entry.name.endsWith('.ts') ? [full] : [];
      });
    /** The src/ files a file imports (relative imports only), as paths under src/. */
    const importsOf = (file: string): string[] =>
      [...fs.readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)].map(match =>
        path.relative(SRC, path.resolve(path.dirname(file), match[1])),
      );
    const offending = (selected: readonly string[], forbidden: (target: string) => boolean) =>
      selected.flatMap(file => importsOf(file).filter(forbidden).map(target => `${path.relative(SRC, file)} → ${target}`));
    const under = (dir: string) => (target: string) => target === dir || target.startsWith(`${dir}/`);

    it('finds the imports it checks', () => {
      assert.ok(importsOf(path.join(SRC, 'web/auth.ts')).includes('domain/roles'));
    });

    it('keeps web/ out of every service (src/features/**, but for routes.ts) and out of store/', () => {
      const services = files(path.join(SRC, 'features')).filter(file => path.basename(file) !== 'routes.ts');
      assert.ok(services.some(file => file.endsWith(path.join('doctor', 'service.ts'))));
      assert.deepEqual(offending([...services, ...files(path.join(SRC, 'store'))], under('web')), []);
    });

    it('keeps the domain free of everything but itself', () => {
      assert.deepEqual(offending(files(path.join(SRC, 'domain')), target => !under('domain')(target)), []);
    });

    it('keeps store/ out of ledger/', () => {
      assert.deepEqual(offending(files(path.join(SRC, 'ledger')), under('store')), []);
    });

    it('lets only store/ see an implementation of the store: the rest sees its ports', () => {
      const outside = files(SRC).filter(file => !under('store')(path.relative(SRC, file)));
      assert.deepEqual(offending(outside, under('store/sqlite')), []);
    });

    it('keeps every SQL statement and the SQLite driver in store/', () => {
      const outside = files(SRC).filter(file => !under('store')(path.relative(SRC, file)));
      const sql = outside.filter(file => /\.prepare\(|\.exec\(\s*['"`]|better-sqlite3|\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\s/.test(fs.readFileSync(file, 'utf8')));
      assert.deepEqual(sql.map(file => path.relative(SRC, file)), []);
    });
  });
});
