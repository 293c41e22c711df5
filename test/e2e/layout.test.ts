/**
 * Pages that hold any text on any screen, in a real Chromium: with 300-character words in a
 * report, a hospital's name, a doctor's name and a prescription, every page of every role, at
 * 375 px and at 1280 px, scrolls only down (a wide table scrolls inside its own focusable
 * wrapper), stays a sane height, keeps the doctor's "Click Here" and the patient's prescription
 * on screen, shows keyboard focus on everything Tab reaches, marks the current page in the
 * navigation, has targets of at least 24 px, and passes axe-core (target size included) and
 * html-validate. The phone screens are saved to docs/screenshots/.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AppContext } from '../../src/context';
import { ROLE_NAMES, ROLES } from '../../src/domain/roles';
import type { Services } from '../../src/services';
import { serveTestApp, sqlOf } from '../support/context';
import { checkPage, checkTargetSize, launch, screenshot, screenshotOnFailure } from './browser';

/** One word of `length` characters, no space or hyphen in it, starting with `label`. */
const word = (label: string, length = 300) => (label + 'Pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(10)).slice(0, length);

const LONG = {
  hospital: word('Hospital'),
  pharmacy: word('Pharmacy'),
  insurer: word('Insurer'),
  pharmacist: word('Pharmacist'),
  insurerStaff: word('Assessor'),
  doctor: word('Doctor'),
  title: word('Title'),
  disease: word('Disease'),
  details: word('Details'),
  medicines: word('Medicines'),
  dosage: word('Dosage'),
  patient: word('Patient', 120), // the signup form's own limit
};
const PASSWORD = 'demo1234';
const WIDTHS = [375, 1280] as const;

type Role = 'anonymous' | 'admin' | 'patient' | 'doctor' | 'pharmacist' | 'insurer';
interface Visit {
  readonly role: Role;
  readonly path: string;
  readonly status?: number;
  /** The navigation link marked as the current page. */
  readonly current?: string;
  /** Saved at 375 px as docs/screenshots/<shot>.png. */
  readonly shot?: string;
  /** Higher than the 5000 px of a page, for a list whose every row holds several 300-character names. */
  readonly maxHeight?: number;
}

describe('pages that hold any text on any screen', function () {
  this.timeout(600_000);
  let context: AppContext;
  let services: Services;
  let server: Server;
  let base: string;
  let browser: Browser;
  const sessions = new Map<Role, BrowserContext>();
  let page: Page | undefined;
  let reportId: number;
  let hospitalId: number;
  let blockNumber: number;
  let transactionHash: string;
  let emergencyId: number;
  let claimId: number;
  /** The block of the long report, and alice's account (the explorer's pages, issue 19). */
  let reportBlock: number;
  let aliceAddress: string;

  before(async () => {
    ({ context, services, server, base } = await serveTestApp());

    // The ledger takes any name; the forms' limits are lower, so these come in by the services.
    const added = await services.admin.addHospital({ name: LONG.hospital, address: word('Street'), phone: '+91 44 2829 0200' });
    ({ hospitalId, blockNumber, transactionHash } = { hospitalId: added.hospitalId, blockNumber: added.blockNumber, transactionHash: added.transactionHash });
    const care = await services.admin.addHospital({ name: 'Care', address: 'Banjara Hills, Hyderabad', phone: '+91 40 3041 8888' });
    const fortis = await services.admin.addHospital({ name: 'Fortis', address: 'Mulund, Mumbai', phone: '+91 22 4365 4365' });
    await services.admin.addDoctor({ fullName: LONG.doctor, username: 'drlong', password: PASSWORD, email: 'long@apollo.example', specialty: word('Specialty'), hospitalId });
    await services.patients.signup({ username: 'alice', password: PASSWORD, email: 'alice@example.org', fullName: LONG.patient, phone: '+91 98765 43210' });
    const userId = (username: string) => sqlOf(context).prepare<[string], { id: number }>('SELECT id FROM users WHERE username = ?').get(username)!.id;
    ({ reportId, blockNumber: reportBlock } = await services.patients.addReport(userId('alice'), {
      title: LONG.title, disease: LONG.disease, details: LONG.details, hospitalIds: [hospitalId, care.hospitalId, fortis.hospitalId],
    }));
    // The report's page shows each state of a grant: no end (the long hospital), an end (Care), ended (Fortis).
    await services.patients.share(userId('alice'), reportId, care.hospitalId, Math.floor(Date.now() / 1000) + 30 * 86_400);
    await services.patients.revoke(userId('alice'), reportId, fortis.hospitalId);
    await services.patients.addReport(userId('alice'), { title: 'Knee X-ray', disease: 'Osteoarthritis', details: 'Mild narrowing.', hospitalIds: [] });
    await services.doctors.prescribe(userId('drlong'), reportId, { medicines: LONG.medicines, dosage: LONG.dosage, instructions: 'Recheck in 3 months' });
    await services.doctors.recordAccess(userId('drlong'), reportId);
    // A live break-glass access with a long reason: on the patient's dashboard, the doctor's page and the admin's list.
    ({ emergencyId } = await services.emergencies.open(userId('drlong'), { patient: 'alice', reason: word('Reason') }));
    // A pharmacy and an insurer of long names, each with a member of a long name: the prescription
    // sent to the pharmacy, a claim on the report filed with the insurer.
    const pharmacy = await services.admin.addOrganisation('pharmacy', { name: LONG.pharmacy, address: word('Street'), phone: '+91 22 4365 4365' });
    const insurer = await services.admin.addOrganisation('insurer', { name: LONG.insurer, address: word('Street'), phone: '+91 22 6100 6100' });
    await services.admin.addStaff('pharmacist', { fullName: LONG.pharmacist, username: 'phlong', password: PASSWORD, email: 'ph@pharmacy.example', organisationId: pharmacy.organisationId });
    await services.admin.addStaff('insurer', { fullName: LONG.insurerStaff, username: 'inlong', password: PASSWORD, email: 'in@insurer.example', organisationId: insurer.organisationId });
    await services.pharmacy.send(userId('alice'), { reportId, index: 0 }, pharmacy.organisationId);
    ({ claimId } = await services.insurers.file(userId('alice'), { reportId, insurerId: insurer.organisationId, amount: 125_000 }));
    await services.background.settled();
    aliceAddress = sqlOf(context).prepare<[string], { address: string }>('SELECT address FROM users WHERE username = ?').get('alice')!.address;

    browser = await launch();
    for (const role of ['anonymous', 'admin', 'patient', 'doctor', 'pharmacist', 'insurer'] as const) {
      const session = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      sessions.set(role, session);
      if (role === 'anonymous') continue;
      const login = await session.newPage();
      await login.goto(`${base}/${role}/login`);
      await login.getByLabel('Username').fill({ admin: 'admin', patient: 'alice', doctor: 'drlong', pharmacist: 'phlong', insurer: 'inlong' }[role]);
      await login.getByLabel('Password').fill(role === 'admin' ? 'admin' : PASSWORD);
      await login.getByRole('button', { name: 'Log in' }).click();
      await login.waitForURL(`${base}/${role}`);
      await login.close();
    }
  });

  afterEach(screenshotOnFailure(() => page));

  after(async () => {
    await browser?.close();
    await new Promise(resolve => server?.close(resolve));
    await context?.close();
  });

  /** Opens `visit` at `width` in its role's session, checks its status, and returns the page. */
  async function open(visit: Visit, width: number): Promise<Page> {
    page = await sessions.get(visit.role)!.newPage();
    await page.setViewportSize({ width, height: 800 });
    const response = await page.goto(`${base}${visit.path}`);
    assert.equal(response?.status(), visit.status ?? 200, `${visit.path} answered ${response?.status()}`);
    return page;
  }

  /** Nothing scrolls sideways but a focusable table wrapper; the page is a sane height. */
  async function checkFits(p: Page, label: string, maxHeight = 5000) {
    const size = (await p.evaluate(`({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, height: document.documentElement.scrollHeight })`)) as {
      scrollWidth: number;
      innerWidth: number;
      height: number;
    };
    assert.ok(size.scrollWidth <= size.innerWidth, `${label}: the page is ${size.scrollWidth}px wide in a ${size.innerWidth}px window`);
    assert.ok(size.height < maxHeight, `${label}: the page is ${size.height}px high`);
    const scrollers = (await p.evaluate(`[...document.querySelectorAll('body *')]
      .filter(el => el.scrollWidth > el.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
      .map(el => ({ what: el.outerHTML.slice(0, 120), ok: el.matches('.table-wrap[tabindex="0"][role="group"][aria-label]') }))`)) as { what: string; ok: boolean }[];
    for (const scroller of scrollers) assert.ok(scroller.ok, `${label}: a box scrolls sideways without being a focusable, labelled table wrapper: ${scroller.what}`);
  }

  /** Every element Tab reaches shows a focus ring (an outline of at least 2 px, not `none`). */
  async function checkFocusVisible(p: Page, label: string) {
    await p.evaluate('document.activeElement && document.activeElement.blur()');
    const seen = new Set<string>();
    for (let i = 0; i < 80; i++) {
      await p.keyboard.press('Tab');
      const focused = (await p.evaluate(`(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        return { key: el.outerHTML.slice(0, 160), visible: el.matches(':focus-visible'), outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
      })()`)) as { key: string; visible: boolean; outline: string; width: number } | null;
      if (!focused || seen.has(focused.key)) break; // back at the start
      seen.add(focused.key);
      assert.ok(focused.visible && focused.outline !== 'none' && focused.width >= 2, `${label}: no visible focus on ${focused.key} (outline ${focused.outline} ${focused.width}px)`);
    }
    assert.ok(seen.size > 0, `${label}: Tab reached nothing`);
  }

  /** Links and buttons of the navigation and of forms, and stand-alone action links, are at least 24 × 24 px. */
  async function checkTargets(p: Page, label: string) {
    const small = (await p.evaluate(`[...document.querySelectorAll('nav a, nav button, form button, form input:not([type=hidden]), form select, form textarea, a.button, .back-link a, td > a, .pager a, .skip-link')]
      .map(el => { const r = el.getBoundingClientRect(); return { what: el.outerHTML.slice(0, 120), width: r.width, height: r.height, shown: getComputedStyle(el).visibility !== 'hidden' && r.width > 0 && !el.matches('.skip-link:not(:focus)') }; })
      .filter(t => t.shown && (t.width < 24 || t.height < 24))`)) as { what: string; width: number; height: number }[];
    assert.deepEqual(small, [], `${label}: targets smaller than 24 px`);
    await checkTargetSize(p);
  }

  async function checkNav(p: Page, visit: Visit, label: string) {
    const current = (await p.evaluate(`[...document.querySelectorAll('nav[aria-label="Main"] a[aria-current="page"]')].map(a => a.getAttribute('href'))`)) as string[];
    assert.deepEqual(current, visit.current ? [visit.current] : [], `${label}: the navigation's current page`);
  }

  /** An element is wholly inside the window, not cut off on either side. */
  async function assertOnScreen(p: Page, selector: string, label: string) {
    const box = (await p.evaluate(`(() => { const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect(); return { left: r.left, right: r.right, width: window.innerWidth }; })()`)) as {
      left: number;
      right: number;
      width: number;
    };
    assert.ok(box.left >= 0 && box.right <= box.width, `${label}: ${selector} is at ${box.left}–${box.right}px in a ${box.width}px window`);
  }

  const visits = (): Visit[] => [
    { role: 'anonymous', path: '/', shot: '18-phone-home' },
    // Every role's login page (the registry's: a role added there is visited too).
    ...ROLE_NAMES.map((role): Visit => ({ role: 'anonymous', path: ROLES[role].login.path })),
    { role: 'anonymous', path: '/patient/signup' },
    { role: 'anonymous', path: '/no-such-page', status: 404 },
    { role: 'admin', path: '/admin', current: '/admin', shot: '19-phone-long-text-admin', maxHeight: 9000 }, // three kinds of organisation, each with its staff
    // The twenty newest blocks, most naming a long organisation or person, each with a line of
    // what happened in it (a 300-character organisation's name in many: about 480 px a block).
    { role: 'admin', path: '/ledger', current: '/ledger', maxHeight: 12000 },
    { role: 'admin', path: `/ledger/blocks/${blockNumber}`, current: '/ledger' },
    { role: 'admin', path: `/ledger/tx/${transactionHash}`, current: '/ledger' },
    { role: 'admin', path: '/admin/audit?actor=drlong', current: '/admin/audit', shot: '20-phone-long-text-audit' },
    // All acts (about twenty-five, with the insurer's openings), most naming the long
    // organisations and people: about 600 px an act on a phone.
    { role: 'admin', path: '/admin/audit', current: '/admin/audit', maxHeight: 25 * 700 },
    { role: 'admin', path: '/admin/integrity', current: '/admin/integrity' },
    { role: 'admin', path: '/admin/emergency', current: '/admin/emergency' },
    { role: 'admin', path: '/admin/staff/drlong/remove', current: '/admin' },
    // The patients (alice's 120-character name) with the class enrolment form.
    { role: 'admin', path: '/admin/patients', current: '/admin/patients' },
    // The password form, for every role that signs in (marked in the navigation where it is listed).
    ...ROLE_NAMES.map((role): Visit => ({ role, path: '/account/password', current: ROLES[role].nav.some(entry => entry.path === '/account/password') ? '/account/password' : undefined })),
    // With the break-glass panel on top: the long doctor's, hospital's and reason's 300 characters each.
    { role: 'patient', path: '/patient', current: '/patient', shot: '21-phone-long-text-patient', maxHeight: 6500 },
    // The report, its grants, its prescription with the form that sends it to a long-named
    // pharmacy, and the claim form naming a long-named insurer.
    { role: 'patient', path: `/patient/reports/${reportId}`, current: '/patient', shot: '22-phone-long-text-report', maxHeight: 8000 },
    { role: 'patient', path: `/patient/reports/${reportId}/revoke?hospitalId=${hospitalId}`, current: '/patient' },
    { role: 'patient', path: '/patient/access-log', current: '/patient/access-log' },
    { role: 'patient', path: '/patient/import', current: '/patient' },
    { role: 'doctor', path: '/doctor', current: '/doctor', shot: '23-phone-long-text-doctor' },
    { role: 'doctor', path: `/doctor/reports/${reportId}`, current: '/doctor', shot: '24-phone-long-text-prescribe' },
    { role: 'doctor', path: '/doctor/emergency', current: '/doctor/emergency' },
    { role: 'doctor', path: `/doctor/emergency/${emergencyId}`, current: '/doctor/emergency' },
    { role: 'pharmacist', path: '/pharmacist', current: '/pharmacist' },
    { role: 'insurer', path: '/insurer', current: '/insurer' },
    { role: 'insurer', path: `/insurer/claims/${claimId}`, current: '/insurer' },
    // The ledger for every role (issue 19): "what happened" lines naming the long organisations,
    // an account, the contract's every function and event, the tamper lab, a search that finds nothing.
    { role: 'patient', path: '/ledger', current: '/ledger', shot: '50-phone-ledger-patient', maxHeight: 12000 },
    { role: 'doctor', path: `/ledger/blocks/${reportBlock}`, current: '/ledger' },
    { role: 'pharmacist', path: `/ledger/tx/${transactionHash}`, current: '/ledger' },
    { role: 'insurer', path: `/ledger/accounts/${aliceAddress}`, current: '/ledger' },
    { role: 'patient', path: '/ledger/contract', current: '/ledger', maxHeight: 16000 },
    { role: 'patient', path: `/ledger/blocks/${reportBlock}/lab`, current: '/ledger', shot: '51-phone-tamper-lab', maxHeight: 9000 },
    { role: 'doctor', path: '/ledger/search?q=nothing', status: 404, current: '/ledger' },
  ];

  for (const width of WIDTHS) {
    it(`fits every page of every role at ${width} px, with focus, navigation and targets that work`, async () => {
      const problems: string[] = []; // every page is checked, then every problem is told at once
      for (const visit of visits()) {
        const label = `${visit.role} ${visit.path} at ${width}px`;
        const p = await open(visit, width);
        for (const check of [(q: Page) => checkFits(q, label, visit.maxHeight), (q: Page) => checkNav(q, visit, label), checkTargets, checkPage, checkFocusVisible]) {
          await check(p, label).catch((error: Error) => problems.push(`${label}: ${error.message}`));
        }
        if (width === 375 && visit.shot) {
          await p.evaluate('document.activeElement && document.activeElement.blur()');
          await screenshot(p, visit.shot);
        }
        await p.close();
        page = undefined;
      }
      assert.deepEqual(problems, []);
    });
  }

  for (const width of WIDTHS) {
    it(`keeps the doctor's "Click Here" and the patient's prescription on screen at ${width} px`, async () => {
      const doctor = await open({ role: 'doctor', path: '/doctor' }, width);
      await assertOnScreen(doctor, 'a[href^="/doctor/reports/"]', `doctor at ${width}px`);
      await doctor.getByRole('link', { name: /Click Here/ }).click();
      await doctor.waitForURL(`${base}/doctor/reports/${reportId}`);
      await assertOnScreen(doctor, '#p-medicines', `the prescription form at ${width}px`);
      await doctor.close();

      const patient = await open({ role: 'patient', path: '/patient' }, width);
      const row = patient.locator('tr', { hasText: LONG.medicines.slice(0, 40) });
      assert.match(await row.innerText(), /Prescribed/);
      await assertOnScreen(patient, '.table--my-reports td:nth-of-type(5)', `the prescription column at ${width}px`);
      await assertOnScreen(patient, '.table--my-reports td:nth-of-type(5) .badge--prescribed', `the Prescribed badge at ${width}px`);
      await patient.close();
    });
  }

  it('lets a keyboard scroll a table that is wider than the screen, inside its wrapper', async () => {
    const p = await open({ role: 'admin', path: '/admin' }, 375);
    const wrapper = p.getByRole('group', { name: 'Table of doctors' });
    await wrapper.focus();
    const scrollLeft = async () => (await wrapper.evaluate('el => el.scrollLeft')) as number;
    // With the 300-character names wrapped, the table may fit the phone; when it does not, the arrow key scrolls it.
    if ((await wrapper.evaluate('el => el.scrollWidth > el.clientWidth')) as boolean) {
      await p.keyboard.press('ArrowRight');
      await p.waitForFunction(`document.querySelector('[aria-label="Table of doctors"]').scrollLeft > 0`);
      assert.ok((await scrollLeft()) > 0);
    }
    await p.close();
  });

  it('has a favicon: linked as an SVG, and /favicon.ico answered without a 404', async () => {
    const p = await open({ role: 'anonymous', path: '/' }, 1280);
    const href = await p.locator('link[rel="icon"]').getAttribute('href');
    assert.equal(href, '/static/favicon.svg');
    for (const path of [href, '/favicon.ico']) {
      const response = await p.request.get(`${base}${path}`);
      assert.equal(response.status(), 200, path);
      assert.match(response.headers()['content-type'] ?? '', /^image\/svg\+xml/);
      assert.match(await response.text(), /^<svg /);
    }
    await p.close();
  });
});
