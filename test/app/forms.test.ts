/**
 * Forms that never lose or cut what was typed: a field longer than its limit gets a 400 page that
 * names the limit and shows every field as typed (no `maxlength` attribute cuts a paste short
 * without a word), and a hospital name already taken, in any case, is refused the same way.
 */
import assert from 'node:assert/strict';
import type { Express } from 'express';
import supertest from 'supertest';
import type { AppContext } from '../../src/context';
import { sqlOf, startTestApp } from '../support/context';
import {
  addReport,
  escapeHtml,
  fieldErrors,
  fieldValue,
  followSaved,
  login,
  page,
  post,
  type Agent,
} from '../support/http';
import { seedWorld } from '../support/world';

const PASSWORD = 'demo1234';
const long = (n: number, seed = 'x') => seed.repeat(Math.ceil(n / seed.length)).slice(0, n);

describe('forms: limits and taken names', function () {
  this.timeout(180_000);
  let context: AppContext;
  let app: Express;
  let admin: Agent;
  let patient: Agent;
  let doctor: Agent;
  let hospitalId: number;
  let reportId: number;

  before(async () => {
    const started = await startTestApp();
    context = started.context;
    app = started.app;
    const world = await seedWorld(context, started.services, {
      hospitals: [{ name: 'Apollo', address: '21 Greams Lane, Chennai', phone: '+91 44 2829 0200' }],
      doctors: [{ fullName: 'John Smith', username: 'drsmith', password: PASSWORD, email: 'smith@apollo.example', hospital: 'Apollo' }],
      patients: [{ username: 'alice', password: PASSWORD, email: 'alice@example.org', fullName: 'Alice Kumar', phone: '+91 98765 43210' }],
      reports: [{ patient: 'alice', title: 'Blood test', disease: 'Diabetes', details: 'HbA1c 7.9 %', sharedWith: ['Apollo'] }],
    });
    ({
      hospitals: { Apollo: hospitalId },
      reports: [reportId],
    } = world);
    admin = await login(app, 'admin', 'admin', 'admin');
    patient = await login(app, 'patient', 'alice', PASSWORD);
    doctor = await login(app, 'doctor', 'drsmith', PASSWORD);
  });

  after(async () => {
    await context?.close();
  });

  /** Posts a form that must be refused: 400, each field's message, and every field as typed. */
  async function refused(agent: Agent, pagePath: string, action: string, fields: Record<string, string>, prefix: string, expected: Record<string, string>) {
    const res = await post(agent, pagePath, action, fields);
    assert.equal(res.status, 400, `${action} answered ${res.status}`);
    const errors = fieldErrors(res.text);
    for (const [field, message] of Object.entries(expected)) assert.equal(errors[`${prefix}-${field}`], message, `the message of ${field}`);
    for (const [field, value] of Object.entries(fields)) {
      if (field === 'password' || field === 'hospitalId' || field === 'hospitalIds') continue;
      assert.equal(fieldValue(res.text, `${prefix}-${field}`), escapeHtml(value), `${field} is shown again as typed`);
    }
    return res.text;
  }

  describe('a field longer than its limit', () => {
    it('refuses a report whose details, title or disease are too long, naming the limit and keeping everything typed', async () => {
      const typed = { title: 'Blood test, March', disease: 'Type 2 diabetes', details: long(5001, 'HbA1c 7.9 % ') };
      await refused(patient, '/patient', '/patient/reports', { ...typed }, 'r', { details: 'Details must be at most 5000 characters' });
      await refused(patient, '/patient', '/patient/reports', { ...typed, details: 'short', title: long(121) }, 'r', { title: 'Title must be at most 120 characters' });
      await refused(patient, '/patient', '/patient/reports', { ...typed, details: 'short', disease: long(121) }, 'r', { disease: 'Disease must be at most 120 characters' });
    });

    it('takes details of exactly the limit, whole', async () => {
      const details = long(4999, 'Fasting glucose 142 mg/dL. ') + 'x';
      const saved = await addReport(patient, { title: 'Long details', disease: 'D', details, hospitalIds: [] });
      assert.ok(saved.id > reportId);
      assert.ok((await page(patient, `/patient/reports/${saved.id}`)).includes(details), 'the details are stored whole');
    });

    it('refuses a prescription whose medicines, dosage or instructions are too long, keeping all three', async () => {
      const at = `/doctor/reports/${reportId}`;
      const typed = { medicines: 'Metformin 500 mg', dosage: 'One tablet twice a day', instructions: 'Recheck in 3 months' };
      for (const field of ['medicines', 'dosage', 'instructions'] as const) {
        const label = field[0].toUpperCase() + field.slice(1);
        await refused(doctor, at, `${at}/prescriptions`, { ...typed, [field]: long(1001, 'word ') }, 'p', { [field]: `${label} must be at most 1000 characters` });
      }
    });

    it("refuses the admin's hospital and doctor forms past their limits, keeping what was typed", async () => {
      const hospital = { name: 'Care', address: 'Banjara Hills, Hyderabad', phone: '+91 40 3041 8888' };
      await refused(admin, '/admin', '/admin/hospitals', { ...hospital, name: long(121) }, 'h', { name: 'Hospital name must be at most 120 characters' });
      await refused(admin, '/admin', '/admin/hospitals', { ...hospital, address: long(301) }, 'h', { address: 'Address must be at most 300 characters' });
      await refused(admin, '/admin', '/admin/hospitals', { ...hospital, phone: long(33, '1') }, 'h', { phone: 'Phone must be at most 32 characters' });
      const doc = { fullName: 'Asha Rao', username: 'drrao', password: PASSWORD, email: 'rao@care.example', specialty: 'Cardiology', hospitalId: String(hospitalId) };
      await refused(admin, '/admin', '/admin/doctors', { ...doc, fullName: long(121) }, 'd', { fullName: 'Full name must be at most 120 characters' });
      await refused(admin, '/admin', '/admin/doctors', { ...doc, specialty: long(121) }, 'd', { specialty: 'Specialty must be at most 120 characters' });
      await refused(admin, '/admin', '/admin/doctors', { ...doc, username: long(33, 'a') }, 'd', { username: 'Username must be 3 to 32 characters' });
    });

    it('has no maxlength attribute on any form, and a text area says its limit before it is reached', async () => {
      const pages: [Agent, string][] = [
        [patient, '/patient'],
        [doctor, `/doctor/reports/${reportId}`],
        [admin, '/admin'],
        [admin, '/admin/audit'],
      ];
      for (const [agent, path] of pages) assert.doesNotMatch(await page(agent, path), /maxlength=/i, `${path} has a maxlength attribute`);
      for (const path of ['/patient/signup', '/patient/login', '/doctor/login', '/admin/login']) {
        const res = await supertest(app).get(path);
        assert.equal(res.status, 200, path);
        assert.doesNotMatch(res.text, /maxlength=/i, `${path} has a maxlength attribute`);
      }
      const dashboard = await page(patient, '/patient');
      assert.match(dashboard, /<textarea id="r-details"[^>]*aria-describedby="r-details-hint"/);
      assert.match(dashboard, /<p class="field__hint" id="r-details-hint">At most 5000 characters\.<\/p>/);
      const report = await page(doctor, `/doctor/reports/${reportId}`);
      for (const field of ['medicines', 'dosage', 'instructions']) {
        assert.match(report, new RegExp(`<p class="field__hint" id="p-${field}-hint">At most 1000 characters\\.</p>`));
      }
    });
  });

  describe('a hospital name already taken', () => {
    const hospitalCount = () => (sqlOf(context).prepare("SELECT count(*) AS n FROM ledger_organisations WHERE kind = 'hospital'").get() as { n: number }).n;

    it('is refused in any case or spacing with a 400 that keeps what was typed, and nothing goes on the ledger', async () => {
      const before = hospitalCount();
      for (const name of ['Apollo', 'APOLLO', '  apollo ', 'ＡＰＯＬＬＯ']) {
        const html = await refused(admin, '/admin', '/admin/hospitals', { name, address: 'Another street 5', phone: '+91 1234' }, 'h', {
          name: `A hospital named &#34;Apollo&#34; already exists (hospital #${hospitalId}); choose another name`,
        });
        assert.doesNotMatch(html, /added and saved on the ledger/);
      }
      assert.equal(hospitalCount(), before);
    });

    it('is refused when two admins send the same new name at once: one is added, the other told', async () => {
      const before = hospitalCount();
      const fields = { name: 'Fortis', address: 'Mulund, Mumbai', phone: '+91 22 4365 4365' };
      const responses = await Promise.all([
        post(admin, '/admin', '/admin/hospitals', fields),
        post(admin, '/admin', '/admin/hospitals', { ...fields, name: 'fortis' }),
      ]);
      assert.deepEqual(responses.map(res => res.status).sort(), [303, 400]);
      assert.equal(hospitalCount(), before + 1);
      const added = responses.find(res => res.status === 303)!;
      await followSaved(admin, added, '/admin');
    });
  });
});
