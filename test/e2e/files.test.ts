/**
 * Files in a real Chromium (issue 18): a patient attaches an image and a text file to a report
 * through the form, sees the image as a thumbnail that the browser decodes, opens it; a refused
 * file brings the form back with what was typed and the reason next to the field; a doctor
 * attaches a file to a prescription. Every page passes axe-core and html-validate and, at 375 px,
 * scrolls only down. The phone screens are saved to docs/screenshots/.
 */
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AppContext } from '../../src/context';
import type { Services } from '../../src/services';
import { serveTestApp } from '../support/context';
import { pollUntil } from '../support/poll';
import { checkPage, launch, screenshot, screenshotOnFailure } from './browser';

const PASSWORD = 'demo1234';

/** CRC-32 (ISO-HDLC), as PNG chunks carry it. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A real PNG (a colour gradient) that a browser decodes: what an X-ray export would be. */
function gradientPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * (width * 3 + 1) + 1 + x * 3;
      rows[at] = (x * 255) / width;
      rows[at + 1] = (y * 255) / height;
      rows[at + 2] = 160;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

const XRAY = gradientPng(320, 240);
const LONG_NAME = `${'Radiologist-report-of-the-left-knee-'.repeat(4).slice(0, 110)}.txt`;

describe('files in the browser', function () {
  this.timeout(300_000);
  let context: AppContext;
  let services: Services;
  let server: Server;
  let base: string;
  let browser: Browser;
  let patient: BrowserContext;
  let doctor: BrowserContext;
  let page: Page | undefined;

  async function logIn(role: 'patient' | 'doctor', username: string): Promise<BrowserContext> {
    const session = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const login = await session.newPage();
    await login.goto(`${base}/${role}/login`);
    await login.getByLabel('Username').fill(username);
    await login.getByLabel('Password').fill(PASSWORD);
    await login.getByRole('button', { name: 'Log in' }).click();
    await login.waitForURL(`${base}/${role}`);
    await login.close();
    return session;
  }

  /** Nothing scrolls sideways at the page's width. */
  async function checkFits(p: Page): Promise<void> {
    const { scrollWidth, innerWidth } = (await p.evaluate('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })')) as {
      scrollWidth: number;
      innerWidth: number;
    };
    assert.ok(scrollWidth <= innerWidth, `${p.url()} scrolls sideways: ${scrollWidth} px in ${innerWidth}`);
  }

  before(async () => {
    ({ context, services, server, base } = await serveTestApp());
    const apollo = await services.admin.addHospital({ name: 'Apollo', address: 'Greams Road, Chennai', phone: '+91 44 2829 0200' });
    await services.admin.addDoctor({ fullName: 'John Smith', username: 'drsmith', password: PASSWORD, email: 'smith@apollo.example', specialty: 'Orthopaedics', hospitalId: apollo.hospitalId });
    await services.patients.signup({ username: 'alice', password: PASSWORD, email: 'alice@example.org', fullName: 'Alice Kumar', phone: '+91 98765 43210' });
    browser = await launch();
    [patient, doctor] = [await logIn('patient', 'alice'), await logIn('doctor', 'drsmith')];
  });

  afterEach(screenshotOnFailure(() => page));

  after(async () => {
    await browser?.close();
    await new Promise(resolve => server?.close(resolve));
    await context?.close();
  });

  it('attaches an image and a text file to a report, shows the image as a thumbnail, and opens it', async () => {
    page = await patient.newPage();
    await page.goto(`${base}/patient`);
    await page.getByLabel('Title').fill('Knee X-ray');
    await page.getByLabel('Disease').fill('Osteoarthritis');
    await page.getByLabel('Details').fill('The film and the radiologist\'s report are attached.');
    await page.getByLabel('Apollo').check();
    await page.getByLabel('Attach files (optional)').setInputFiles([
      { name: 'knee-xray.png', mimeType: 'image/png', buffer: XRAY },
      { name: LONG_NAME, mimeType: 'text/plain', buffer: Buffer.from('Medial joint space narrowed; no fracture.\n') },
    ]);
    await page.getByRole('button', { name: 'Save report on the ledger' }).click();
    await page.waitForURL(`${base}/patient`);
    await page.getByRole('link', { name: 'Knee X-ray', exact: true }).click();
    await page.waitForURL(/\/patient\/reports\/\d+$/);
    const thumbnail = page.locator('img.files__thumb');
    await thumbnail.waitFor();
    // Polled from here: the page's CSP (no eval) refuses a string predicate run inside it.
    const decodedWidth = () => thumbnail.evaluate(img => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth);
    await pollUntil(async () => (await decodedWidth()) > 0, 'the thumbnail to load', { timeoutMs: 15_000, everyMs: 50 });
    assert.equal(await decodedWidth(), 320, 'the browser decoded the stored image');
    await checkPage(page);
    await page.setViewportSize({ width: 375, height: 800 });
    await checkFits(page);
    await screenshot(page, '31-patient-report-with-files');

    const [opened] = await Promise.all([page.waitForEvent('response', r => /\/files\/[0-9a-f-]{36}$/.test(r.url()) && r.request().resourceType() === 'document'), page.getByRole('link', { name: 'knee-xray.png', exact: true }).click()]);
    assert.equal(opened.status(), 200);
    assert.equal(opened.headers()['content-type'], 'image/png');
    assert.ok((await opened.body()).equals(XRAY), 'the file opens byte for byte');
  });

  it('brings a refused file back as a 415 on the form, with what was typed', async () => {
    page = await patient.newPage();
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${base}/patient`);
    await page.getByLabel('Title').fill('Blood test');
    await page.getByLabel('Disease').fill('Anaemia');
    await page.getByLabel('Details').fill('Haemoglobin 10.2 g/dL');
    await page.getByLabel('Attach files (optional)').setInputFiles([{ name: 'scan.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') }]);
    const [response] = await Promise.all([page.waitForResponse(r => r.url().endsWith('/patient/reports')), page.getByRole('button', { name: 'Save report on the ledger' }).click()]);
    assert.equal(response.status(), 415);
    await page.waitForLoadState();
    assert.equal(await page.getByLabel('Title').inputValue(), 'Blood test');
    assert.match((await page.locator('#r-files-error').textContent()) ?? '', /scan\.png.*not a PNG.*Choose the files again/);
    await checkPage(page);
    await checkFits(page);
    await screenshot(page, '32-patient-file-refused');
  });

  it('lets a doctor attach a file to a prescription, shown to the patient', async () => {
    const reportId = (await context.store.readModel.reportsOfPatient((await context.store.users.findByUsername('alice'))!.address))[0].id;
    page = await doctor.newPage();
    await page.goto(`${base}/doctor/reports/${reportId}`);
    await page.getByLabel('Medicines').fill('Paracetamol 500 mg');
    await page.getByLabel('Dosage').fill('Twice a day for five days');
    await page.getByLabel('Instructions').fill('Physiotherapy plan attached');
    await page.getByLabel('Attach files (optional)').setInputFiles([{ name: 'physio-plan.txt', mimeType: 'text/plain', buffer: Buffer.from('Quadriceps exercises, 3 × 10, daily.\n') }]);
    await page.getByRole('button', { name: 'Save prescription on the ledger' }).click();
    await page.waitForURL(`${base}/doctor/reports/${reportId}`);
    await page.getByRole('link', { name: 'physio-plan.txt', exact: true }).waitFor();
    await checkPage(page);

    page = await patient.newPage();
    await page.goto(`${base}/patient/reports/${reportId}`);
    await page.getByRole('link', { name: 'physio-plan.txt', exact: true }).waitFor();
  });
});
