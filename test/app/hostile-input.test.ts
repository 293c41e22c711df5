/**
 * Property-based tests (fast-check): arbitrary strings, numbers, repeated fields, Unicode, NUL
 * bytes and values far beyond the limits, posted to every form and put in every path parameter
 * of the app's own route table (so that new routes are covered as they are added), with a valid
 * `_csrf`. Never a 500, the app keeps serving, and text that is accepted comes back exactly as
 * typed (less the surrounding whitespace every text field trims).
 */
import assert from 'node:assert/strict';
import type { Express } from 'express';
import fc from 'fast-check';
import supertest from 'supertest';
import type { AppContext } from '../../src/context';
import { startTestContext } from '../support/context';
import { createApp } from '../../src/app';
import { createServices } from '../../src/services';
import { csrfFrom, login, page, type Agent } from '../support/http';
import { appRoutes } from '../support/security';
import { seedWorld } from '../support/world';

/** FC_SEED replays a failure (fast-check prints the seed); FC_RUNS multiplies the runs for a longer hunt. */
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const RUNS = Math.max(1, Number(process.env.FC_RUNS ?? 1));

/** The fields of every form, so that generated forms often hit real ones. */
const FIELDS = [
  'username', 'password', 'email', 'fullName', 'phone', 'name', 'address', 'specialty', 'hospitalId', 'hospitalIds',
  'title', 'disease', 'details', 'medicines', 'dosage', 'instructions', 'currentPassword', 'newPassword', 'confirmPassword',
];

const HUGE = 'x'.repeat(200_000); // past every field's limit, under the 1 MB body limit
const TOO_LARGE = 'y'.repeat(1_100_000); // past the body limit

const nasty = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '', ' ', '\u0000', 'a\u0000b', '0', '-1', '1.5', '1e309', '4294967296', '99999999999999999999', 'NaN', 'Infinity',
      '<script>alert(1)</script>', '%', '%00', '%E0%A4%A', '../..', '__proto__', 'constructor', 'toString', '\u202e\u200b\ufeff', '𝕏😀',
    ),
  },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.bigInt()).map(String) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 5001, maxLength: 6000 }) },
  { weight: 1, arbitrary: fc.constantFrom(HUGE, TOO_LARGE) },
);

/** A field's value: one string, or the field repeated. */
const value = fc.oneof({ weight: 3, arbitrary: nasty }, { weight: 1, arbitrary: fc.array(nasty, { minLength: 2, maxLength: 5 }) });
const form = fc.dictionary(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }), value, { maxKeys: 8 });

/** An urlencoded body with repeated fields for arrays, `_csrf` last so that no field replaces it. */
function encode(fields: Record<string, string | string[]>, csrf: string): string {
  const params = new URLSearchParams();
  for (const [key, v] of Object.entries(fields)) {
    if (key === '_csrf') continue;
    for (const item of Array.isArray(v) ? v : [v]) params.append(key, item);
  }
  params.append('_csrf', csrf);
  return params.toString();
}

/** Text as the page shows it, HTML-unescaped (EJS's `<%= %>` escapes these five). */
function unescapeHtml(html: string): string {
  return html.replace(/&(amp|lt|gt|#34|#39);/g, (_, entity: string) => ({ amp: '&', lt: '<', gt: '>', '#34': '"', '#39': "'" })[entity]!);
}

/** The text of the `<dd>` after `<dt>{label}</dt>`, every one on the page, unescaped. */
function facts(html: string, label: string): string[] {
  return [...html.matchAll(new RegExp(`<dt>${label}</dt><dd[^>]*>([^<]*)</dd>`, 'g'))].map(m => unescapeHtml(m[1]));
}

/** Text a user may type into a field of `max` characters (after trimming): anything Unicode, NUL included. */
/** Text a form accepts: anything but blank, too long, or holding a bidi override or NUL (refused with a 400). */
const typed = (max: number) =>
  fc
    .string({ unit: 'binary', minLength: 1, maxLength: max })
    // eslint-disable-next-line no-control-regex -- NUL is one of the characters every form refuses
    .filter(s => s.trim().length > 0 && s.trim().length <= max && !/[\u202A-\u202E\u2066-\u2069\u0000]/.test(s));

describe('hostile input (fast-check)', function () {
  this.timeout(180_000);
  let context: AppContext;
  let app: Express;
  let agents: Record<'admin' | 'patient' | 'doctor', Agent>;
  let tokens: Record<'admin' | 'patient' | 'doctor', string>;
  let hospitalId: number;
  let reportId: number;
  let failures: string[];

  before(async () => {
    context = await startTestContext();
    const services = createServices(context, { bcryptCost: 4 });
    await services.auth.ensureAdminPassword(context.config.adminPassword);
    failures = [];
    app = createApp(context, services, { log: () => undefined });
    ({
      hospitals: { Apollo: hospitalId },
      reports: [reportId],
    } = await seedWorld(context, services, {
      hospitals: [{ name: 'Apollo', address: 'A', phone: '111' }],
      doctors: [{ fullName: 'John Smith', username: 'drsmith', email: 's@a.example', hospital: 'Apollo' }],
      patients: [{ username: 'alice', email: 'a@x.example', fullName: 'Alice' }],
      reports: [{ patient: 'alice', title: 'First', sharedWith: ['Apollo'] }],
    }));
    const admin = await login(app, 'admin', 'admin', 'admin');
    const patient = await login(app, 'patient', 'alice', 'password1');
    const doctor = await login(app, 'doctor', 'drsmith', 'password1');
    agents = { admin, patient, doctor };
    tokens = { admin: csrfFrom(await page(admin, '/admin')), patient: csrfFrom(await page(patient, '/patient')), doctor: csrfFrom(await page(doctor, '/doctor')) };
  });
  after(async () => context?.close());

  it('answers every route with anything in its forms, path and query, never with a 500', async () => {
    const routes = appRoutes(app);
    assert.ok(routes.length >= 20, `only ${routes.length} routes`);
    const route = fc.constantFrom(...routes);
    const statuses = new Map<number, number>();
    const pathValue = fc.oneof(nasty.map(encodeURIComponent), fc.constantFrom('%', '%E0%A4%A', '..', '%2e%2e', '%00', String(reportId), '0x' + 'ab'.repeat(32)));

    await fc.assert(
      fc.asyncProperty(route, fc.array(pathValue, { minLength: 3, maxLength: 3 }), form, fc.option(nasty.map(encodeURIComponent)), async (line, params, fields, query) => {
        const [method, template] = line.split(' ');
        let i = 0;
        const path = template.replace(/:[A-Za-z_]+/g, () => params[i++ % params.length]) + (query === null ? '' : `?page=${query}`);
        const role = (['admin', 'patient', 'doctor'] as const).find(r => template.startsWith(`/${r}`) && !/\/(login|signup)$/.test(template));
        let res: supertest.Response;
        if (method === 'GET') {
          res = await (role ? agents[role] : supertest(app)).get(path);
        } else if (role) {
          res = await agents[role].post(path).type('form').send(encode(fields, tokens[role]));
        } else {
          // Logins, signup, logout: a visitor of its own, so that the role agents stay signed in.
          const visitor = supertest.agent(app);
          const token = csrfFrom(await page(visitor, '/patient/login'));
          res = await visitor.post(path).type('form').send(encode(fields, token));
        }
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) failures.push(`${method} ${path.slice(0, 200)} → ${res.status}`);
        return res.status < 500;
      }),
      { numRuns: 250 * RUNS, seed: SEED },
    );
    console.log(`      statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ')} (seed ${SEED})`);
    assert.deepEqual(failures, []);
    // Still serving, still signed in.
    assert.equal((await supertest(app).get('/healthz')).status, 200);
    for (const role of ['admin', 'patient', 'doctor'] as const) await page(agents[role], `/${role}`);
  });

  it('shows an accepted report and prescription exactly as typed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ title: typed(60), disease: typed(60), details: typed(400) }),
        fc.record({ medicines: typed(200), dosage: typed(200), instructions: typed(200) }),
        async (report, prescription) => {
          const added = await agents.patient
            .post('/patient/reports')
            .type('form')
            .send(encode({ ...report, hospitalIds: String(hospitalId) }, tokens.patient));
          assert.equal(added.status, 303, `the report was refused (${added.status})`);
          const flashed = await page(agents.patient, '/patient');
          const id = Number(/saved on the ledger as report #(\d+)\./.exec(flashed)?.[1]);
          assert.ok(id > 0, 'the flash names no report');

          const shown = await page(agents.patient, `/patient/reports/${id}`);
          assert.deepEqual(
            { title: facts(shown, 'Title'), disease: facts(shown, 'Disease'), details: facts(shown, 'Details') },
            { title: [report.title.trim()], disease: [report.disease.trim()], details: [report.details.trim()] },
          );

          const prescribed = await agents.doctor.post(`/doctor/reports/${id}/prescriptions`).type('form').send(encode(prescription, tokens.doctor));
          assert.equal(prescribed.status, 303, `the prescription was refused (${prescribed.status})`);
          const withPrescription = await page(agents.patient, `/patient/reports/${id}`);
          assert.deepEqual(
            { medicines: facts(withPrescription, 'Medicines'), dosage: facts(withPrescription, 'Dosage'), instructions: facts(withPrescription, 'Instructions') },
            { medicines: [prescription.medicines.trim()], dosage: [prescription.dosage.trim()], instructions: [prescription.instructions.trim()] },
          );
        },
      ),
      { numRuns: 25 * RUNS, seed: SEED },
    );
  });
});
