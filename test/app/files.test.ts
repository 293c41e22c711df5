/**
 * Files attached to records (issue 18): uploaded with a report's or a prescription's form
 * (multipart), typed by their content, sealed as they stream into storage, listed with their hash
 * in the record's body (so the ledger's commitment covers them), and served byte for byte to
 * whoever may read the record — after their stored bytes are checked. A changed byte is withheld;
 * a refused or cut-off upload leaves nothing behind.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Server } from 'node:http';
import type { Express } from 'express';
import supertest from 'supertest';
import type { AppContext } from '../../src/context';
import { FILES_DIR } from '../../src/store/sqlite';
import { restoreFile, tamperWithFile } from '../../src/features/records/tamper';
import type { Services } from '../../src/services';
import { serveTestApp } from '../support/context';
import { assertExcludes, assertIncludes, csrfFrom, escapeHtml, fieldErrors, fieldValue, login, page, type Agent, type Response } from '../support/http';
import { pollUntil as poll } from '../support/poll';
import { seedWorld, WORLD_PASSWORD, type World } from '../support/world';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Bytes that start as a PNG does (the type is decided by the signature; nothing decodes the image). */
const png = (bytes: number) => Buffer.concat([PNG_SIGNATURE, crypto.randomBytes(bytes - PNG_SIGNATURE.length)]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
const NOTE = Buffer.from('Lab note: HbA1c 7.9 %\nÜnïcödé is fine: 心电图 ✓\n', 'utf8');

interface Attachment {
  readonly name: string;
  readonly bytes: Buffer;
}

const REPORT = { title: 'Chest X-ray', disease: 'Cough for three weeks', details: 'Film and the lab note attached' };

describe('files attached to records', function () {
  this.timeout(240_000);
  let context: AppContext;
  let services: Services;
  let app: Express;
  let server: Server;
  let world: World;
  let alice: Agent, bob: Agent, smith: Agent, jones: Agent, phil: Agent, admin: Agent;
  const blobDir = () => path.join(context.config.dataDir, FILES_DIR);

  /** Posts the patient's report form as the page sends it (multipart, files in `files`). */
  async function postReport(agent: Agent, fields: Record<string, string | string[]>, files: readonly Attachment[]): Promise<Response> {
    const csrf = csrfFrom(await page(agent, '/patient'));
    let request = agent.post('/patient/reports').field('_csrf', csrf);
    for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) request = request.field(name, one);
    for (const file of files) request = request.attach('files', file.bytes, { filename: file.name });
    return request;
  }

  /** A report of alice's with `files`, shared with Apollo; its id and its files' ids, in order. */
  async function reportWith(files: readonly Attachment[], fields: Record<string, string> = {}): Promise<{ reportId: number; fileIds: string[]; html: string }> {
    const res = await postReport(alice, { ...REPORT, hospitalIds: String(world.hospitals.Apollo), ...fields }, files);
    assert.equal(res.status, 303, `the report form answered ${res.status}: ${fieldErrorsOf(res)}`);
    const dashboard = await page(alice, '/patient');
    const reportId = Number(/report #(\d+)/.exec(dashboard)?.[1]);
    const html = await page(alice, `/patient/reports/${reportId}`);
    return { reportId, fileIds: fileIdsIn(html), html };
  }

  const fieldErrorsOf = (res: Response) => JSON.stringify(fieldErrors(res.text ?? ''));
  const fileIdsIn = (html: string) => [...new Set([...html.matchAll(/href="\/files\/([0-9a-f-]{36})"/g)].map(m => m[1]))];
  const download = (agent: Agent, id: string, query = '') =>
    agent
      .get(`/files/${id}${query}`)
      .buffer(true)
      .parse((stream, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => callback(null, Buffer.concat(chunks)));
      });
  const storedBlobs = () => (fs.existsSync(blobDir()) ? fs.readdirSync(blobDir()).sort() : []);
  const fileRows = () => context.store.files.orphans({ before: Date.now() + 60_000 });

  before(async () => {
    ({ context, services, app, server } = await serveTestApp({ MAX_FILE_MB: '2' }));
    world = await seedWorld(context, services, {
      hospitals: [{ name: 'Apollo' }, { name: 'Fortis' }],
      doctors: [
        { username: 'drsmith', hospital: 'Apollo', fullName: 'John Smith' },
        { username: 'drjones', hospital: 'Fortis', fullName: 'Mary Jones' },
      ],
      patients: [{ username: 'alice', fullName: 'Alice Kumar' }, { username: 'bob', fullName: 'Bob Reddy' }],
      reports: [],
    });
    const medplus = (await services.admin.addOrganisation('pharmacy', { name: 'MedPlus', address: 'MG Road 1', phone: '222' })).organisationId;
    await services.admin.addStaff('pharmacist', { username: 'phil', fullName: 'Phil Mathew', password: WORLD_PASSWORD, email: 'phil@example.org', organisationId: medplus });
    [alice, bob, smith, jones, phil, admin] = await Promise.all([
      login(app, 'patient', 'alice', WORLD_PASSWORD),
      login(app, 'patient', 'bob', WORLD_PASSWORD),
      login(app, 'doctor', 'drsmith', WORLD_PASSWORD),
      login(app, 'doctor', 'drjones', WORLD_PASSWORD),
      login(app, 'pharmacist', 'phil', WORLD_PASSWORD),
      login(app, 'admin', 'admin', 'admin'),
    ]);
  });

  after(async () => {
    await new Promise(resolve => server.close(resolve));
    await context.close();
  });

  describe('a report with files', () => {
    let reportId: number;
    let fileIds: string[];
    let html: string;
    const film = png(1_500_000); // over a chunk of every layer: busboy's, the cipher's, the store's

    before(async () => {
      ({ reportId, fileIds, html } = await reportWith([
        { name: 'chest film.png', bytes: film },
        { name: 'report.pdf', bytes: PDF },
        { name: 'lab-note.txt', bytes: NOTE },
      ]));
    });

    it('lists every file on the report page, images as thumbnails', () => {
      assert.equal(fileIds.length, 3);
      assertIncludes(html, 'chest film.png', 'report.pdf', 'lab-note.txt', 'PNG image, 1.4 MB', 'PDF', 'Text');
      assert.match(html, new RegExp(`<a class="files__open" href="/files/${fileIds[0]}"><img class="files__thumb" src="/files/${fileIds[0]}" alt=""[^>]*><span>chest film.png</span></a>`));
      assert.doesNotMatch(html, new RegExp(`<img class="files__thumb" src="/files/${fileIds[1]}"`), 'a PDF is no thumbnail');
    });

    it('gives each file back byte for byte, typed by its content, inline, with nosniff and a strict CSP', async () => {
      const expected = [
        { bytes: film, type: 'image/png' },
        { bytes: PDF, type: 'application/pdf' },
        { bytes: NOTE, type: 'text/plain; charset=utf-8' },
      ];
      for (const [i, id] of fileIds.entries()) {
        const res = await download(alice, id);
        assert.equal(res.status, 200);
        assert.ok(Buffer.compare(res.body as Buffer, expected[i].bytes) === 0, `file ${i} differs`);
        assert.equal(res.headers['content-type'], expected[i].type);
        assert.equal(res.headers['x-content-type-options'], 'nosniff');
        assert.match(res.headers['content-security-policy'], /default-src 'none'/);
        assert.match(res.headers['content-disposition'], /^inline; /);
        assert.equal(res.headers['cache-control'], 'private, no-store');
      }
      const named = await download(alice, fileIds[0], '?download');
      assert.equal(named.headers['content-disposition'], `attachment; filename="chest film.png"; filename*=UTF-8''chest%20film.png`);
    });

    it('keeps only sealed bytes at rest, and only hashes and ids on the ledger', async () => {
      const stored = fs.readFileSync(path.join(blobDir(), `${fileIds[2]}.blob`));
      assert.equal(stored.includes(Buffer.from('HbA1c')), false, 'the note is sealed');
      assert.equal((fs.statSync(path.join(blobDir(), `${fileIds[2]}.blob`)).mode & 0o777).toString(8), '600');
      // The body the ledger commits to lists the file with the hash of exactly these bytes.
      const listed = (await services.patients.report(world.users.alice, reportId)).checked;
      assert.equal(listed.integrity, 'verified');
      if (listed.integrity !== 'verified') return;
      assert.equal(listed.body.files?.[2].sha256, crypto.createHash('sha256').update(stored).digest('hex'));
      const block = await context.ledger.web3.eth.getTransaction((await context.store.readModel.report(reportId))?.transactionHash ?? '');
      assert.equal(String(block.input).includes(Buffer.from('lab-note').toString('hex')), false, 'no file name on the ledger');
    });

    it('keeps a file\'s name as its browser sent it (UTF-8), in any script', async () => {
      const own = await reportWith([{ name: 'Röntgen 心电图 ✓.txt', bytes: NOTE }], { title: 'Named in UTF-8' });
      assertIncludes(own.html, 'Röntgen 心电图 ✓.txt');
      const named = await download(alice, own.fileIds[0], '?download');
      assert.match(named.headers['content-disposition'], /filename\*=UTF-8''R%C3%B6ntgen%20%E5%BF%83%E7%94%B5%E5%9B%BE%20%E2%9C%93\.txt$/);
    });

    it('keeps no bidi override or isolate in a file\'s name: shown and sent back as it reads', async () => {
      // Shown as is, "scan\u202Egnp.txt" reads "scantxt.png": text that passes for an image.
      const own = await reportWith([{ name: 'scan\u202Egnp.txt', bytes: NOTE }, { name: '\u2066x\u2069ray\u202A.txt', bytes: NOTE }], { title: 'Bidi names' });
      const hidden = /[\u202A-\u202E\u2066-\u2069]/;
      assert.doesNotMatch(own.html, hidden);
      assertIncludes(own.html, 'scangnp.txt', 'xray.txt');
      const named = await download(alice, own.fileIds[0], '?download');
      assert.equal(named.headers['content-disposition'], `attachment; filename="scangnp.txt"; filename*=UTF-8''scangnp.txt`);
      const listed = (await services.patients.report(world.users.alice, own.reportId)).checked;
      assert.equal(listed.integrity, 'verified');
      if (listed.integrity !== 'verified') return;
      assert.deepEqual(listed.body.files?.map(file => file.name), ['scangnp.txt', 'xray.txt']);
    });

    it('serves a file to the owner and a doctor of a granted hospital, not to anyone else', async () => {
      assert.equal((await download(smith, fileIds[0])).status, 200, 'a doctor of Apollo (granted)');
      assert.equal((await download(jones, fileIds[0])).status, 403, 'a doctor of Fortis (never granted)');
      assert.equal((await download(bob, fileIds[0])).status, 404, 'another patient: no such record');
      assert.equal((await download(phil, fileIds[0])).status, 403, 'a pharmacist never reads a report');
      assert.equal((await download(admin, fileIds[0])).status, 403, 'the admin reads no health record');
      assert.equal((await supertest(app).get(`/files/${fileIds[0]}`)).status, 302, 'a visitor: to the login');
      assert.equal((await download(alice, crypto.randomUUID())).status, 404, 'an unknown file');
      assert.equal((await download(alice, 'not-a-file')).status, 404);
    });

    it("refuses a doctor once the hospital's grant has ended", async () => {
      const own = await reportWith([{ name: 'scan.png', bytes: png(2000) }], { title: 'Short grant' });
      assert.equal((await download(smith, own.fileIds[0])).status, 200);
      // An end that passes on the ledger's clock, as a grant with `until` does.
      const until = Math.floor(Date.now() / 1000) + 3600;
      await services.patients.share(world.users.alice, own.reportId, world.hospitals.Apollo, until);
      const rpc = (method: string, params: unknown[]) => context.ledger.web3.requestManager.send({ method, params });
      await rpc('evm_increaseTime', [7200]);
      await rpc('evm_mine', []);
      const ended = await download(smith, own.fileIds[0]);
      assert.equal(ended.status, 403);
      assert.equal((ended.body as Buffer).includes(Buffer.from(PNG_SIGNATURE)), false, 'no byte of the file');
    });

    it('withholds a file whose stored bytes changed, and says it was tampered with', async () => {
      const blob = path.join(blobDir(), `${fileIds[1]}.blob`);
      const original = fs.readFileSync(blob);
      const changed = Buffer.from(original);
      changed[40] ^= 0x01;
      fs.writeFileSync(blob, changed);
      try {
        const res = await download(alice, fileIds[1]);
        assert.equal(res.status, 409);
        assertIncludes(res.text ?? (res.body as Buffer).toString('utf8'), 'report.pdf', 'changed after it was saved');
        assert.equal((res.body as Buffer).includes(Buffer.from('%PDF')), false);
      } finally {
        fs.writeFileSync(blob, original);
      }
      assert.equal((await download(alice, fileIds[1])).status, 200, 'restored: served again');
    });

    it('npm run tamper -- <id> --file: caught by the page and by the integrity check, and undone', async () => {
      const clean = await services.integrity.run();
      assert.equal(clean.files.problems.length, 0);
      assert.ok(clean.files.verified >= 3);
      const { fileId, unchanged } = await tamperWithFile(context.store, reportId);
      assert.equal(unchanged, false);
      assert.equal((await tamperWithFile(context.store, reportId)).unchanged, true, 'a second run says so');
      assert.equal((await download(alice, fileId)).status, 409);
      const caught = await services.integrity.run();
      assert.deepEqual(caught.files.problems.map(p => [p.fileId, p.reportId, p.integrity]), [[fileId, reportId, 'tampered']]);
      assert.equal(caught.files.verified, clean.files.verified - 1);
      const integrityPage = await page(admin, '/admin/integrity');
      assertIncludes(integrityPage, fileId, 'Tampered');
      assertExcludes(integrityPage, 'chest film', 'lab-note', 'report.pdf'); // a file's name is the patient's
      assert.equal((await restoreFile(context.store, reportId)).unchanged, false);
      assert.equal((await download(alice, fileId)).status, 200);
      assert.equal((await services.integrity.run()).files.problems.length, 0);
    });
  });

  describe('a prescription with files', () => {
    it('is served to the patient, the doctor, and the pharmacy it was sent to', async () => {
      const { reportId } = await reportWith([], { title: 'Follow-up' });
      const csrf = csrfFrom(await page(smith, `/doctor/reports/${reportId}`));
      const res = await smith
        .post(`/doctor/reports/${reportId}/prescriptions`)
        .field('_csrf', csrf)
        .field('medicines', 'Amoxicillin 500 mg')
        .field('dosage', 'Three times a day')
        .field('instructions', 'See the scanned note')
        .attach('files', NOTE, { filename: 'scanned-note.txt' });
      assert.equal(res.status, 303, fieldErrorsOf(res));
      const [id] = fileIdsIn(await page(alice, `/patient/reports/${reportId}`));
      assert.ok(id, 'the patient sees the prescription file');
      assert.deepEqual(fileIdsIn(await page(smith, `/doctor/reports/${reportId}`)), [id]);
      assert.equal((await download(phil, id)).status, 403, 'not sent to MedPlus yet');
      const medplus = (await services.pharmacy.pharmacies())[0].id;
      await services.pharmacy.send(world.users.alice, { reportId, index: 0 }, medplus);
      const served = await download(phil, id);
      assert.equal(served.status, 200);
      assert.ok(Buffer.compare(served.body as Buffer, NOTE) === 0);
    });

    it("is served to an insurer while a claim on its report is open, and to a doctor under break-glass", async () => {
      const { reportId, fileIds } = await reportWith([{ name: 'bill.pdf', bytes: PDF }], { title: 'Hospital bill' });
      const [bill] = fileIds;
      const star = (await services.admin.addOrganisation('insurer', { name: 'Star Health', address: 'Anna Salai 2', phone: '333' })).organisationId;
      await services.admin.addStaff('insurer', { username: 'ira', fullName: 'Ira Menon', password: WORLD_PASSWORD, email: 'ira@example.org', organisationId: star });
      const ira = await login(app, 'insurer', 'ira', WORLD_PASSWORD);
      assert.equal((await download(ira, bill)).status, 403, 'no claim yet');
      const { claimId } = await services.insurers.file(world.users.alice, { reportId, insurerId: star, amount: 1200 });
      assert.equal((await download(ira, bill)).status, 200, 'a claim open on the report');
      const iraId = (await context.store.users.findByUsername('ira'))?.id ?? 0;
      await services.insurers.decide(iraId, claimId, { decision: 'reject', note: 'Not covered by the policy' });
      assert.equal((await download(ira, bill)).status, 403, 'decided: the claim no longer opens the report');

      assert.equal((await download(jones, bill)).status, 403, 'a doctor with no grant');
      await services.emergencies.open(world.users.drjones, { patient: 'alice', reason: 'Unconscious after a fall; needs her history now' });
      assert.equal((await download(jones, bill)).status, 200, 'break-glass opens every record of the patient');
    });
  });

  describe('what is refused', () => {
    let before: { blobs: string[]; rows: string[] };
    beforeEach(async () => {
      before = { blobs: storedBlobs(), rows: await fileRows() };
    });
    const nothingLeft = async () => {
      assert.deepEqual(storedBlobs(), before.blobs, 'no stored bytes left behind');
      assert.deepEqual(await fileRows(), before.rows, 'no file rows left behind');
    };
    const refusedForm = async (res: Response, status: number, message: RegExp) => {
      assert.equal(res.status, status);
      assert.match(fieldErrors(res.text)['r-files'] ?? '', message);
      assert.equal(fieldValue(res.text, 'r-title'), escapeHtml('Kept title'), 'what was typed is kept');
      await poll(async () => storedBlobs().length === before.blobs.length && (await fileRows()).length === before.rows.length, 'the refused files to be removed');
      await nothingLeft();
    };
    const fields = { ...REPORT, title: 'Kept title' };

    it('415: a .png that is not a PNG, a type not allowed, binary bytes as text', async () => {
      await refusedForm(await postReport(alice, fields, [{ name: 'photo.png', bytes: NOTE }]), 415, /photo\.png.*not a PNG/);
      await refusedForm(await postReport(alice, fields, [{ name: 'setup.exe', bytes: PDF }]), 415, /\.exe/);
      const gif = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from([0, 1, 2, 3, 0, 0])]);
      await refusedForm(await postReport(alice, fields, [{ name: 'scan', bytes: gif }]), 415, /binary/);
      await refusedForm(await postReport(alice, fields, [{ name: 'latin1.txt', bytes: Buffer.from([0x63, 0x61, 0x66, 0xe9]) }]), 415, /UTF-8/);
      await refusedForm(await postReport(alice, fields, [{ name: 'ok.txt', bytes: NOTE }, { name: 'photo.jpg', bytes: PDF }]), 415, /photo\.jpg.*PDF/);
    });

    it('413: a file over MAX_FILE_MB; 400: an empty file, more than five files', async () => {
      await refusedForm(await postReport(alice, fields, [{ name: 'huge.png', bytes: png(2 * 1024 * 1024 + 1) }]), 413, /larger than 2 MB/);
      await refusedForm(await postReport(alice, fields, [{ name: 'empty.txt', bytes: Buffer.alloc(0) }]), 400, /empty/);
      const six = Array.from({ length: 6 }, (_, i) => ({ name: `n${i}.txt`, bytes: NOTE }));
      await refusedForm(await postReport(alice, fields, six), 400, /at most 5 files/);
    });

    it('a form refused for its fields leaves its files behind it', async () => {
      const res = await postReport(alice, { ...fields, disease: '' }, [{ name: 'ok.png', bytes: png(5000) }]);
      assert.equal(res.status, 400);
      await poll(async () => storedBlobs().length === before.blobs.length, 'the files of a refused form to be removed');
      await nothingLeft();
    });

    it('an upload cut off half-way leaves nothing', async () => {
      const csrf = csrfFrom(await page(alice, '/patient'));
      const cookie = (alice as unknown as { jar: { getCookies(o: object): { toValueString(): string }[] } }).jar
        .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
        .map(c => c.toValueString())
        .join('; ');
      const address = server.address();
      assert.ok(address && typeof address === 'object');
      const boundary = 'cutoffboundary';
      const head = [
        `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`,
        `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nCut\r\n`,
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="whole.txt"\r\nContent-Type: text/plain\r\n\r\n${NOTE.toString('utf8')}\r\n`,
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="cut.png"\r\nContent-Type: image/png\r\n\r\n`,
      ].join('');
      const socket = net.connect(address.port, '127.0.0.1');
      await new Promise(resolve => socket.once('connect', resolve));
      socket.write(
        `POST /patient/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 3000000\r\n\r\n${head}`,
      );
      socket.write(png(600_000));
      // The server has stored the whole file and is part-way through the second when the client goes.
      await poll(() => storedBlobs().some(name => name.endsWith('.part')) || storedBlobs().length > before.blobs.length, 'the upload to reach storage');
      socket.destroy();
      await poll(async () => storedBlobs().length === before.blobs.length && (await fileRows()).length === before.rows.length, 'the cut upload to be removed');
      await nothingLeft();
      assertExcludes(await page(alice, '/patient'), '>Cut<');
    });
  });
});
