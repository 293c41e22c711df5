/**
 * Every route of the app × every kind of visitor → the status the interface promises.
 *
 * The routes are read from the app's own router, and the table below must list exactly those:
 * a route added to the app without a row here fails the first test (and so does a row whose
 * route is gone). Then each cell is one request:
 *
 * - visitors: anonymous; patient P (owner of report R); patient Q (someone else's report);
 *   doctor dA of hospital A (R is shared with A); doctor dB of hospital B (R is not); the admin;
 *   pharmacist of pharmacy X (P sent it R's prescriptions 0 and 2); the staff of insurer Y (P
 *   filed claims C1 and C3 on R with Y).
 * - `:id` is R's id; `:n` and `:hash` are the block and transaction that added R (a route may
 *   name its own: an emergency access's id, a staff member's username). Every POST carries the
 *   session's valid `_csrf` token and a body valid enough to succeed where the visitor is
 *   allowed, so a refusal is the route's, not the form's.
 * - Permitted writes change state, so they are chosen not to change any other cell:
 *   new hospitals, doctors, patients and reports get names of their own; P shares R with
 *   hospital C1 (no doctor, not shared before) and revokes it from hospital C2 (shared at
 *   creation, no doctor), so A and B keep their access whatever order the cells run in; dA's
 *   prescription only adds one; the admin's password change is followed (later admin logins
 *   use the new one).
 * - A pharmacy and an insurer: P sends prescription 1 (sent nowhere yet) and withdraws 2; the
 *   pharmacist dispenses 0; P files one more claim on R; Y reads C1 (open whatever happens) and
 *   decides C3.
 * - Break-glass and staff removal touch nobody the other cells ask about: dA holds a live
 *   emergency access to patient E (its page), each doctor opens one to patient F (a new one each),
 *   P ends the access of doctor dC (no visitor) to P, and the admin removes doctor dX (no visitor).
 * - Login POSTs use wrong credentials, a username of their own and, behind a trusted proxy,
 *   an `X-Forwarded-For` address of their own, so no cell comes near the login throttle.
 * - POST /logout runs in a fresh session of that visitor, so it ends nobody else's.
 * - No refused cell (and no page a visitor may see but that is not about R) shows R's text.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { LOGIN_PAGES, ROLE_NAMES, type SessionRole } from '../../src/domain/roles';
import type { AppContext } from '../../src/context';
import { startTestApp } from '../support/context';
import { ledgerFlash } from '../support/http';
import {
  appRoutes, followed, loginAgent, postForm, uniqueIp, withTrustProxy, type Agent, type Fields, type LoginRole, type Response,
} from '../support/security';

const ACTORS = ['anonymous', 'patient', 'otherPatient', 'grantedDoctor', 'otherDoctor', 'admin', 'pharmacist', 'insurer'] as const;
type Actor = (typeof ACTORS)[number];

const PASSWORD = 'matrix-pass-42';

interface Expect {
  readonly status: number;
  /** The `Location` of a redirect (a pattern: where the id is made by the request). */
  readonly location?: string | RegExp;
  /** The parts of R's text the answer shows (no part, unless listed). */
  readonly showsReport?: readonly (keyof typeof R_TEXT)[];
}

/** What the cells need from the set-up. */
interface World {
  readonly reportId: number;
  /** Where R was added on the ledger. */
  readonly blockNumber: number;
  readonly transactionHash: string;
  readonly hospitalA: number;
  readonly hospitalC1: number;
  readonly hospitalC2: number;
  /** dA's live break-glass access to patient E. */
  readonly emergencyOfA: number;
  /** dC's live break-glass access to P, which P ends. */
  readonly emergencyOnP: number;
  /** Patient F, to whom each doctor opens a break-glass access. */
  readonly patientF: string;
  /** Doctor dB, who stays (the confirmation page of a removal changes nothing), and dX, whom the admin removes. */
  readonly staying: string;
  readonly removed: string;
  readonly pharmacyX: number;
  readonly insurerY: number;
  /** Claim C1 (Y reads it) and C3 (Y decides it), both on R. */
  readonly claimC1: number;
  readonly claimC3: number;
  /** The contract's address (an account of the explorer). */
  readonly contract: string;
  /** A file of dA's fourth prescription on R, sent to X (no cell touches it). */
  readonly fileId: string;
}

interface RouteSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly expect: Record<Actor, Expect>;
  /** The path's parameters, where they are not R's (`:id`, `:n`, `:hash`). */
  readonly params?: (world: World) => Record<string, string | number>;
  /** The query string of a GET. */
  readonly query?: (world: World) => string;
  /** The body of a POST (called once per cell, so values can be unique). */
  readonly body?: (world: World) => Fields;
  /** Sent with the request (and with the GET that fetches its token). */
  readonly headers?: () => Record<string, string>;
  /** Run the cell in a fresh session of the visitor. */
  readonly fresh?: boolean;
  /** Called after a cell that answered 303, with the body it sent. */
  readonly onSuccess?: (body: Fields) => void;
}

const ok: Expect = { status: 200 };
/** A dashboard lists R by title and disease; R's own page shows all of it. */
const listsReport: Expect = { status: 200, showsReport: ['title', 'disease'] };
const showsReport: Expect = { status: 200, showsReport: ['title', 'disease', 'details'] };
const forbidden: Expect = { status: 403 };
const notFound: Expect = { status: 404 };
const unauthorized: Expect = { status: 401 };
const toLogin = (role: SessionRole): Expect => ({ status: 302, location: LOGIN_PAGES[role] });
const done = (location: string | RegExp): Expect => ({ status: 303, location });
const all = (expect: Expect): Record<Actor, Expect> => Object.fromEntries(ACTORS.map(actor => [actor, expect])) as Record<Actor, Expect>;
/** Only `role`'s visitors get `allowed`; others of a role get 403; the anonymous go to the login page. */
const only = (role: SessionRole, allowed: Partial<Record<Actor, Expect>>): Record<Actor, Expect> => ({
  anonymous: toLogin(role),
  patient: forbidden,
  otherPatient: forbidden,
  grantedDoctor: forbidden,
  otherDoctor: forbidden,
  admin: forbidden,
  pharmacist: forbidden,
  insurer: forbidden,
  ...allowed,
});

/** Every signed-in visitor gets `expect`; the anonymous go to the home page. */
const signedIn = (expect: Expect): Record<Actor, Expect> => ({ ...all(expect), anonymous: { status: 302, location: '/' } });

let serial = 0;
const unique = (label: string) => `${label}${++serial}-${randomUUID().slice(0, 8)}`;
const wrongLogin = () => ({ username: unique('nobody'), password: 'not-the-password' });

/** R's own text: no answer but the ones marked `showsReport` may contain it. */
const R_TEXT = { title: `R title ${randomUUID()}`, disease: `R disease ${randomUUID()}`, details: `R details ${randomUUID()}` };

let adminPassword = 'admin';

/** The app's routes and who gets what. Keep in step with docs/HTTP.md. */
const TABLE: readonly RouteSpec[] = [
  { method: 'GET', path: '/', expect: all(ok) },
  { method: 'GET', path: '/healthz', expect: all(ok) },

  // Every role's login page, from the role registry.
  ...ROLE_NAMES.flatMap((role): RouteSpec[] => [
    { method: 'GET', path: LOGIN_PAGES[role], expect: all(ok) },
    { method: 'POST', path: LOGIN_PAGES[role], expect: all(unauthorized), body: wrongLogin, headers: () => ({ 'X-Forwarded-For': uniqueIp() }) },
  ]),
  { method: 'POST', path: '/logout', expect: all(done('/')), fresh: true },
  // Every signed-in role changes its own password here; a wrong current password changes nothing.
  { method: 'GET', path: '/account/password', expect: { ...all(ok), anonymous: { status: 302, location: '/' } } },
  {
    method: 'POST',
    path: '/account/password',
    expect: { ...all({ status: 400 }), anonymous: { status: 302, location: '/' } },
    body: () => ({ currentPassword: 'not-the-password', newPassword: unique('new-pass-') }),
  },

  { method: 'GET', path: '/admin', expect: only('admin', { admin: ok }) },
  { method: 'GET', path: '/admin/audit', expect: only('admin', { admin: ok }) },
  { method: 'GET', path: '/admin/integrity', expect: only('admin', { admin: ok }) },
  { method: 'GET', path: '/admin/emergency', expect: only('admin', { admin: ok }) },
  // The confirmation page of a removal changes nothing by itself.
  { method: 'GET', path: '/admin/staff/:username/remove', expect: only('admin', { admin: ok }), params: world => ({ username: world.staying }) },
  { method: 'POST', path: '/admin/staff/:username/remove', expect: only('admin', { admin: done('/admin') }), params: world => ({ username: world.removed }) },
  // The ledger, read-only, for every signed-in role (issue 19); the anonymous go to the home page, which links every login.
  { method: 'GET', path: '/ledger', expect: signedIn(ok) },
  { method: 'GET', path: '/ledger/blocks/:n', expect: signedIn(ok) },
  { method: 'GET', path: '/ledger/tx/:hash', expect: signedIn(ok) },
  { method: 'GET', path: '/ledger/contract', expect: signedIn(ok) },
  { method: 'GET', path: '/ledger/accounts/:address', expect: signedIn(ok), params: world => ({ address: world.contract }) },
  { method: 'GET', path: '/ledger/search', expect: signedIn({ status: 302, location: /^\/ledger\/tx\/0x[0-9a-f]{64}$/ }), query: world => `q=${world.transactionHash}` },
  // The tamper lab computes over a copy: its POST changes nothing (200, not 303).
  { method: 'GET', path: '/ledger/blocks/:n/lab', expect: signedIn(ok) },
  { method: 'POST', path: '/ledger/blocks/:n/lab', expect: signedIn(ok), body: () => ({ timestamp: '1', 'input-0': '0x' }) },
  {
    method: 'POST',
    path: '/admin/hospitals',
    expect: only('admin', { admin: done('/admin') }),
    body: () => ({ name: unique('Matrix Hospital '), address: '1 Matrix Road', phone: '+1 555 0100' }),
  },
  {
    method: 'POST',
    path: '/admin/doctors',
    expect: only('admin', { admin: done('/admin') }),
    body: world => {
      const username = unique('mdoc');
      return { fullName: `Dr ${username}`, username, password: PASSWORD, email: `${username}@matrix.example`, specialty: 'General', hospitalId: String(world.hospitalA) };
    },
  },
  // The admin's console for a class (issue 17).
  { method: 'GET', path: '/admin/patients', expect: only('admin', { admin: ok }) },
  ...(['pharmacies', 'insurers'] as const).map(
    (kind): RouteSpec => ({
      method: 'POST',
      path: `/admin/${kind}`,
      expect: only('admin', { admin: done('/admin') }),
      body: () => ({ name: unique(`Matrix ${kind} `), address: '1 Matrix Road', phone: '+1 555 0100' }),
    }),
  ),
  ...([['pharmacists', 'pharmacyId', 'pharmacyX'], ['insurer-staff', 'insurerId', 'insurerY']] as const).map(
    ([path, field, organisation]): RouteSpec => ({
      method: 'POST',
      path: `/admin/${path}`,
      expect: only('admin', { admin: done('/admin') }),
      body: world => {
        const username = unique('mstaff');
        return { fullName: `Staff ${username}`, username, password: PASSWORD, email: `${username}@matrix.example`, [field]: String(world[organisation]) };
      },
    }),
  ),
  // Patient F only ever has break-glass accesses opened on them: a reset of F's password changes no other cell.
  { method: 'POST', path: '/admin/users/:username/reset-password', expect: only('admin', { admin: ok }), params: world => ({ username: world.patientF }) },
  {
    method: 'POST',
    path: '/admin/patients/bulk',
    expect: only('admin', { admin: ok }),
    body: () => {
      const username = unique('bulk');
      return { rows: `${username},Bulk ${username},${username}@matrix.example` };
    },
  },
  // Without the token of a bulk page of its own session, a download is gone for everyone.
  { method: 'POST', path: '/admin/patients/bulk/download', expect: only('admin', { admin: { status: 410 } }), body: () => ({ token: 'not-a-token' }) },
  {
    method: 'POST',
    path: '/admin/password',
    expect: only('admin', { admin: done('/admin') }),
    body: () => {
      const next = unique('admin-pass-');
      return { currentPassword: adminPassword, newPassword: next, confirmPassword: next };
    },
    onSuccess: body => void (adminPassword = String(body.newPassword)),
  },

  { method: 'GET', path: '/patient/signup', expect: all(ok) },
  {
    method: 'POST',
    path: '/patient/signup',
    expect: all(done('/patient/login')),
    body: () => {
      const username = unique('mpat');
      return { username, password: PASSWORD, email: `${username}@matrix.example`, fullName: `Patient ${username}`, phone: '+1 555 0101' };
    },
  },
  { method: 'GET', path: '/patient', expect: only('patient', { patient: listsReport, otherPatient: ok }) },
  {
    method: 'POST',
    path: '/patient/reports',
    expect: only('patient', { patient: done('/patient'), otherPatient: done('/patient') }),
    body: () => ({ title: unique('Matrix report '), disease: 'Flu', details: 'Fever for two days.' }),
  },
  { method: 'GET', path: '/patient/reports/:id', expect: only('patient', { patient: showsReport, otherPatient: notFound }) },
  // dA opened R during the set-up (and that access is on the ledger before any cell runs).
  { method: 'GET', path: '/patient/access-log', expect: only('patient', { patient: { status: 200, showsReport: ['title'] }, otherPatient: ok }) },
  {
    method: 'POST',
    path: '/patient/reports/:id/share',
    expect: only('patient', { patient: done('/patient/reports/:id'), otherPatient: notFound }),
    body: world => ({ hospitalId: String(world.hospitalC1) }),
  },
  // The confirmation page of a revoke of A, which stays shared: it shows R's title.
  {
    method: 'GET',
    path: '/patient/reports/:id/revoke',
    expect: only('patient', { patient: { status: 200, showsReport: ['title'] }, otherPatient: notFound }),
    query: world => `hospitalId=${world.hospitalA}`,
  },
  {
    method: 'POST',
    path: '/patient/reports/:id/revoke',
    expect: only('patient', { patient: done('/patient/reports/:id'), otherPatient: notFound }),
    body: world => ({ hospitalId: String(world.hospitalC2) }),
  },

  { method: 'GET', path: '/doctor', expect: only('doctor', { grantedDoctor: listsReport, otherDoctor: ok }) },
  { method: 'GET', path: '/doctor/reports/:id', expect: only('doctor', { grantedDoctor: showsReport, otherDoctor: forbidden }) },
  {
    method: 'POST',
    path: '/doctor/reports/:id/prescriptions',
    expect: only('doctor', { grantedDoctor: done('/doctor/reports/:id'), otherDoctor: forbidden }),
    body: () => ({ medicines: unique('Paracetamol '), dosage: '500 mg', instructions: 'Twice a day after meals.' }),
  },

  // Break-glass: a doctor's request page and form (each doctor opens a new access to F), the
  // doctor's own access (another doctor's is "not found"), the patient's "end it now" (another
  // patient's is "not found"), and the admin's list.
  { method: 'GET', path: '/doctor/emergency', expect: only('doctor', { grantedDoctor: ok, otherDoctor: ok }) },
  {
    method: 'POST',
    path: '/doctor/emergency',
    expect: only('doctor', { grantedDoctor: done(/^\/doctor\/emergency\/\d+$/), otherDoctor: done(/^\/doctor\/emergency\/\d+$/) }),
    body: world => ({ patient: world.patientF, reason: 'Found unconscious in the waiting room: need the history' }),
  },
  { method: 'GET', path: '/doctor/emergency/:id', expect: only('doctor', { grantedDoctor: ok, otherDoctor: notFound }), params: world => ({ id: world.emergencyOfA }) },

  // A pharmacy: the pharmacist's list (prescriptions only, never the report) and dispensing; the
  // patient's sending and withdrawing (a prescription's id is `<report>-<index>`).
  { method: 'GET', path: '/pharmacist', expect: only('pharmacist', { pharmacist: ok }) },
  {
    method: 'POST',
    path: '/pharmacist/prescriptions/:id/dispense',
    expect: only('pharmacist', { pharmacist: done('/pharmacist') }),
    params: world => ({ id: `${world.reportId}-0` }),
  },
  {
    method: 'POST',
    path: '/patient/prescriptions/:id/send',
    expect: only('patient', { patient: done('/patient/reports/:id'), otherPatient: notFound }),
    params: world => ({ id: `${world.reportId}-1` }),
    body: world => ({ pharmacyId: String(world.pharmacyX) }),
  },
  {
    method: 'POST',
    path: '/patient/prescriptions/:id/withdraw',
    expect: only('patient', { patient: done('/patient/reports/:id'), otherPatient: notFound }),
    params: world => ({ id: `${world.reportId}-2` }),
  },

  // An insurer: the claims, a claim with the report it covers (read for payment while open), a
  // decision; the patient's filing of a claim.
  { method: 'GET', path: '/insurer', expect: only('insurer', { insurer: ok }) },
  { method: 'GET', path: '/insurer/claims/:id', expect: only('insurer', { insurer: showsReport }), params: world => ({ id: world.claimC1 }) },
  {
    method: 'POST',
    path: '/insurer/claims/:id/decide',
    expect: only('insurer', { insurer: { status: 303, location: '/insurer/claims/:claim' } }),
    params: world => ({ id: world.claimC3 }),
    body: () => ({ decision: 'approve', amount: '100' }),
  },
  // An attached file (issue 18): whoever may read its record (R's prescription sent to X; C1 is open on R).
  {
    method: 'GET',
    path: '/files/:id',
    expect: {
      ...signedIn(forbidden),
      patient: { status: 200 },
      otherPatient: notFound,
      grantedDoctor: { status: 200 },
      pharmacist: { status: 200 },
      insurer: { status: 200 },
    },
    params: world => ({ id: world.fileId }),
  },
  // FHIR R4 out and in (issue 18): only the title of R is readable in the bundle (its body is base64).
  { method: 'GET', path: '/patient/export', expect: only('patient', { patient: { status: 200, showsReport: ['title'] }, otherPatient: ok }) },
  { method: 'GET', path: '/patient/import', expect: only('patient', { patient: ok, otherPatient: ok }) },
  // A form of fields is no bundle file: 415 for a patient (the upload route's own tests post files).
  { method: 'POST', path: '/patient/import', expect: only('patient', { patient: { status: 415 }, otherPatient: { status: 415 } }), body: () => ({ note: 'not a file' }) },
  {
    method: 'POST',
    path: '/patient/claims',
    expect: only('patient', { patient: done('/patient/reports/:id'), otherPatient: notFound }),
    body: world => ({ reportId: String(world.reportId), insurerId: String(world.insurerY), amount: '500' }),
  },
  {
    method: 'POST',
    path: '/patient/emergency/:id/end',
    expect: only('patient', { patient: done('/patient'), otherPatient: notFound }),
    params: world => ({ id: world.emergencyOnP }),
  },
];

/** The path of a route with its parameters: R's, or the route's own. */
function urlOf(spec: RouteSpec, world: World): string {
  const params: Record<string, string | number> = { id: world.reportId, n: world.blockNumber, hash: world.transactionHash, ...spec.params?.(world) };
  return spec.path.replace(/:(\w+)/g, (_, name: string) => {
    assert.ok(name in params, `no value for :${name} in ${spec.path}`);
    return encodeURIComponent(String(params[name]));
  });
}

describe('route matrix: every route × every visitor', function () {
  this.timeout(180_000);
  let context: AppContext;
  let app: Express;
  let world: World;
  const agents = new Map<Actor, Agent>();
  const credentials = new Map<Actor, { role: LoginRole; username: string }>();

  before(async () => {
    const started = await startTestApp();
    context = started.context;
    // Behind one trusted proxy, so each login POST can come from an address of its own.
    app = createApp(withTrustProxy(context, 1), started.services, { log: () => undefined });

    const admin = await loginAgent(app, 'admin', 'admin', 'admin');
    const addHospital = async (name: string) => {
      const page = await followed(admin, await postForm(admin, '/admin/hospitals', { name, address: `${name} Street 1`, phone: '+1 555 0199' }), '/admin');
      const row = new RegExp(`<tr><td>(\\d+)</td><td>${name}</td>`).exec(page);
      assert.ok(row, `hospital ${name} is not listed`);
      return Number(row[1]);
    };
    const names = { A: unique('Hospital A '), B: unique('Hospital B '), C1: unique('Hospital C1 '), C2: unique('Hospital C2 '), D: unique('Hospital D ') };
    const hospitalA = await addHospital(names.A);
    const hospitalB = await addHospital(names.B);
    const hospitalC1 = await addHospital(names.C1);
    const hospitalC2 = await addHospital(names.C2);
    const hospitalD = await addHospital(names.D); // dC's and dX's: no grant on R

    const people: Record<Exclude<Actor, 'anonymous' | 'admin' | 'pharmacist' | 'insurer'>, { role: LoginRole; username: string; hospitalId?: number }> = {
      patient: { role: 'patient', username: unique('p') },
      otherPatient: { role: 'patient', username: unique('q') },
      grantedDoctor: { role: 'doctor', username: unique('da'), hospitalId: hospitalA },
      otherDoctor: { role: 'doctor', username: unique('db'), hospitalId: hospitalB },
    };
    // Not visitors: dC (holds a break-glass access to P, which P ends), dX (the admin removes
    // them), and patients E and F (break-glass accesses to them touch no report of another cell).
    const extras = {
      dC: { role: 'doctor' as const, username: unique('dc'), hospitalId: hospitalD },
      dX: { role: 'doctor' as const, username: unique('dx'), hospitalId: hospitalD },
      E: { role: 'patient' as const, username: unique('e') },
      F: { role: 'patient' as const, username: unique('f') },
    };
    for (const person of [...Object.values(people), ...Object.values(extras)] as { role: LoginRole; username: string; hospitalId?: number }[]) {
      const { username } = person;
      if (person.role === 'doctor') {
        const res = await postForm(admin, '/admin/doctors', {
          fullName: `Dr ${username}`, username, password: PASSWORD, email: `${username}@matrix.example`, specialty: 'General', hospitalId: String(person.hospitalId),
        });
        await followed(admin, res, '/admin');
      } else {
        const visitor = supertest.agent(app);
        const res = await postForm(visitor, '/patient/signup', { username, password: PASSWORD, email: `${username}@matrix.example`, fullName: `Patient ${username}`, phone: '+1 555 0102' });
        await followed(visitor, res, '/patient/login');
      }
    }
    agents.set('anonymous', supertest.agent(app));
    agents.set('admin', admin);
    credentials.set('admin', { role: 'admin', username: 'admin' });
    for (const [actor, person] of Object.entries(people) as [Actor, { role: LoginRole; username: string }][]) {
      agents.set(actor, await loginAgent(app, person.role, person.username, PASSWORD));
      credentials.set(actor, person);
    }

    const patient = agents.get('patient')!;
    const res = await postForm(patient, '/patient/reports', { ...R_TEXT, hospitalIds: [String(hospitalA), String(hospitalC2)] });
    const page = await followed(patient, res, '/patient');
    const id = /saved on the ledger as report #(\d+)\./.exec(page);
    assert.ok(id, 'the flash does not name the report');
    const saved = ledgerFlash(page);
    assert.ok(saved, 'the flash does not name the transaction');
    // dA opens R: the access log of P shows R's title from the first cell on.
    assert.equal((await agents.get('grantedDoctor')!.get(`/doctor/reports/${id[1]}`)).status, 200);
    await started.services.background.settled();

    /** Opens a break-glass access of `doctor` to `patient` over HTTP; its id. */
    const openEmergency = async (doctor: Agent, patient: string) => {
      const opened = await postForm(doctor, '/doctor/emergency', { patient, reason: 'Brought in unconscious: need allergies and history' });
      assert.equal(opened.status, 303, opened.text.slice(0, 800));
      const emergency = /^\/doctor\/emergency\/(\d+)$/.exec(opened.headers.location);
      assert.ok(emergency, `opened, sent to ${opened.headers.location}`);
      return Number(emergency[1]);
    };
    const emergencyOfA = await openEmergency(agents.get('grantedDoctor')!, extras.E.username);

    // A pharmacy and an insurer with a member each (the admin's service adds them), three
    // prescriptions of dA on R, 0 and 2 sent to X, and claims C1 and C3 on R with Y.
    const { admin: adminService, doctors, pharmacy, insurers } = started.services;
    const organisation = async (kind: 'pharmacy' | 'insurer', name: string) =>
      (await adminService.addOrganisation(kind, { name, address: `${name} Street 1`, phone: '+1 555 0198' })).organisationId;
    const pharmacyX = await organisation('pharmacy', unique('Pharmacy X '));
    const insurerY = await organisation('insurer', unique('Insurer Y '));
    for (const [actor, role, organisationId] of [['pharmacist', 'pharmacist', pharmacyX], ['insurer', 'insurer', insurerY]] as const) {
      const username = unique(role === 'pharmacist' ? 'ph' : 'in');
      await adminService.addStaff(role, { fullName: `Staff ${username}`, username, password: PASSWORD, email: `${username}@matrix.example`, organisationId });
      agents.set(actor, await loginAgent(app, role, username, PASSWORD));
      credentials.set(actor, { role, username });
    }
    const userId = async (username: string) => (await context.store.users.findByUsername(username))!.id;
    const [doctorA, patientP] = [await userId(people.grantedDoctor.username), await userId(people.patient.username)];
    for (const medicines of ['Metformin 500 mg', 'Vitamin D 1000 IU', 'Ibuprofen 200 mg']) {
      await doctors.prescribe(doctorA, Number(id[1]), { medicines, dosage: 'Once a day', instructions: 'With food.' });
    }
    const note = await started.services.files.store((await context.store.users.findById(doctorA))!.address, 'note.txt', (async function* () {
      yield Buffer.from('A scanned note of the prescription\n');
    })());
    await doctors.prescribe(doctorA, Number(id[1]), { medicines: 'Paracetamol 500 mg', dosage: 'As needed', instructions: 'See the note.', files: [note] });
    for (const index of [0, 2, 3]) await pharmacy.send(patientP, { reportId: Number(id[1]), index }, pharmacyX);
    const claim = async () => (await insurers.file(patientP, { reportId: Number(id[1]), insurerId: insurerY, amount: 1000 })).claimId;
    const claimC1 = await claim();
    const claimC3 = await claim();
    await started.services.background.settled();
    const emergencyOnP = await openEmergency(await loginAgent(app, 'doctor', extras.dC.username, PASSWORD), people.patient.username);
    world = {
      reportId: Number(id[1]),
      ...saved,
      hospitalA,
      hospitalC1,
      hospitalC2,
      emergencyOfA,
      emergencyOnP,
      patientF: extras.F.username,
      staying: people.otherDoctor.username,
      removed: extras.dX.username,
      pharmacyX,
      insurerY,
      claimC1,
      claimC3,
      contract: context.ledger.deployment.address,
      fileId: note.id,
    };
  });
  after(async () => context?.close());

  it('has a row for every route of the app, and no row for a route it does not have', () => {
    const listed = [...new Set(TABLE.map(spec => `${spec.method} ${spec.path}`))].sort();
    assert.equal(listed.length, TABLE.length, 'a route is listed twice');
    const routes = appRoutes(app);
    assert.ok(routes.length > 0, 'no route found in the app');
    assert.deepEqual(
      { missingFromTable: routes.filter(r => !listed.includes(r)), notInApp: listed.filter(r => !routes.includes(r)) },
      { missingFromTable: [], notInApp: [] },
    );
  });

  /** A fresh session of `actor`: a new cookie jar, logged in again (anonymous: just new). */
  async function freshAgent(actor: Actor): Promise<Agent> {
    if (actor === 'anonymous') return supertest.agent(app);
    const { role, username } = credentials.get(actor)!;
    return loginAgent(app, role, username, role === 'admin' ? adminPassword : PASSWORD);
  }

  for (const spec of TABLE) {
    describe(`${spec.method} ${spec.path}`, () => {
      for (const actor of ACTORS) {
        const expected = spec.expect[actor];
        it(`as ${actor} → ${expected.status}${expected.location ? ` ${expected.location}` : ''}`, async () => {
          const url = urlOf(spec, world);
          const agent = spec.fresh ? await freshAgent(actor) : agents.get(actor)!;
          const headers = spec.headers?.() ?? {};
          let res: Response;
          let body: Fields = {};
          if (spec.method === 'GET') {
            res = await agent.get(spec.query ? `${url}?${spec.query(world)}` : url).set(headers);
          } else {
            body = spec.body?.(world) ?? {};
            res = await postForm(agent, url, body, { headers });
          }
          assert.equal(res.status, expected.status, `${spec.method} ${url} as ${actor}: ${res.text.slice(0, 800)}`);
          if (typeof expected.location === 'string') {
            assert.equal(res.headers.location, expected.location.replace(':id', String(world.reportId)).replace(':claim', String(world.claimC3)));
          } else if (expected.location !== undefined) {
            assert.match(String(res.headers.location), expected.location);
          }
          const shown = (Object.keys(R_TEXT) as (keyof typeof R_TEXT)[]).filter(part => res.text.includes(R_TEXT[part]));
          assert.deepEqual(shown, expected.showsReport ?? [], `the parts of report R the answer shows`);
          if (res.status === 303) spec.onSuccess?.(body);
        });
      }
    });
  }
});
