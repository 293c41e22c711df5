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
import { createAccessPolicy, REMOVED, type Actor, type EmergencyState, type GrantState, type PolicyReads } from '../../src/domain/access-policy';
import { Conflict, FieldError, Forbidden, NotFound } from '../../src/domain/errors';
import { HOMES, isUserRole, KEPT_FORMS, LOGIN_PAGES, may, ROLE_NAMES, ROLES, USER_ROLES } from '../../src/domain/roles';
import { createLedgerReads } from '../../src/features/records/ledger-reads';
import { createRecordPolicy } from '../../src/features/records/policy';
import type { Services } from '../../src/services';
import { toHttpError } from '../../src/web/http-error';
import { LedgerRevertError } from '../../src/ledger/errors';
import { utcMinute } from '../../src/domain/time';
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
        await refusal(policy.require(doctorA, { id: 1_000_000 }, 'prescribe'), NotFound, 'There is no such report.');
        // To read, the policy first asks the report's owner (for a break-glass access to them): an
        // unknown id is then the ledger's own refusal, EHRUnknownReport — the same 404 page.
        await assert.rejects(policy.require(doctorA, { id: 1_000_000 }, 'read'), (error: unknown) => {
          const page = toHttpError(error);
          return (error instanceof NotFound || error instanceof LedgerRevertError) && page?.status === 404 && page.message === 'There is no such report.';
        });
      });

      it('knows no doctor the ledger does not know, whatever the users table says', async () => {
        // The ledger holds the address at no hospital: to the policy, a staff member the admin removed.
        await refusal(policy.actor({ role: 'doctor', address: patientA.address }, 'doctor'), Forbidden, REMOVED);
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
        const revoked = await services.patients.revoke(userId, shared, doctorB.hospitalId!);
        // A revoked grant is an ended one: the refusal says when (the revoke's block, to the minute).
        await refusal(policy.require(doctorB, { id: shared }, 'read'), Forbidden, `Your hospital's access to this report ended on ${utcMinute(revoked.timestamp)}.`);
      });

      it('lets a doctor read for treatment while a grant with an end is live, on the contract\'s word', async () => {
        const userId = (await context.store.users.byAddress([patientA.address])).get(patientA.address)!.id;
        const until = Math.floor(Date.now() / 1000) + 86_400;
        const shared = (await services.patients.addReport(userId, { title: 'Until tomorrow', disease: 'Flu', details: 'x', hospitalIds: [doctorB.hospitalId!], until })).reportId;
        assert.deepEqual(await context.ledger.client.treatmentGrant(shared, doctorB.hospitalId!), { live: true, until });
        for (const action of ['read', 'prescribe'] as const) {
          assert.deepEqual(await policy.decide(doctorB, { id: shared }, action), { allowed: true, purpose: 'treatment', hospitalId: doctorB.hospitalId });
        }
      });

      it('lets a doctor under break-glass read every report of the patient (purpose emergency), never prescribe', async () => {
        const doctorUser = (await context.store.users.byAddress([doctorB.address])).get(doctorB.address)!;
        const patientUser = (await context.store.users.byAddress([patientA.address])).get(patientA.address)!;
        const opened = await services.emergencies.open(doctorUser.id, { patient: patientUser.username, reason: 'Unconscious on arrival: need the history' });
        const held = await context.ledger.client.emergencyOf(patientA.address, doctorB.address);
        assert.equal(held.live, true);
        assert.equal(held.emergencyId, opened.emergencyId);
        for (const id of [report, unshared]) {
          assert.deepEqual(await policy.decide(doctorB, { id }, 'read'), {
            allowed: true, purpose: 'emergency', hospitalId: doctorB.hospitalId, emergencyId: opened.emergencyId, end: held.end,
          });
          await refusal(policy.require(doctorB, { id }, 'prescribe'), Forbidden, 'This report is not shared with your hospital.');
        }
        // Another patient's reports stay closed to that doctor; and the patient ends it: closed again.
        await services.emergencies.end(patientUser.id, opened.emergencyId);
        await refusal(policy.require(doctorB, { id: unshared }, 'read'), Forbidden, 'This report is not shared with your hospital.');
      });

      it('refuses a staff member the admin removed everything, with what happened (REMOVED)', async () => {
        const tag = randomUUID().slice(0, 8);
        const { hospitalId } = await services.admin.addHospital({ name: `Policy C ${tag}`, address: '1 C Road', phone: '+1 555 0103' });
        await services.admin.addDoctor({ fullName: `Dr pdc${tag}`, username: `pdc${tag}`, password: PASSWORD, email: `pdc${tag}@example.org`, specialty: 'General', hospitalId });
        const user = (await context.store.users.findByUsername(`pdc${tag}`))!;
        const fresh = () => createRecordPolicy(context.ledger.client, createLedgerReads(context.ledger.client)); // no kept hospital
        assert.equal((await fresh().actor(user, 'doctor')).hospitalId, hospitalId);
        await services.admin.removeStaff(user.username);
        await refusal(fresh().actor(user, 'doctor'), Forbidden, REMOVED);
      });

      describe('over fake reads', () => {
        const NOW = Math.floor(Date.UTC(2026, 10, 25, 18, 45) / 1000);
        const NEVER: GrantState = { live: false, until: 0 };
        const NONE: EmergencyState = { emergencyId: 0, end: 0, live: false };

        /** A policy over fake reads, and what it asked, in order. */
        function fakePolicy({ grant = NEVER, emergency = NONE, hospital = 7 }: { grant?: GrantState; emergency?: EmergencyState; hospital?: number } = {}) {
          const asked: string[] = [];
          const reads = {
            owner: async (id: number) => (asked.push(`owner ${id}`), '0xowner'),
            owners: async (ids: readonly number[]) => (asked.push(`owners ${ids.join()}`), ids.map(() => '0xowner')),
            hospitalOf: async (address: string) => (asked.push(`hospitalOf ${address}`), hospital),
            staffOf: async (address: string) => (asked.push(`staffOf ${address}`), { organisationId: hospital, role: hospital ? ('doctor' as const) : undefined }),
            treatmentGrant: async (id: number, hospitalId: number) => (asked.push(`treatmentGrant ${id} ${hospitalId}`), grant),
            emergencyOf: async (patient: string, doctor: string) => (asked.push(`emergencyOf ${patient} ${doctor}`), emergency),
            grantedOf: async (ids: readonly number[], hospitalId: number) => (asked.push(`grantedOf ${ids.join()} ${hospitalId}`), new Set<number>()),
            reportCount: async () => (asked.push('reportCount'), 5),
          };
          const typed: PolicyReads = reads; // every read the policy asks for, faked (staffOf too, for the staff of other organisations)
          return { policy: createAccessPolicy(typed), asked };
        }

        it('asks only the reads it is given, in the order a page needs them', async () => {
          const { policy: fake, asked } = fakePolicy();
          const doctor = await fake.actor({ role: 'doctor', address: '0xdoc' }, 'doctor');
          await assert.rejects(fake.require(doctor, { id: 3 }, 'read'), Forbidden);
          await assert.rejects(fake.require(doctor, { id: 9, owner: '0xother' }, 'read'), NotFound);
          await assert.rejects(fake.require(doctor, { id: 3 }, 'prescribe'), Forbidden);
          assert.deepEqual((await fake.decide({ role: 'patient', address: '0xowner' }, { id: 1, owner: '0xowner' }, 'read')).allowed, true);
          assert.deepEqual(asked, [
            'hospitalOf 0xdoc',
            'treatmentGrant 3 7', 'owner 3', 'emergencyOf 0xowner 0xdoc', 'reportCount',
            'treatmentGrant 9 7', 'emergencyOf 0xother 0xdoc', 'reportCount',
            'treatmentGrant 3 7', 'reportCount', // prescribing never asks for a break-glass access
          ]);
        });

        it('lets a doctor read and prescribe under a live grant with an end (purpose treatment)', async () => {
          const { policy: fake, asked } = fakePolicy({ grant: { live: true, until: NOW + 3600 } });
          const doctor = await fake.actor({ role: 'doctor', address: '0xdoc' }, 'doctor');
          for (const action of ['read', 'prescribe'] as const) {
            assert.deepEqual(await fake.decide(doctor, { id: 3 }, action), { allowed: true, purpose: 'treatment', hospitalId: 7 });
          }
          assert.deepEqual(asked, ['hospitalOf 0xdoc', 'treatmentGrant 3 7', 'treatmentGrant 3 7']);
        });

        it('refuses an ended grant with when it ended (UTC, to the minute), to read and to prescribe', async () => {
          const { policy: fake } = fakePolicy({ grant: { live: false, until: NOW } });
          const doctor = await fake.actor({ role: 'doctor', address: '0xdoc' }, 'doctor');
          for (const action of ['read', 'prescribe'] as const) {
            const decision = await fake.decide(doctor, { id: 3 }, action);
            assert.equal(decision.allowed, false);
            assert.ok(!decision.allowed && decision.error instanceof Forbidden);
            assert.equal(!decision.allowed && decision.error.message, "Your hospital's access to this report ended on 2026-11-25 18:45 UTC.");
            assert.match((!decision.allowed && decision.error.message) || '', /ended on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\.$/);
          }
        });

        it('lets a doctor with a live break-glass access on the owner read (purpose emergency), never prescribe', async () => {
          const emergency = { emergencyId: 4, end: NOW + 86_400, live: true };
          const { policy: fake } = fakePolicy({ emergency });
          const doctor = await fake.actor({ role: 'doctor', address: '0xdoc' }, 'doctor');
          assert.deepEqual(await fake.decide(doctor, { id: 3 }, 'read'), { allowed: true, purpose: 'emergency', hospitalId: 7, emergencyId: 4, end: NOW + 86_400 });
          await refusal(fake.require(doctor, { id: 3 }, 'prescribe'), Forbidden, 'This report is not shared with your hospital.');
          // An ended grant and a live break-glass access: read under the emergency; prescribing says the grant ended.
          const both = fakePolicy({ grant: { live: false, until: NOW }, emergency }).policy;
          assert.deepEqual(await both.decide(doctor, { id: 3 }, 'read'), { allowed: true, purpose: 'emergency', hospitalId: 7, emergencyId: 4, end: NOW + 86_400 });
          await refusal(both.require(doctor, { id: 3 }, 'prescribe'), Forbidden, "Your hospital's access to this report ended on 2026-11-25 18:45 UTC.");
          // An ended break-glass access opens nothing.
          const ended = fakePolicy({ emergency: { ...emergency, live: false } }).policy;
          await refusal(ended.require(doctor, { id: 3 }, 'read'), Forbidden, 'This report is not shared with your hospital.');
        });

        it('refuses a removed doctor (the ledger holds them at no hospital) before any record: Forbidden REMOVED', async () => {
          const { policy: fake, asked } = fakePolicy({ hospital: 0 });
          await refusal(fake.actor({ role: 'doctor', address: '0xdoc' }, 'doctor'), Forbidden, REMOVED);
          assert.deepEqual(asked, ['hospitalOf 0xdoc']);
          // A patient is no staff: the ledger is not asked.
          assert.deepEqual(await fake.actor({ role: 'patient', address: '0xowner' }, 'patient'), { role: 'patient', address: '0xowner' });
          assert.deepEqual(asked, ['hospitalOf 0xdoc']);
        });
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

    it('keeps web/ out of every service (src/features/**, but for routes.ts and a route\'s form parser, *-form.ts) and out of store/', () => {
      const services = files(path.join(SRC, 'features')).filter(file => path.basename(file) !== 'routes.ts' && !file.endsWith('-form.ts'));
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
