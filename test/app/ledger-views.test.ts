/**
 * The ledger made visible (#5): the explorer, the patient's access log, the admin's audit report
 * and integrity check, the read model rebuilt from the ledger alone, and privacy of the ledger.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { startContext, type AppContext } from '../../src/context';
import { tamperWithReport } from '../../src/features/records/tamper';
import { createServices, type Services } from '../../src/services';
import { DATABASE_FILE, openDatabase } from '../../src/store/sqlite/database';
import { MIGRATIONS } from '../../src/store/sqlite/migrations';
import { freePort, sqlOf, startTestApp } from '../support/context';
import {
  addDoctor, addHospital, addReport, assertExcludes, assertIncludes, escapeHtml, fieldErrors, fieldValue, followSaved, login, page, post,
  rows, rowWith, signupPatient, type Agent,
} from '../support/http';
import { filesContaining } from '../support/security';

const PASSWORD = 'views-pass-42';

describe('the ledger made visible', function () {
  this.timeout(180_000);

  let context: AppContext;
  let services: Services;
  let serviceLog: string[];
  let app: Express;
  let admin: Agent;
  let alice: Agent;
  let bob: Agent;
  let drsmith: Agent;
  let apollo: number;
  let care: number;
  /** Alice's report, shared with Apollo, opened and prescribed by Dr Smith. */
  let report: { id: number; transactionHash: string; blockNumber: number };
  const TITLE = `Knee scan ${randomUUID().slice(0, 8)}`;
  // Put in the report and the prescription, to be looked for on the ledger and in DATA_DIR.
  const SECRET = `PrivacyMarker-${randomUUID()}`;
  // The services' clock, moved forward to open the report in a later visit.
  let clockOffset = 0;

  before(async () => {
    ({ context, services, serviceLog, app } = await startTestApp({}, { now: () => Date.now() + clockOffset }));
    admin = await login(app, 'admin', 'admin', 'admin');
    apollo = (await addHospital(admin, { name: 'Apollo', address: '1 Apollo Road', phone: '+1 555 0101' })).id;
    care = (await addHospital(admin, { name: '=Care+Clinic', address: '2 Care Street', phone: '+1 555 0102' })).id;
    await addDoctor(admin, { fullName: 'Jane Smith', username: 'drsmith', password: PASSWORD, email: 'smith@example.org', specialty: 'Orthopaedics', hospitalId: apollo });
    for (const name of ['alice', 'bob']) {
      await signupPatient(app, { username: name, password: PASSWORD, email: `${name}@example.org`, fullName: `${name} Patient`, phone: '+1 555 0100' });
    }
    alice = await login(app, 'patient', 'alice', PASSWORD);
    bob = await login(app, 'patient', 'bob', PASSWORD);
    drsmith = await login(app, 'doctor', 'drsmith', PASSWORD);
    report = await addReport(alice, { title: TITLE, disease: `Sprain ${SECRET}`, details: `Swollen knee. ${SECRET}`, hospitalIds: [apollo, care] });
    await addReport(bob, { title: 'Bob only', disease: 'Cold', details: 'Mild.', hospitalIds: [care] });
    await page(drsmith, `/doctor/reports/${report.id}`);
    const res = await post(drsmith, `/doctor/reports/${report.id}`, `/doctor/reports/${report.id}/prescriptions`, {
      medicines: `Ibuprofen ${SECRET}`, dosage: '400 mg', instructions: 'Twice a day',
    });
    await followSaved(drsmith, res, `/doctor/reports/${report.id}`);
    await services.background.settled();
  });

  after(() => context?.close());

  describe('explorer', () => {
    it('lists the newest blocks with their hashes, each link checked, and pages back to the genesis block', async () => {
      const html = await page(admin, '/ledger');
      const latest = await context.ledger.client.latestBlock();
      assertIncludes(html, `<a href="/ledger/blocks/${latest}">${latest}</a>`, 'Linked ✓');
      assertExcludes(html, 'Broken link');
      const block = await context.ledger.chain.block(latest);
      assertIncludes(html, `title="${block!.hash}"`, `title="${block!.parentHash}"`);
      assert.equal((html.match(/<a href="\/ledger\/blocks\/\d+">/g) ?? []).length, Math.min(20, latest + 1));

      // The oldest page ends at the genesis block, which has no parent to link to.
      const oldest = await page(admin, '/ledger?before=5');
      assertIncludes(oldest, '<a href="/ledger/blocks/0">0</a>', 'Genesis', 'Newer');
      assertExcludes(oldest, 'rel="next"');
    });

    it('answers 400 for a page that is not a block number', async () => {
      const res = await admin.get('/ledger?before=abc');
      assert.equal(res.status, 400);
    });

    it('shows a block: its hash, the parent hash checked against the block before, and its transactions decoded', async () => {
      const html = await page(admin, `/ledger/blocks/${report.blockNumber}`);
      const block = await context.ledger.chain.block(report.blockNumber);
      const before = await context.ledger.chain.block(report.blockNumber - 1);
      assert.equal(block!.parentHash, before!.hash);
      assertIncludes(html, block!.hash, block!.parentHash, 'Linked ✓', `href="/ledger/tx/${report.transactionHash}"`, 'addReport', 'alice Patient (alice)', 'EHR contract');
    });

    it('shows a transaction decoded with the ABI: function, arguments with their names, events, gas and status', async () => {
      const html = await page(admin, `/ledger/tx/${report.transactionHash}`);
      const { receipt } = (await context.ledger.chain.transaction(report.transactionHash))!;
      assertIncludes(html, 'Succeeded', 'addReport', 'hospitalIds', `[${apollo}, ${care}]`, `Apollo, ${escapeHtml('=Care+Clinic')}`, 'commitment');
      assertIncludes(html, 'ReportAdded', 'ReportShared', 'alice Patient (alice)', receipt.gasUsed.toLocaleString('en-US'));
      assertExcludes(html, SECRET, TITLE);
    });

    it('answers 404 for an unknown block or transaction, and for a malformed one', async () => {
      for (const path of ['/ledger/blocks/999999', '/ledger/blocks/-1', '/ledger/blocks/1e3', `/ledger/tx/0x${'ab'.repeat(32)}`, '/ledger/tx/0x12']) {
        assert.equal((await admin.get(path)).status, 404, path);
      }
    });

    it('is for every signed-in role (issue 19); the anonymous are sent to the home page', async () => {
      for (const path of ['/ledger', `/ledger/blocks/1`, `/ledger/tx/${report.transactionHash}`]) {
        assert.equal((await alice.get(path)).status, 200);
        assert.equal((await drsmith.get(path)).status, 200);
        const anonymous = await supertest(app).get(path);
        assert.equal(anonymous.status, 302);
        assert.equal(anonymous.headers.location, '/');
      }
    });
  });

  describe('access log', () => {
    // Set-up opened the report three times in one visit: the page, the form's page (for its
    // token) and the page the prescription redirected to. One visit is one entry.
    it("records an opening on the ledger and lists it for the report's patient only", async () => {
      const html = await page(alice, '/patient/access-log');
      const opened = rows(html).filter(row => row.includes('Dr. Jane Smith'));
      assert.equal(opened.length, 1);
      for (const row of opened) assertIncludes(row, 'Apollo', escapeHtml(TITLE), `href="/patient/reports/${report.id}"`);
      assertIncludes(html, '1 access<');
      const bobs = await page(bob, '/patient/access-log');
      assertIncludes(bobs, 'No one has opened your reports yet');
      assertExcludes(bobs, 'Jane Smith', TITLE);
    });

    it('reads the log from the ReportAccessed events, which name no content', async () => {
      const events = await context.ledger.client.events(0, await context.ledger.client.latestBlock());
      const accessed = events.filter(e => e.event.name === 'ReportAccessed');
      assert.equal(accessed.length, 1);
      // The reader's organisation and why (treatment, here: no emergency, nothing it refers to).
      assert.deepEqual(Object.keys(accessed[0].event.args).sort(), ['organisationId', 'patient', 'purpose', 'reader', 'ref', 'reportId']);
    });

    it('adds one entry per visit (ten minutes), newest first, without making the page wait', async () => {
      await page(drsmith, `/doctor/reports/${report.id}`);
      await services.background.settled();
      assertIncludes(await page(alice, '/patient/access-log'), '1 access<');
      clockOffset = 11 * 60_000;
      await page(drsmith, `/doctor/reports/${report.id}`);
      assert.ok(services.background.size <= 1);
      await services.background.settled();
      const html = await page(alice, '/patient/access-log');
      assertIncludes(html, '2 accesses');
      const times = [...html.matchAll(/<time datetime="([^"]+)"/g)].map(m => m[1]);
      assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    });

    it("does not record a refused opening (another hospital's report)", async () => {
      const bobsReport = (await context.ledger.client.reportsOf((await userAddress('bob'))))[0];
      assert.equal((await drsmith.get(`/doctor/reports/${bobsReport}`)).status, 403);
      await services.background.settled();
      assertIncludes(await page(bob, '/patient/access-log'), 'No one has opened your reports yet');
    });
  });

  describe('audit report', () => {
    it('lists every act on the ledger with time, actor, patient and report', async () => {
      const html = await page(admin, '/admin/audit');
      for (const act of ['Organisation added', 'Staff added', 'Patient registered', 'Report added', 'Report shared', 'Prescription written', 'Report opened']) {
        assertIncludes(html, `<td data-label="Act">${act}</td>`);
      }
      const opened = rows(html).filter(row => row.includes('Report opened'));
      assert.equal(opened.length, 2);
      for (const row of opened) assertIncludes(row, 'drsmith', '(doctor)', 'alice', `#${report.id}<`, 'Apollo', 'Jane Smith', '/ledger/tx/0x');
    });

    it('filters by act, actor, patient and period', async () => {
      const prescribed = await page(admin, '/admin/audit?act=prescribed');
      assertIncludes(prescribed, '1 act<', 'drsmith', 'Prescription written');
      const byAdmin = await page(admin, '/admin/audit?actor=admin');
      assertIncludes(byAdmin, '3 acts<'); // two hospitals and a doctor (the RoleGranted beside StaffAdded is no act)
      const ofBob = await page(admin, '/admin/audit?patient=bob');
      assertIncludes(ofBob, 'Patient registered', 'Report added');
      assertExcludes(ofBob, 'alice');
      const today = new Date().toISOString().slice(0, 10);
      const all = await page(admin, '/admin/audit');
      const todays = await page(admin, `/admin/audit?from=${today}&to=${today}`);
      assert.equal(/(\d+) acts</.exec(todays)![1], /(\d+) acts</.exec(all)![1]);
      assertIncludes(await page(admin, '/admin/audit?to=2001-01-01'), '0 acts', 'No act on the ledger matches these filters');
    });

    it('answers 400 with the filters as typed and what is wrong', async () => {
      const res = await admin.get('/admin/audit?from=2026-02-30&actor=nobody-here&act=dance');
      assert.equal(res.status, 400);
      assert.deepEqual(Object.keys(fieldErrors(res.text)).sort(), ['q-act', 'q-from']);
      assert.equal(fieldValue(res.text, 'q-from'), '2026-02-30');
      assert.equal(fieldValue(res.text, 'q-actor'), 'nobody-here');
      const unknown = await admin.get('/admin/audit?actor=nobody-here');
      assert.equal(unknown.status, 400);
      assert.match(fieldErrors(unknown.text)['q-actor'], /no user named/);
      assert.equal((await admin.get('/admin/audit?patient=drsmith')).status, 400, 'a doctor is not a patient');
      assert.equal((await admin.get('/admin/audit?from=2026-02-02&to=2026-02-01')).status, 400);
      assert.equal((await admin.get('/admin/audit?act=opened&act=prescribed')).status, 400);
    });

    it('sorts by a column, both ways', async () => {
      const order = (html: string) => [...html.matchAll(/<td data-label="Act">([^<]+)<\/td>/g)].map(m => m[1]);
      const ascending = order(await page(admin, '/admin/audit?sort=act&order=asc'));
      assert.deepEqual(ascending, [...ascending].sort((a, b) => sortKey(a).localeCompare(sortKey(b))));
      const descending = order(await page(admin, '/admin/audit?sort=act&order=desc'));
      assert.deepEqual(descending, [...ascending].reverse().sort((a, b) => sortKey(b).localeCompare(sortKey(a))));
      const byTime = await page(admin, '/admin/audit?sort=time&order=asc');
      assert.ok(byTime.indexOf('Organisation added') < byTime.indexOf('Report opened'));
      assertIncludes(byTime, 'aria-sort="ascending"');
    });

    it('downloads the filtered acts as CSV, with formulas neutralised', async () => {
      const res = await admin.get('/admin/audit?sort=time&order=asc&format=csv').buffer(true);
      assert.equal(res.status, 200);
      assert.match(res.headers['content-type'], /^text\/csv/);
      assert.match(res.headers['content-disposition'], /^attachment; filename="?ehr-audit-\d{4}-\d{2}-\d{2}\.csv"?$/);
      const lines = res.text.trimEnd().split('\r\n');
      assert.equal(lines[0], 'time_utc,act,actor,actor_role,patient,report_id,hospital,doctor,block,transaction');
      const all = await page(admin, '/admin/audit');
      assert.equal(lines.length - 1, Number(/(\d+) acts</.exec(all)![1]));
      assert.ok(lines.some(line => line.includes(",organisation-added,admin,admin,,,'=Care+Clinic,")), 'the formula is not neutralised');
      const csvOpened = lines.filter(line => line.includes(',opened,drsmith,doctor,alice,'));
      assert.equal(csvOpened.length, 2);
      const filtered = await admin.get('/admin/audit?act=prescribed&format=csv').buffer(true);
      assert.equal(filtered.text.trimEnd().split('\r\n').length, 2);
    });

    it('shows no content of any record', async () => {
      const html = await page(admin, '/admin/audit');
      const csv = (await admin.get('/admin/audit?format=csv').buffer(true)).text;
      assertExcludes(html + csv, TITLE, SECRET);
    });
  });

  describe('read model', () => {
    it('`reindex` rebuilds it from the ledger alone and gives the same pages', async () => {
      const pages = async () => [
        (await admin.get('/admin/audit?format=csv').buffer(true)).text,
        await page(alice, '/patient'),
        await page(alice, '/patient/access-log'),
        await page(drsmith, '/doctor'),
        await page(admin, '/admin'),
      ];
      const strip = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '');
      const before = (await pages()).map(strip);
      const applied = await services.sync.reindex();
      assert.ok(applied > 10);
      const after = (await pages()).map(strip);
      assert.deepEqual(after, before);
    });

    it('a database from before the acts table fills it from the ledger (every later migration)', async () => {
      const config = context.config;
      const count = (table: string) => (sqlOf(context).prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      const counts = () => Object.fromEntries(['ledger_acts', 'ledger_organisations', 'ledger_staff', 'ledger_reports', 'ledger_grants', 'ledger_prescriptions'].map(t => [t, count(t)]));
      const before = counts();
      await services.background.settled();
      await context.close();
      // Back to schema 2, as a database written by the first release would be.
      backToSchema2(config.dataDir);
      context = await startContext({ ...config, chainPort: await freePort() });
      services = createServices(context, { bcryptCost: 4, log: line => serviceLog.push(line) });
      app = createApp(context, services, { log: () => undefined });
      await services.sync.catchUp();
      assert.deepEqual(counts(), before);
      const tables = sqlOf(context).prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('ledger_hospitals', 'ledger_doctors')").all();
      assert.deepEqual(tables, [], 'the first contract\'s tables are gone');
      admin = await login(app, 'admin', 'admin', 'admin');
      alice = await login(app, 'patient', 'alice', PASSWORD);
      bob = await login(app, 'patient', 'bob', PASSWORD);
      drsmith = await login(app, 'doctor', 'drsmith', PASSWORD);
      assertIncludes(await page(alice, '/patient/access-log'), '2 accesses');
    });
  });

  describe('integrity check', () => {
    it('counts every record verified while nothing is altered', async () => {
      const html = await page(admin, '/admin/integrity');
      assertIncludes(html, '3 records checked', '<dt>Verified</dt><dd>3</dd>', '<dt>Tampered</dt><dd>0</dd>', '<dt>Missing</dt><dd>0</dd>', 'every stored record matches the ledger');
    });

    it('marks each verified body with the block and transaction that wrote its commitment', async () => {
      const prescription = sqlOf(context).prepare<[number], { tx: string; block: number }>('SELECT tx_hash AS tx, block_number AS block FROM ledger_prescriptions WHERE report_id = ?').get(report.id)!;
      for (const [agent, path] of [[alice, `/patient/reports/${report.id}`], [drsmith, `/doctor/reports/${report.id}`]] as const) {
        const html = await page(agent, path);
        for (const [block, tx] of [[report.blockNumber, report.transactionHash], [prescription.block, prescription.tx]] as const) {
          assertIncludes(html, `Verified on the ledger</span> <span class="ledger-ref">block <a href="/ledger/blocks/${block}">${block}</a> · <a class="mono" href="/ledger/tx/${tx}" title="${tx}">`);
        }
      }
    });

    it('finds an altered body, an altered commitment in the read model and a deleted body, and logs the tampering', async () => {
      await tamperWithReport(context.store, report.id);
      const bobsReport = sqlOf(context).prepare<[string], { id: number; commitment: string }>('SELECT id, commitment FROM ledger_reports WHERE patient = ?').get(await userAddress('bob'))!;
      sqlOf(context).prepare('DELETE FROM bodies WHERE commitment = ?').run(bobsReport.commitment);
      sqlOf(context).prepare('UPDATE ledger_prescriptions SET commitment = ? WHERE report_id = ?').run(`0x${'11'.repeat(32)}`, report.id);

      const html = await page(admin, '/admin/integrity');
      assertIncludes(html, '<dt>Verified</dt><dd>0</dd>', '<dt>Tampered</dt><dd>2</dd>', '<dt>Missing</dt><dd>1</dd>');
      assertIncludes(rowWith(html, `Report #${report.id}<`), 'Tampered', 'does not match its commitment');
      assertIncludes(rowWith(html, `Prescription 1 of report #${report.id}`), 'Tampered', 'read model');
      assertIncludes(rowWith(html, `Report #${bobsReport.id}<`), 'Missing');
      assert.ok(serviceLog.some(line => line.includes('integrity: report body') && line.includes('tampered')), 'the tampering was not logged');

      // Every page that shows the report withholds it.
      const own = await page(alice, `/patient/reports/${report.id}`);
      assertIncludes(own, 'Tampered');
      assertExcludes(own, 'Swollen knee', TITLE);
      await services.sync.reindex(); // the ledger restores the read model's copy
      assertIncludes(await page(admin, '/admin/integrity'), '<dt>Tampered</dt><dd>1</dd>');
    });
  });

  describe('privacy', () => {
    it('puts no record content on the ledger: no transaction input and no log holds it', async () => {
      const latest = await context.ledger.client.latestBlock();
      const needles = [SECRET, Buffer.from(SECRET).toString('hex'), TITLE, Buffer.from(TITLE).toString('hex'), 'alice Patient', 'alice@example.org'];
      let transactions = 0;
      for (let n = 0; n <= latest; n++) {
        const found = await context.ledger.chain.blockWithTransactions(n);
        for (const tx of found!.transactions) {
          transactions++;
          const { receipt } = (await context.ledger.chain.transaction(tx.hash))!;
          const text = [tx.input, ...receipt.logs.flatMap(log => [log.data ?? '', ...(log.topics ?? [])])].join(' ').toLowerCase();
          for (const needle of needles) assert.ok(!text.includes(needle.toLowerCase()), `transaction ${tx.hash} holds ${needle}`);
        }
      }
      assert.ok(transactions > 10);
      // The search itself works: the hospital's name is on the ledger, by design.
      const addHospitalTx = (await context.ledger.chain.blockWithTransactions(report.blockNumber))!;
      assert.ok(addHospitalTx.transactions.length > 0);
    });

    it('keeps no record content in the clear in any file under DATA_DIR', async () => {
      await services.background.settled();
      sqlOf(context).pragma('wal_checkpoint(PASSIVE)');
      const dataDir = context.config.dataDir;
      assert.notDeepEqual(filesContaining(dataDir, [Buffer.from('drsmith')]), [], 'the search finds nothing it should');
      assert.deepEqual(filesContaining(dataDir, [Buffer.from(SECRET), Buffer.from(TITLE)]), []);
    });
  });

  async function userAddress(username: string): Promise<string> {
    return (sqlOf(context).prepare<[string], { address: string }>('SELECT address FROM users WHERE username = ?').get(username))!.address;
  }
});

/** The audit sorts acts by their key (report-added…), not by their label. */
function sortKey(label: string): string {
  const keys: Record<string, string> = {
    'Organisation added': 'organisation-added', 'Staff added': 'staff-added', 'Staff removed': 'staff-removed',
    'Patient registered': 'patient-registered', 'Report added': 'report-added', 'Report shared': 'report-shared', 'Access revoked': 'report-revoked',
    'Prescription written': 'prescribed', 'Report opened': 'opened', 'Emergency access opened': 'emergency-opened', 'Emergency access ended': 'emergency-ended',
    'Prescription sent to a pharmacy': 'prescription-sent', 'Prescription withdrawn from a pharmacy': 'prescription-withdrawn',
    'Prescription dispensed': 'dispensed', 'Claim filed': 'claim-filed', 'Claim decided': 'claim-decided',
  };
  const key = keys[label];
  if (key === undefined) throw new Error(`the audit shows an act this test does not know: ${label}`);
  return key;
}

/**
 * Takes the database under `dataDir` back to schema 2, as the first release wrote it: a database
 * made by migrations 1 and 2 alone, holding this one's accounts, settings, users, hospital details
 * and bodies, and the first contract's read model (hospitals, doctors, grants without an end),
 * its rows derived from this one's. Whatever later migrations add is left behind.
 */
function backToSchema2(dataDir: string): void {
  const file = path.join(dataDir, DATABASE_FILE);
  const newest = `${file}.newest`;
  for (const suffix of ['', '-wal', '-shm']) if (fs.existsSync(`${file}${suffix}`)) fs.renameSync(`${file}${suffix}`, `${newest}${suffix}`);
  const db = openDatabase(dataDir, MIGRATIONS.slice(0, 2));
  assert.equal(db.pragma('user_version', { simple: true }), 2);
  db.prepare('ATTACH DATABASE ? AS newest').run(newest);
  db.exec(`
    INSERT INTO accounts (id, address, encrypted_key, created_at) SELECT id, address, encrypted_key, created_at FROM newest.accounts;
    INSERT INTO settings (key, value) SELECT key, value FROM newest.settings;
    INSERT INTO users (id, username, password_hash, role, address, full_name, email, phone, specialty, hospital_id, created_at)
      SELECT id, username, password_hash, role, address, full_name, email, phone, specialty, hospital_id, created_at FROM newest.users
      WHERE role IN ('patient', 'doctor');
    INSERT INTO hospital_details (hospital_id, address, phone) SELECT hospital_id, address, phone FROM newest.hospital_details;
    INSERT INTO bodies (commitment, kind, author, envelope, status, tx_hash, block_number, created_at)
      SELECT commitment, kind, author, envelope, status, tx_hash, block_number, created_at FROM newest.bodies WHERE kind IN ('report', 'prescription');
    INSERT INTO ledger_hospitals (id, name, block_number, tx_hash) SELECT id, name, block_number, tx_hash FROM newest.ledger_organisations WHERE kind = 'hospital';
    INSERT INTO ledger_doctors (address, hospital_id, block_number, tx_hash)
      SELECT address, organisation_id, block_number, tx_hash FROM newest.ledger_staff WHERE role = 'doctor' AND removed_at IS NULL;
    INSERT INTO ledger_patients SELECT address, block_number, tx_hash FROM newest.ledger_patients;
    INSERT INTO ledger_reports SELECT id, patient, commitment, created_at, block_number, tx_hash FROM newest.ledger_reports;
    INSERT INTO ledger_grants (report_id, hospital_id, active, changed_at, block_number, tx_hash)
      SELECT report_id, hospital_id, active, changed_at, block_number, tx_hash FROM newest.ledger_grants;
    INSERT INTO ledger_prescriptions SELECT report_id, idx, doctor, hospital_id, commitment, created_at, block_number, tx_hash FROM newest.ledger_prescriptions;
  `);
  db.exec('DETACH DATABASE newest');
  db.close();
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${newest}${suffix}`, { force: true });
}
