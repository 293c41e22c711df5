/**
 * The lesson plan of the README's classroom guide (issue 19), in Chromium on the demo's own data
 * set: a patient adds a report and reads what just happened on the ledger; follows it into the
 * explorer (pseudonymous: addresses, organisations, "you"), the transaction, the block and its
 * tamper lab, where a changed copy breaks the chain of hashes; sees a record's two hashes side
 * by side, Verified and then Tampered; the admin's explorer names the people. Every page passes
 * axe-core and html-validate, and fits a 375 px phone; each step is saved to docs/screenshots/.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AppContext } from '../../src/context';
import { DEMO_PASSWORD, seedDemo } from '../../src/demo-data';
import { restoreReport, tamperWithReport } from '../../src/features/records/tamper';
import type { Services } from '../../src/services';
import { serveTestApp } from '../support/context';
import { checkPage, launch, screenshot, screenshotOnFailure } from './browser';

/** The demo's people, whom no one but themselves and the admin may see named on the ledger's pages. */
const DEMO_PEOPLE = ['Bob Reddy', 'bob@example.org', 'John Smith', 'drsmith', 'Priya Rao', 'drrao', 'Meena Iyer', 'Vikram Shah'];

describe('the lesson plan in Chromium: the ledger for everyone', function () {
  this.timeout(300_000);
  let context: AppContext;
  let services: Services;
  let server: Server;
  let base: string;
  let browser: Browser;
  let session: BrowserContext;
  let page: Page;
  let reportId: number;

  before(async () => {
    ({ context, services, server, base } = await serveTestApp());
    await seedDemo(context, services);
    await services.background.settled();
    browser = await launch();
    session = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page = await session.newPage();
  });

  afterEach(screenshotOnFailure(() => page));

  after(async () => {
    await browser?.close();
    await new Promise(resolve => server?.close(resolve));
    await context?.close();
  });

  /** Checks the page (axe, html-validate), that it fits a phone, and saves it. */
  async function at(expectedPath: string | RegExp, shot?: string) {
    await page.waitForLoadState('load');
    const { pathname } = new URL(page.url());
    if (typeof expectedPath === 'string') assert.equal(pathname, expectedPath);
    else assert.match(pathname, expectedPath);
    await checkPage(page);
    if (shot) await screenshot(page, shot);
    const phone = await session.newPage();
    await phone.setViewportSize({ width: 375, height: 800 });
    await phone.goto(page.url());
    const width = (await phone.evaluate('document.documentElement.scrollWidth')) as number;
    assert.ok(width <= 375, `${page.url()} is ${width}px wide on a 375px phone`);
    await phone.close();
  }

  async function logIn(role: 'admin' | 'patient' | 'doctor', username: string) {
    await page.goto(`${base}/${role}/login`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(role === 'admin' ? 'admin' : DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/${role}`);
  }

  it('1. a patient adds a report and sees what just happened on the ledger', async () => {
    await logIn('patient', 'alice');
    await page.getByLabel('Title').fill('Eye test');
    await page.getByLabel('Disease').fill('Myopia');
    await page.getByLabel('Details').fill('Right eye -1.25, left eye -1.00.');
    await page.getByRole('checkbox', { name: 'Apollo' }).check();
    await page.getByRole('button', { name: 'Save report on the ledger' }).click();
    await at('/patient');
    const panel = page.locator('.ledger-panel');
    const text = await panel.innerText();
    assert.match(text, /What just happened on the ledger: addReport: report (\d+) added, shared with 1 hospital/);
    assert.match(text, /ReportAdded[\s\S]*ReportShared/);
    assert.match(text, /gas × [\d.]+ gwei = [\d.]+ ETH fee/);
    reportId = Number(/report (\d+) added/.exec(text)![1]);
    for (const name of DEMO_PEOPLE) assert.ok(!text.includes(name), `the panel names ${name}`);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, '40-lesson-what-just-happened');
  });

  it('2. the patient opens the transaction, then the ledger: blocks, what happened, addresses and "you"', async () => {
    await page.locator('.ledger-panel').getByRole('link', { name: 'The whole transaction in the explorer' }).click();
    await at(/^\/ledger\/tx\/0x[0-9a-f]{64}$/, '41-lesson-transaction');
    assert.match(await page.locator('main').innerText(), /Fee\s+[\d.]+ ETH/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Ledger' }).click();
    await at('/ledger', '42-lesson-explorer-patient');
    const main = await page.locator('main').innerText();
    assert.match(main, new RegExp(`addReport: report ${reportId} added, shared with 1 hospital`));
    assert.match(main, /dispensePrescription: prescription 0 of report \d+ dispensed at MedPlus/);
    assert.match(main, /Linked ✓/);
    for (const name of DEMO_PEOPLE) assert.ok(!main.includes(name), `the explorer names ${name} to a patient`);
  });

  it('3. the patient searches a report and a block, and finds their own account', async () => {
    await page.getByLabel('Search the ledger').fill(`#${reportId}`);
    await page.getByRole('button', { name: 'Search' }).click();
    await at(/^\/ledger\/tx\/0x[0-9a-f]{64}$/);
    await page.getByRole('link', { name: 'My account' }).click();
    await at(/^\/ledger\/accounts\/0x[0-9a-f]{40}$/, '43-lesson-my-account');
    assert.match(await page.locator('main').innerText(), /Who\s+you[\s\S]*Role\s+patient/);
    await page.goto(`${base}/ledger/search?q=nonsense`);
    await at('/ledger/search');
    assert.match(await page.locator('h1').innerText(), /Not found on the ledger/);
  });

  it('4. the tamper lab: an unchanged copy hashes to the block, a changed one breaks the link to the next block', async () => {
    // The block of the demo's first report: others follow it.
    await page.goto(`${base}/ledger/search?q=%231`);
    await page.locator('.back-link a').click();
    await at(/^\/ledger\/blocks\/\d+$/, '44-lesson-block');
    await page.getByRole('link', { name: 'What if this block were changed?' }).click();
    await at(/^\/ledger\/blocks\/\d+\/lab$/, '45-lesson-lab-unchanged');
    const unchanged = await page.locator('.lab-result').innerText();
    assert.match(unchanged, /the same: these sums are the node's/);
    assert.match(unchanged, /points at your copy/);
    const input = page.getByLabel('Input data (hex: the function and its arguments)');
    const data = await input.inputValue();
    // One hex digit of the report's commitment, near the end of the call's data.
    const at70 = data.length - 70;
    await input.fill(`${data.slice(0, at70)}${data[at70] === '0' ? '1' : '0'}${data.slice(at70 + 1)}`);
    await page.getByRole('button', { name: 'Recompute the copy' }).click();
    await at(/^\/ledger\/blocks\/\d+\/lab$/);
    const changed = await page.locator('.lab-result').innerText();
    assert.match(changed, /Your copy no longer fits the chain/);
    assert.match(changed, /does not point at your copy: the chain is broken here/);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, '46-lesson-lab-broken');
  });

  it("5. a record's integrity: the two hashes, equal when Verified, different when Tampered", async () => {
    await page.goto(`${base}/patient/reports/${reportId}`);
    await at(`/patient/reports/${reportId}`, '47-lesson-hashes-verified');
    assert.match(await page.locator('.integrity').innerText(), /Verified on the ledger[\s\S]*The two hashes are equal/);
    await tamperWithReport(context.store, reportId);
    await page.reload();
    await at(`/patient/reports/${reportId}`, '48-lesson-hashes-tampered');
    assert.match(await page.locator('.integrity').innerText(), /Tampered[\s\S]*The two hashes differ/);
    await restoreReport(context.store, reportId);
  });

  it("6. a doctor's explorer marks the doctor's own account; the admin's names everyone", async () => {
    await page.context().clearCookies();
    await logIn('doctor', 'drsmith');
    await page.goto(`${base}/ledger`);
    await at('/ledger');
    const doctors = await page.locator('main').innerText();
    for (const name of ['Alice Kumar', 'alice@example.org', 'Bob Reddy', 'Priya Rao']) assert.ok(!doctors.includes(name), `the explorer names ${name} to a doctor`);
    await page.context().clearCookies();
    await logIn('admin', 'admin');
    await page.goto(`${base}/ledger`);
    await page.getByRole('link', { name: 'The contract' }).click();
    await at('/ledger/contract', '49-lesson-contract');
    await page.goto(`${base}/ledger/search?q=%23${reportId}`);
    await at(/^\/ledger\/tx\/0x[0-9a-f]{64}$/);
    assert.match(await page.locator('main').innerText(), /Alice Kumar \(alice\)/);
  });
});
