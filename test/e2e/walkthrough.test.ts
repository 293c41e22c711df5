/**
 * The paper's walkthrough in a real browser, clicking and typing as a person would: the admin
 * adds hospitals and a doctor; a patient signs up, adds a report shared with two hospitals and
 * sees Pending; the doctor prescribes; the patient sees the prescription with the doctor's
 * name; the patient revokes and the doctor loses access. Every page visited passes axe-core and
 * html-validate; each screen of the walkthrough is saved to docs/screenshots/.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AppContext } from '../../src/context';
import type { Services } from '../../src/services';
import { serveTestApp } from '../support/context';
import { checkPage, launch, screenshot, screenshotOnFailure } from './browser';

describe('the walkthrough in Chromium', function () {
  this.timeout(180_000);
  let context: AppContext;
  let services: Services;
  let server: Server;
  let base: string;
  let browser: Browser;
  let session: BrowserContext;
  let page: Page;

  before(async () => {
    ({ context, services, server, base } = await serveTestApp());
    browser = await launch();
  });

  beforeEach(async () => {
    session ??= await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page ??= await session.newPage();
  });

  afterEach(screenshotOnFailure(() => page));

  after(async () => {
    await browser?.close();
    await new Promise(resolve => server?.close(resolve));
    await context?.close();
  });

  /** Visits a page by clicking or typing, then checks it. */
  async function at(expectedPath: string | RegExp, shot?: string) {
    await page.waitForLoadState('load');
    const { pathname } = new URL(page.url());
    if (typeof expectedPath === 'string') assert.equal(pathname, expectedPath);
    else assert.match(pathname, expectedPath);
    await checkPage(page);
    if (shot) await screenshot(page, shot);
  }

  async function logIn(role: 'admin' | 'patient' | 'doctor' | 'pharmacist' | 'insurer', username: string, password: string) {
    await page.goto(base);
    const link = { admin: 'Admin', patient: 'Patient Login', doctor: 'Doctor Login', pharmacist: 'Pharmacist Login', insurer: 'Insurer Login' }[role];
    await page.getByRole('link', { name: link }).click();
    await at(`/${role}/login`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await at(`/${role}`);
  }

  async function logOut() {
    await page.getByRole('button', { name: 'Log out' }).click();
    await at('/');
  }

  it('shows the four links of the paper on the home page', async () => {
    await page.goto(base);
    await at('/', '01-home');
    for (const name of ['Admin', 'Doctor Login', 'Patient Login', 'Patient Signup']) {
      assert.equal(await page.getByRole('link', { name }).count(), 1, name);
    }
  });

  it('lets the admin add two hospitals and a doctor, and lists them', async () => {
    await logIn('admin', 'admin', 'admin');
    for (const [name, address, phone] of [['Apollo', '21 Greams Lane, Chennai', '+91 44 2829 0200'], ['Care', 'Banjara Hills, Hyderabad', '+91 40 3041 8888']]) {
      await page.locator('#h-name').fill(name);
      await page.locator('#h-address').fill(address);
      await page.locator('#h-phone').fill(phone);
      await page.getByRole('button', { name: 'Add hospital' }).click();
      await at('/admin');
      await page.getByText(`Hospital "${name}" added and saved on the ledger.`).waitFor();
    }
    await page.locator('#d-fullName').fill('John Smith');
    await page.locator('#d-username').fill('drsmith');
    await page.locator('#d-password').fill('demo1234');
    await page.locator('#d-email').fill('smith@apollo.example');
    await page.locator('#d-specialty').fill('Endocrinology');
    await page.locator('#d-hospitalId').selectOption({ label: 'Apollo' });
    await page.getByRole('button', { name: 'Add doctor' }).click();
    await at('/admin', '02-admin-console');
    await page.getByText('Doctor John Smith (drsmith) added and saved on the ledger.').waitFor();
    const doctorRow = page.locator('#doctors ~ .table-wrap tr', { hasText: 'drsmith' });
    assert.match(await doctorRow.innerText(), /John Smith\s+drsmith\s+smith@apollo\.example\s+Endocrinology\s+Apollo\s+21 Greams Lane, Chennai\s+\+91 44 2829 0200/);
    await logOut();
  });

  it('signs a patient up with the ledger saying so', async () => {
    await page.goto(base);
    await page.getByRole('link', { name: 'Patient Signup' }).click();
    await at('/patient/signup');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('demo1234');
    await page.getByLabel('Email').fill('alice@example.org');
    await page.getByLabel('Full name').fill('Alice Kumar');
    await page.getByLabel('Phone').fill('+91 98765 43210');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await at('/patient/login', '03-signup-saved');
    assert.match(await page.locator('.flash').innerText(), /Signup completed and your record was saved on the ledger[\s\S]*Transaction 0x[0-9a-f]{64} · block \d+/);
  });

  it('lets the patient add a report shared with two hospitals, which is Pending', async () => {
    await logIn('patient', 'alice', 'demo1234');
    await page.getByLabel('Title').fill('Blood test, March');
    await page.getByLabel('Disease').fill('Type 2 diabetes');
    await page.getByLabel('Details').fill('HbA1c 7.9 %\nFasting glucose 142 mg/dL');
    await page.getByLabel('Apollo').check();
    await page.getByLabel('Care').check();
    await page.getByRole('button', { name: 'Save report on the ledger' }).click();
    await at('/patient', '04-patient-pending');
    const row = page.locator('tr', { hasText: 'Blood test, March' });
    assert.match(await row.innerText(), /Type 2 diabetes[\s\S]*Apollo[\s\S]*Care[\s\S]*Pending/);
    await logOut();
  });

  it('lets the doctor open the shared report and write a prescription', async () => {
    await logIn('doctor', 'drsmith', 'demo1234');
    await screenshot(page, '05-doctor-dashboard');
    const row = page.locator('tr', { hasText: 'Alice Kumar' });
    assert.match(await row.innerText(), /Blood test, March[\s\S]*Type 2 diabetes[\s\S]*Pending/);
    await row.getByRole('link', { name: /Click Here/ }).click();
    await at(/^\/doctor\/reports\/\d+$/);
    await page.getByText('Fasting glucose 142 mg/dL').waitFor();
    await page.getByLabel('Medicines').fill('Metformin 500 mg');
    await page.getByLabel('Dosage').fill('One tablet twice a day with meals');
    await page.getByLabel('Instructions').fill('Recheck HbA1c in 3 months');
    await page.getByRole('button', { name: 'Save prescription on the ledger' }).click();
    await at(/^\/doctor\/reports\/\d+$/, '06-doctor-prescribed');
    await page.getByText('Prescription saved on the ledger.').waitFor();
    await logOut();
  });

  it('shows the patient the prescription and the prescribing doctor', async () => {
    await logIn('patient', 'alice', 'demo1234');
    const row = page.locator('tr', { hasText: 'Blood test, March' });
    assert.match(await row.innerText(), /Prescribed[\s\S]*Metformin 500 mg[\s\S]*Dr\. John Smith, Apollo/);
    await screenshot(page, '07-patient-prescribed');
    await row.getByRole('link', { name: 'Blood test, March' }).click();
    await at(/^\/patient\/reports\/\d+$/, '08-patient-report');
    await page.getByText('Verified on the ledger').first().waitFor();
  });

  it('lets the patient revoke a hospital, after which its doctor has no access', async () => {
    const reportPath = new URL(page.url()).pathname;
    await page.getByRole('link', { name: 'Revoke access of Apollo' }).click();
    await at(`${reportPath}/revoke`, '09-patient-confirm-revoke');
    await page.getByText('Doctors at Apollo will no longer be able to open').waitFor();
    await page.getByRole('button', { name: 'Revoke access' }).click();
    await at(reportPath, '10-patient-revoked');
    await page.getByText('Access revoked and saved on the ledger.').waitFor();
    await logOut();

    await logIn('doctor', 'drsmith', 'demo1234');
    await page.getByText('No patient has shared a report with Apollo yet.').waitFor();
    const response = await page.goto(`${base}${reportPath.replace('/patient/', '/doctor/')}`);
    assert.equal(response?.status(), 403);
    assert.equal(await page.getByText('Fasting glucose').count(), 0);
    await at(/^\/doctor\/reports\/\d+$/, '11-doctor-refused');
  });

  it("shows the patient who opened the report, from the ledger's access events", async () => {
    await services.background.settled(); // the doctor's openings were queued, not awaited
    await logOut();
    await logIn('patient', 'alice', 'demo1234');
    await page.getByRole('link', { name: 'Access log' }).click();
    await at('/patient/access-log', '12-patient-access-log');
    const row = page.locator('tbody tr').first();
    assert.match(await row.innerText(), /Dr\. John Smith[\s\S]*Apollo[\s\S]*Blood test, March/);
  });

  /** Opens a folded add-form of the admin console and fills it (`fields` by element id). */
  async function addOnConsole(heading: string, fields: Record<string, string>, select: [string, string] | undefined, button: string) {
    await page.locator('summary', { hasText: heading }).click();
    for (const [id, value] of Object.entries(fields)) await page.locator(`#${id}`).fill(value);
    if (select) await page.locator(`#${select[0]}`).selectOption({ label: select[1] });
    await page.getByRole('button', { name: button, exact: true }).click();
    await at('/admin');
    await page.locator('.flash', { hasText: 'saved on the ledger' }).first().waitFor();
  }

  it('lets the admin add a pharmacy with its pharmacist and an insurer with its staff member', async () => {
    await logOut();
    await logIn('admin', 'admin', 'admin');
    await addOnConsole('Add a pharmacy', { 'ph-name': 'MedPlus', 'ph-address': '14 Anna Salai, Chennai', 'ph-phone': '+91 44 4000 1234' }, undefined, 'Add pharmacy');
    await addOnConsole('Add a pharmacist', { 'pm-fullName': 'Meena Iyer', 'pm-username': 'pharma', 'pm-password': 'demo1234', 'pm-email': 'meena@medplus.example' }, ['pm-pharmacyId', 'MedPlus'], 'Add pharmacist');
    await addOnConsole('Add an insurer', { 'in-name': 'Star Health', 'in-address': '1 New Tank Street, Chennai', 'in-phone': '+91 44 2828 8800' }, undefined, 'Add insurer');
    await addOnConsole("Add an insurer's staff member", { 'is-fullName': 'Vikram Shah', 'is-username': 'insurer', 'is-password': 'demo1234', 'is-email': 'vikram@star.example' }, ['is-insurerId', 'Star Health'], 'Add staff member');
    await screenshot(page, '25-admin-pharmacy-insurer');
    await page.getByText('Meena Iyer').first().waitFor();
    await page.getByText('Vikram Shah').first().waitFor();
  });

  it('lets the patient send the prescription to the pharmacy, which dispenses it once', async () => {
    await logOut();
    await logIn('patient', 'alice', 'demo1234');
    await page.getByRole('link', { name: 'Blood test, March' }).click();
    await at(/^\/patient\/reports\/\d+$/);
    const reportPath = new URL(page.url()).pathname;
    await page.getByLabel('Send to a pharmacy').selectOption({ label: 'MedPlus' });
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await at(reportPath, '26-patient-sent-to-pharmacy');
    await page.getByText('Prescription sent: that pharmacy may now see and dispense it.').waitFor();
    await logOut();

    await logIn('pharmacist', 'pharma', 'demo1234');
    const row = page.locator('tr', { hasText: 'Alice Kumar' });
    assert.match(await row.innerText(), /Dr\. John Smith[\s\S]*Metformin 500 mg[\s\S]*One tablet twice a day with meals[\s\S]*To dispense/);
    assert.equal(await page.getByText('Fasting glucose').count(), 0, 'a pharmacy never sees the report');
    await row.getByRole('button', { name: /^Dispense/ }).click();
    await at('/pharmacist', '27-pharmacist-dispensed');
    assert.match(await page.locator('tr', { hasText: 'Alice Kumar' }).innerText(), /Dispensed[\s\S]*by Meena Iyer \(MedPlus\)/);
  });

  it('lets the patient file a claim, which the insurer reads for payment and approves once', async () => {
    await logOut();
    await logIn('patient', 'alice', 'demo1234');
    await page.getByRole('link', { name: 'Blood test, March' }).click();
    await at(/^\/patient\/reports\/\d+$/);
    const reportPath = new URL(page.url()).pathname;
    await page.getByText(/Dispensed.*by Meena Iyer at MedPlus/).waitFor();
    await page.getByLabel('Insurance company').selectOption({ label: 'Star Health' });
    await page.getByLabel('Amount (₹, whole rupees)').fill('12,500');
    await page.getByRole('button', { name: 'File the claim on the ledger' }).click();
    await at(reportPath, '28-patient-claim-filed');
    await page.getByText(/Claim #\d+ filed on the ledger/).waitFor();
    await logOut();

    await logIn('insurer', 'insurer', 'demo1234');
    await page.locator('tr', { hasText: 'Alice Kumar' }).getByRole('link').click();
    await at(/^\/insurer\/claims\/\d+$/, '29-insurer-claim');
    await page.getByText('Fasting glucose 142 mg/dL').waitFor();
    await page.getByLabel('Approved amount (₹, whole rupees)').fill('10000');
    await page.getByLabel('Note').fill('Room rent capped by the policy.');
    await page.getByRole('button', { name: 'Record the decision on the ledger' }).click();
    await at(/^\/insurer\/claims\/\d+$/, '30-insurer-approved');
    await page.getByText(/Claim #\d+ approved on the ledger/).waitFor();
    assert.equal(await page.getByText('Fasting glucose').count(), 0, 'a decided claim closes the report to the insurer');
  });

  it('shows the admin the ledger: blocks with checked links, a decoded transaction, the audit and the integrity check', async () => {
    await services.background.settled(); // the insurer's opening was queued, not awaited
    await logOut();
    await logIn('admin', 'admin', 'admin');
    await page.getByRole('link', { name: 'Ledger', exact: true }).click();
    await at('/ledger', '13-explorer');
    assert.equal(await page.getByText('Broken link').count(), 0);

    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    await at('/admin/audit', '14-audit');
    await page.getByLabel('Act', { exact: true }).selectOption({ label: 'Prescription written' });
    await page.getByRole('button', { name: 'Show acts' }).click();
    await at('/admin/audit');
    await page.getByText('1 act', { exact: true }).waitFor();
    await page.locator('tbody tr').first().getByRole('link').click();
    await at(/^\/ledger\/tx\/0x[0-9a-f]{64}$/, '15-transaction');
    await page.getByText('addPrescription').first().waitFor();
    await page.getByText('PrescriptionAdded').waitFor();

    await page.getByRole('link', { name: 'Integrity', exact: true }).click();
    await at('/admin/integrity', '16-integrity');
    await page.getByText('every stored record matches the ledger').waitFor();
  });

  it('reads well on a 375 px phone', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = async () => (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    await page.goto(`${base}/admin/audit`);
    await at('/admin/audit');
    assert.ok((await overflow()) <= 0, `the audit page is ${await overflow()}px wider than the phone`);
    await logOut();
    await logIn('patient', 'alice', 'demo1234');
    assert.ok((await overflow()) <= 0, `the page is ${await overflow()}px wider than the phone`);
    await screenshot(page, '17-phone');
  });
});
