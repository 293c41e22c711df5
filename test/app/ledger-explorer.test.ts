/**
 * The ledger for everyone in the class (issue 19): the explorer for every signed-in role,
 * pseudonymous for all but the admin; the search; accounts and the contract; "what just happened
 * on the ledger" after every act of every role; a record's two hashes side by side; and the
 * tamper lab, whose block hash (from the RLP header and a Merkle-Patricia trie of the
 * transactions) equals the node's for an unchanged copy and differs for a changed one.
 */
import assert from 'node:assert/strict';
import type { Express } from 'express';
import supertest from 'supertest';
import type { AppContext } from '../../src/context';
import { restoreReport, tamperWithReport } from '../../src/features/records/tamper';
import type { Services } from '../../src/services';
import { startTestApp } from '../support/context';
import {
  assertExcludes, assertIncludes, escapeHtml, fieldErrors, followSaved, ledgerFlash, login, page, post, signupPatient, type Agent, type Response,
} from '../support/http';
import { addressOf } from '../support/world';

const PASSWORD = 'explorer-pass-42';

/** Everyone of the class, with the names and emails no one but they and the admin may see on the ledger's pages. */
const PEOPLE = {
  alice: { role: 'patient', fullName: 'Alice Kumar', email: 'alice.k@example.org' },
  bob: { role: 'patient', fullName: 'Bob Reddy', email: 'bob.r@example.org' },
  drsmith: { role: 'doctor', fullName: 'John Smith', email: 'smith.j@example.org' },
  drrao: { role: 'doctor', fullName: 'Priya Rao', email: 'rao.p@example.org' },
  meena: { role: 'pharmacist', fullName: 'Meena Iyer', email: 'meena.i@example.org' },
  vikram: { role: 'insurer', fullName: 'Vikram Shah', email: 'vikram.s@example.org' },
} as const;
type Person = keyof typeof PEOPLE;

/** What a page may not show to `viewer`: everyone else's username, full name and email. */
const othersOf = (viewer: Person) =>
  (Object.entries(PEOPLE) as [Person, (typeof PEOPLE)[Person]][])
    .filter(([username]) => username !== viewer)
    .flatMap(([username, person]) => [username, person.fullName, person.email]);

/** The "what just happened on the ledger" panel of a page. */
function panelOf(html: string): string {
  const match = /<section class="ledger-panel"[\s\S]*?<\/section>/.exec(html);
  assert.ok(match, 'the page has no "what just happened on the ledger" panel');
  return match[0];
}

describe('the ledger for everyone (issue 19)', function () {
  this.timeout(240_000);

  let context: AppContext;
  let services: Services;
  let app: Express;
  let admin: Agent;
  const agents = {} as Record<Person, Agent>;
  const ids: Record<string, number> = {};
  /** Each act's page after its write, with who did it and what the panel must name. */
  const acts: { label: string; by: Person | 'admin' | 'anonymous'; html: string; fn: string; events: string[] }[] = [];
  let reportId: number;
  let report: { transactionHash: string; blockNumber: number };

  /** Posts an act's form and follows it to the page that shows what happened. */
  async function act(
    label: string,
    by: Person | 'admin',
    action: string,
    fields: Record<string, string | string[]>,
    location: string | RegExp,
    fn: string,
    events: string[],
  ): Promise<{ html: string; location: string; transactionHash: string; blockNumber: number }> {
    const agent = by === 'admin' ? admin : agents[by];
    const res: Response = await post(agent, by === 'admin' ? '/admin' : '/account/password', action, fields);
    assert.equal(res.status, 303, `${label}: ${res.status} ${res.text.slice(0, 1500)}`);
    if (typeof location === 'string') assert.equal(res.headers.location, location);
    else assert.match(res.headers.location, location);
    const saved = await followSaved(agent, res, res.headers.location);
    acts.push({ label, by, html: saved.page, fn, events });
    return { html: saved.page, location: res.headers.location, transactionHash: saved.transactionHash, blockNumber: saved.blockNumber };
  }

  before(async () => {
    ({ context, services, app } = await startTestApp());
    admin = await login(app, 'admin', 'admin', 'admin');
    const organisation = async (path: string, name: string, fn: string) => {
      const res = await act(`the admin adds ${name}`, 'admin', path, { name, address: `${name} Road 1`, phone: '+1 555 0101' }, '/admin', fn, ['OrganisationAdded']);
      const id = new RegExp(`<tr><td(?: data-label="Id")?>(\\d+)</td><td(?: data-label="Name")?>${name}</td>`).exec(res.html);
      assert.ok(id, `${name} is not listed`);
      ids[name] = Number(id[1]);
    };
    await organisation('/admin/hospitals', 'Apollo', 'addOrganisation');
    await organisation('/admin/hospitals', 'Care', 'addOrganisation');
    await organisation('/admin/pharmacies', 'MedPlus', 'addOrganisation');
    await organisation('/admin/insurers', 'StarHealth', 'addOrganisation');
    const staff = async (path: string, username: Person, organisationField: string, organisationId: number, extra: Record<string, string> = {}) => {
      const { fullName, email } = PEOPLE[username];
      await act(`the admin adds ${username}`, 'admin', path, { fullName, username, password: PASSWORD, email, [organisationField]: String(organisationId), ...extra }, '/admin', 'addStaff', ['StaffAdded']);
    };
    await staff('/admin/doctors', 'drsmith', 'hospitalId', ids.Apollo, { specialty: 'Orthopaedics' });
    await staff('/admin/doctors', 'drrao', 'hospitalId', ids.Care, { specialty: 'General' });
    await staff('/admin/pharmacists', 'meena', 'pharmacyId', ids.MedPlus);
    await staff('/admin/insurer-staff', 'vikram', 'insurerId', ids.StarHealth);
    for (const username of ['alice', 'bob'] as const) {
      const { fullName, email } = PEOPLE[username];
      const saved = await signupPatient(app, { username, password: PASSWORD, email, fullName, phone: '+1 555 0100' });
      acts.push({ label: `${username} signs up`, by: 'anonymous', html: saved.page, fn: 'registerPatient', events: ['PatientRegistered'] });
    }
    for (const username of Object.keys(PEOPLE) as Person[]) agents[username] = await login(app, PEOPLE[username].role, username, PASSWORD);

    const added = await act(
      'alice adds a report',
      'alice',
      '/patient/reports',
      { title: 'Knee scan', disease: 'Sprain', details: 'Swollen knee after a fall.', hospitalIds: [String(ids.Apollo), String(ids.Care)] },
      '/patient',
      'addReport',
      ['ReportAdded', 'ReportShared'],
    );
    reportId = Number(/saved on the ledger as report #(\d+)\./.exec(added.html)![1]);
    report = added;
    await act('alice revokes Care', 'alice', `/patient/reports/${reportId}/revoke`, { hospitalId: String(ids.Care) }, `/patient/reports/${reportId}`, 'revokeReport', ['ReportRevoked']);
    await act('alice shares with Care again, with an end', 'alice', `/patient/reports/${reportId}/share`, { hospitalId: String(ids.Care), until: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10) }, `/patient/reports/${reportId}`, 'shareReport', ['ReportShared']);
    assert.equal((await agents.drsmith.get(`/doctor/reports/${reportId}`)).status, 200);
    await services.background.settled();
    await act(
      'drsmith prescribes',
      'drsmith',
      `/doctor/reports/${reportId}/prescriptions`,
      { medicines: 'Ibuprofen 400 mg', dosage: 'Twice a day', instructions: 'After meals' },
      `/doctor/reports/${reportId}`,
      'addPrescription',
      ['PrescriptionAdded'],
    );
    await act('alice sends the prescription to MedPlus', 'alice', `/patient/prescriptions/${reportId}-0/send`, { pharmacyId: String(ids.MedPlus) }, `/patient/reports/${reportId}`, 'sendPrescription', ['PrescriptionSent']);
    await act('meena dispenses it', 'meena', `/pharmacist/prescriptions/${reportId}-0/dispense`, {}, '/pharmacist', 'dispensePrescription', ['PrescriptionDispensed']);
    const claim = await act('alice files a claim', 'alice', '/patient/claims', { reportId: String(reportId), insurerId: String(ids.StarHealth), amount: '18500' }, `/patient/reports/${reportId}`, 'fileClaim', ['ClaimFiled']);
    ids.claim = Number(/Claim #(\d+) filed/.exec(claim.html)![1]);
    await act('vikram approves it', 'vikram', `/insurer/claims/${ids.claim}/decide`, { decision: 'approve', amount: '15000', note: '' }, `/insurer/claims/${ids.claim}`, 'approveClaim', ['ClaimDecided']);
    const emergency = await act(
      'drsmith opens an emergency access to bob',
      'drsmith',
      '/doctor/emergency',
      { patient: 'bob', reason: 'Brought in unconscious: need allergies and history' },
      /^\/doctor\/emergency\/\d+$/,
      'openEmergency',
      ['EmergencyOpened'],
    );
    ids.emergency = Number(/(\d+)$/.exec(emergency.location)![1]);
    await act('bob ends it', 'bob', `/patient/emergency/${ids.emergency}/end`, {}, '/patient', 'endEmergency', ['EmergencyEnded']);
    await act('the admin removes drrao', 'admin', '/admin/staff/drrao/remove', {}, '/admin', 'removeStaff', ['StaffRemoved']);
    agents.drrao = supertest.agent(app); // removed: signed out from now on
    await services.background.settled();
  });

  after(async () => {
    await services?.background.settled();
    await context?.close();
  });

  describe('what just happened on the ledger', () => {
    it('follows every act of every role with a panel: function, arguments, events, gas, fee in ETH, block and the transaction', async () => {
      assert.ok(acts.length >= 20, `only ${acts.length} acts`);
      for (const { label, html, fn, events } of acts) {
        const panel = panelOf(html);
        const saved = ledgerFlash(html)!;
        assertIncludes(panel, 'What just happened on the ledger', `<span class="mono">${fn}</span>`, ' gas × ', ' ETH</strong> fee', `href="/ledger/tx/${saved.transactionHash}"`);
        assertIncludes(panel, `<a href="/ledger/blocks/${saved.blockNumber}">${saved.blockNumber}</a>`);
        for (const event of events) assert.ok(panel.includes(`<strong class="mono">${event}</strong>`), `${label}: the panel does not name ${event}`);
        const { receipt } = (await context.ledger.chain.transaction(saved.transactionHash))!;
        assertIncludes(panel, `${receipt.gasUsed.toLocaleString('en-US')} gas`);
      }
    });

    it('says what the act did in a line, with ids and organisations', () => {
      const line = (label: string) => /<strong>What just happened on the ledger:<\/strong> ([^<]*)<\/p>/.exec(panelOf(acts.find(a => a.label === label)!.html))![1];
      assert.equal(line('alice adds a report'), `addReport: report ${reportId} added, shared with 2 hospitals`);
      assert.equal(line('alice revokes Care'), `revokeReport: report ${reportId} no longer shared with Care`);
      assert.equal(line('meena dispenses it'), `dispensePrescription: prescription 0 of report ${reportId} dispensed at MedPlus`);
      assert.equal(line('the admin adds drsmith'), 'addStaff: a doctor added at Apollo');
      assert.equal(line('the admin adds Care'), `addOrganisation: hospital #${ids.Care} “Care” added`);
      assert.equal(line('vikram approves it'), `approveClaim: claim #${ids.claim} approved for 15000`);
    });

    it('shows ids and hashes, never text: a name passed to the contract is shown as its length', () => {
      const panel = panelOf(acts.find(a => a.label === 'the admin adds StarHealth')!.html);
      assertIncludes(panel, 'text, 10 characters');
      assertExcludes(panel.replace(/<p class="ledger-panel__title">[\s\S]*?<\/p>/, ''), '“StarHealth”');
      const prescribed = panelOf(acts.find(a => a.label === 'drsmith prescribes')!.html);
      assertExcludes(prescribed, 'Ibuprofen', 'Twice a day', 'After meals');
      assertExcludes(panelOf(acts.find(a => a.label === 'alice adds a report')!.html), 'Knee scan', 'Sprain', 'Swollen');
    });

    it("names no one but the reader in a non-admin's panel; marks the reader's account as theirs", () => {
      for (const { label, by, html } of acts.filter(a => a.by !== 'admin')) {
        const panel = panelOf(html);
        if (by !== 'anonymous' && by !== 'admin') {
          assertExcludes(panel, ...othersOf(by));
          assert.ok(panel.includes('<strong class="you">you</strong>'), `${label}: the reader is not marked`);
        } else {
          assertExcludes(panel, ...othersOf('alice'), 'alice');
        }
      }
      // The admin sees the people behind the addresses.
      assertIncludes(panelOf(acts.find(a => a.label === 'the admin adds drsmith')!.html), 'John Smith (drsmith)');
    });

    it("shows the panel only once, as the flash: the message keeps the transaction's hash, not the panel", async () => {
      const again = await page(agents.alice, '/patient');
      assertExcludes(again, 'What just happened on the ledger');
    });
  });

  describe('the explorer, for every role', () => {
    /** Every page of blocks, newest first. */
    async function blockPages(agent: Agent): Promise<string[]> {
      const pages = [await page(agent, '/ledger')];
      for (let older = /href="\/ledger\?before=(\d+)" rel="next"/.exec(pages[0]); older; older = /href="\/ledger\?before=(\d+)" rel="next"/.exec(pages.at(-1)!)) {
        pages.push(await page(agent, `/ledger?before=${older[1]}`));
      }
      return pages;
    }

    it('says what its links prove on a single node: a changed database, not the node\'s own operator', async () => {
      const html = await page(agents.alice, '/ledger');
      assertIncludes(html, 'tamper-evident. On a single node', 'not whoever runs the node', 'copies of the chain kept by several parties');
    });

    it('lists every block with what happened in it, each hash and transaction a link', async () => {
      const html = (await blockPages(agents.alice)).join('\n');
      const latest = await context.ledger.chain.latestBlockNumber();
      for (let n = 0; n <= latest; n++) assertIncludes(html, `<a href="/ledger/blocks/${n}">${n}</a>`);
      assertIncludes(
        html,
        `<a href="/ledger/tx/${report.transactionHash}">addReport: report ${reportId} added, shared with 2 hospitals</a>`,
        'registerPatient: a patient registered',
        'transfer of 0.1 ETH (gas money for an account)',
        `fileClaim: claim #${ids.claim} on report ${reportId} filed with StarHealth for 18500`,
        `openEmergency: emergency access #${ids.emergency} opened at Apollo for 24 hours`,
        `removeStaff: a doctor of Care removed`,
      );
      const block = (await context.ledger.chain.block(report.blockNumber))!;
      assertIncludes(html, `<a class="mono hash" href="/ledger/blocks/${report.blockNumber}" title="${block.hash}">`, `<a class="mono hash" href="/ledger/blocks/${report.blockNumber - 1}" title="${block.parentHash}">`);
      assertExcludes(html, 'Broken link');
    });

    for (const viewer of Object.keys(PEOPLE).filter(name => name !== 'drrao') as Person[]) {
      it(`shows ${viewer} addresses, organisations and their own account as "you", and no one else's username, name or email`, async () => {
        const agent = agents[viewer];
        const me = addressOf(context, viewer);
        const accounts = (Object.keys(PEOPLE) as Person[]).map(name => addressOf(context, name));
        const pages = [
          ...(await blockPages(agent)),
          await page(agent, `/ledger/blocks/${report.blockNumber}`),
          await page(agent, `/ledger/tx/${report.transactionHash}`),
          await page(agent, '/ledger/contract'),
          ...(await Promise.all(accounts.map(address => page(agent, `/ledger/accounts/${address}`)))),
          await page(agent, `/ledger/accounts/${context.ledger.admin.address}`),
        ];
        // Every transaction of the chain, decoded.
        const latest = await context.ledger.chain.latestBlockNumber();
        for (let n = 0; n <= latest; n++) {
          const block = await page(agent, `/ledger/blocks/${n}`);
          pages.push(block);
          for (const [, hash] of block.matchAll(/href="\/ledger\/tx\/(0x[0-9a-f]{64})"/g)) pages.push(await page(agent, `/ledger/tx/${hash}`));
        }
        // The header names the reader: what is left of each page is the ledger's.
        const body = (html: string) => html.replace(/<header class="site-header">[\s\S]*?<\/header>/, '');
        for (const html of pages.map(body)) assertExcludes(html, ...othersOf(viewer));
        const all = pages.join('\n');
        assertIncludes(all, `<a href="/ledger/accounts/${me}">My account</a>`, '<strong class="you">you</strong>', 'Apollo', 'MedPlus', 'StarHealth', 'a patient', viewer === 'drsmith' ? 'a doctor at Care' : 'a doctor at Apollo');
        const mine = await page(agent, `/ledger/accounts/${me}`);
        assertIncludes(mine, '<strong class="you">you</strong>', `<dt>Role</dt><dd>${PEOPLE[viewer].role}</dd>`, ' ETH</dd>');
      });
    }

    it('shows the admin the people behind the addresses', async () => {
      const html = await page(admin, `/ledger/tx/${report.transactionHash}`);
      assertIncludes(html, 'Alice Kumar (alice)', 'EHR contract');
      assertIncludes(await page(admin, `/ledger/accounts/${addressOf(context, 'drsmith')}`), 'John Smith (drsmith)', '<dt>Role</dt><dd>doctor</dd>');
    });

    it("shows an account's role, balance and its acts, each a link to its transaction", async () => {
      const html = await page(agents.bob, `/ledger/accounts/${addressOf(context, 'alice')}`);
      assertIncludes(html, '<dt>Who</dt><dd>a patient</dd>', '<dt>Role</dt><dd>patient</dd>', `href="/ledger/tx/${report.transactionHash}"`, 'revokeReport', 'fileClaim', 'registerPatient');
      const balance = await context.ledger.chain.account(addressOf(context, 'alice'));
      assert.ok(html.includes(`<dt>Transactions sent</dt><dd>${balance.sent}`));
      const doctor = await page(agents.bob, `/ledger/accounts/${addressOf(context, 'drsmith')}`);
      assertIncludes(doctor, 'a doctor at Apollo', 'addPrescription', 'openEmergency');
      const unknown = await page(agents.bob, `/ledger/accounts/0x${'12'.repeat(20)}`);
      assertIncludes(unknown, 'an account this app does not know', '<dd>0 ETH</dd>');
    });

    it("shows the contract: its address, code hash, deployment transaction, functions and events", async () => {
      const html = await page(agents.meena, '/ledger/contract');
      const code = await context.ledger.chain.account(context.ledger.deployment.address);
      const { utils } = await import('web3');
      assertIncludes(
        html,
        context.ledger.deployment.address.toLowerCase(),
        utils.keccak256(code.code),
        `href="/ledger/tx/${context.ledger.deployment.transactionHash}"`,
        'addReport(bytes32 commitment, uint256[] hospitalIds, uint256 until)',
        '— writes',
        'reportCount()',
        '— reads',
        'ReportAdded(uint256 indexed reportId, address indexed patient, bytes32 commitment)',
      );
    });

    it('answers 404 for an unknown or malformed block, transaction or account', async () => {
      for (const path of ['/ledger/blocks/999999', '/ledger/blocks/999999/lab', `/ledger/tx/0x${'ab'.repeat(32)}`, '/ledger/accounts/0x12', '/ledger/accounts/alice']) {
        assert.equal((await agents.alice.get(path)).status, 404, path);
      }
    });
  });

  describe('search', () => {
    const search = (q: string) => agents.drsmith.get(`/ledger/search?q=${encodeURIComponent(q)}`);

    it('finds a transaction by its hash, a block by its number or hash, an account by its address and a report by its id', async () => {
      const block = (await context.ledger.chain.block(report.blockNumber))!;
      const alice = addressOf(context, 'alice');
      const cases: [string, string][] = [
        [report.transactionHash, `/ledger/tx/${report.transactionHash}`],
        [report.transactionHash.toUpperCase().replace('0X', '0x'), `/ledger/tx/${report.transactionHash}`],
        [` ${report.blockNumber} `, `/ledger/blocks/${report.blockNumber}`],
        ['0', '/ledger/blocks/0'],
        [block.hash, `/ledger/blocks/${report.blockNumber}`],
        [alice, `/ledger/accounts/${alice}`],
        [alice.toUpperCase().replace('0X', '0x'), `/ledger/accounts/${alice}`],
        [`#${reportId}`, `/ledger/tx/${report.transactionHash}`],
        [`report ${reportId}`, `/ledger/tx/${report.transactionHash}`],
      ];
      for (const [q, location] of cases) {
        const res = await search(q);
        assert.equal(res.status, 302, q);
        assert.equal(res.headers.location, location, q);
      }
    });

    it('answers garbage, and keys of nothing on this ledger, with a 404 page that keeps what was typed', async () => {
      for (const q of ['garbage', '', '<script>x</script>', `0x${'ab'.repeat(32)}`, '99999999', '#99999', 'report 0x1', `0x${'ab'.repeat(21)}`]) {
        const res = await search(q);
        assert.equal(res.status, 404, q);
        assertIncludes(res.text, 'Not found on the ledger', `value="${escapeHtml(q)}"`);
      }
    });

    it('is for the signed-in: the anonymous are sent to the home page', async () => {
      const res = await supertest(app).get('/ledger/search?q=1');
      assert.equal(res.status, 302);
      assert.equal(res.headers.location, '/');
    });
  });

  describe("a record's integrity, both hashes side by side", () => {
    it('shows the hash on the ledger and the hash computed now, equal, when Verified', async () => {
      const onLedger = (await context.ledger.client.report(reportId)).commitment.toLowerCase();
      for (const [agent, path] of [[agents.alice, `/patient/reports/${reportId}`], [agents.drsmith, `/doctor/reports/${reportId}`]] as const) {
        const html = await page(agent, path);
        assertIncludes(html, 'Verified on the ledger', 'The two hashes are equal');
        const hashes = [...html.matchAll(/<dt>Hash (?:on the ledger|of the stored copy)[^<]*<\/dt><dd class="mono">(0x[0-9a-f]{64})<\/dd>/g)].map(m => m[1]);
        assert.deepEqual(hashes, [onLedger, onLedger]);
      }
    });

    it('shows both hashes, different, when Tampered', async () => {
      const onLedger = (await context.ledger.client.report(reportId)).commitment.toLowerCase();
      await tamperWithReport(context.store, reportId);
      const html = await page(agents.alice, `/patient/reports/${reportId}`);
      assertIncludes(html, 'Tampered', 'The two hashes differ');
      const hashes = [...html.matchAll(/<dt>Hash (?:on the ledger|of the stored copy)[^<]*<\/dt><dd class="mono">(0x[0-9a-f]{64})<\/dd>/g)].map(m => m[1]);
      assert.equal(hashes.length, 2);
      assert.equal(hashes[0], onLedger);
      assert.notEqual(hashes[1], onLedger);
      await restoreReport(context.store, reportId);
      assertIncludes(await page(agents.alice, `/patient/reports/${reportId}`), 'The two hashes are equal');
    });
  });

  describe('the tamper lab', () => {
    it("recomputes an unchanged block's hash from its RLP header: the node's, for every block of the chain", async () => {
      const latest = await context.ledger.chain.latestBlockNumber();
      assert.ok(latest > 20);
      for (let n = 0; n <= latest; n++) {
        const node = (await context.ledger.chain.block(n))!;
        const lab = await services.lab.recompute(n);
        assert.equal(lab.real.recomputed, node.hash, `block ${n}`);
        assert.equal(lab.copy.hash, node.hash, `block ${n}`);
        assert.equal(lab.copy.transactionsRoot, lab.real.transactionsRoot, `block ${n}`);
        assert.equal(lab.changed, false);
      }
    });

    it('gives a changed copy another transactions root and hash, which the next block does not point at; the chain is untouched', async () => {
      const n = report.blockNumber;
      const before = await context.ledger.chain.block(n);
      const latest = await context.ledger.chain.latestBlockNumber();
      const raw = (await context.ledger.chain.rawBlock(n))!;
      // One digit of the report's commitment, in the call's input data.
      const input = raw.transactions[0].input;
      const edited = `${input.slice(0, 20)}${input[20] === '0' ? '1' : '0'}${input.slice(21)}`;
      const lab = await services.lab.recompute(n, { transactions: [{ input: edited }] });
      assert.equal(lab.real.recomputed, before!.hash);
      assert.notEqual(lab.copy.hash, before!.hash);
      assert.notEqual(lab.copy.transactionsRoot, lab.real.transactionsRoot);
      assert.notEqual(lab.transactions[0].copy.hash, lab.transactions[0].real.hash);
      assert.equal(lab.next!.parentHash, before!.hash);
      assert.notEqual(lab.next!.parentHash, lab.copy.hash);
      assert.equal(lab.changed, true);
      // Only the time: the transactions root stays, the hash changes.
      const retimed = await services.lab.recompute(n, { timestamp: String(Number(raw.timestamp) + 1), transactions: [] });
      assert.equal(retimed.copy.transactionsRoot, retimed.real.transactionsRoot);
      assert.notEqual(retimed.copy.hash, before!.hash);
      // The value, and where it goes.
      const moved = await services.lab.recompute(n, { transactions: [{ value: '1.5', to: `0x${'ab'.repeat(20)}` }] });
      assert.notEqual(moved.copy.hash, before!.hash);
      assert.equal(moved.transactions[0].copy.valueEther, '1.5');

      assert.equal(await context.ledger.chain.latestBlockNumber(), latest);
      assert.deepEqual(await context.ledger.chain.block(n), before);
    });

    it('is a page every role can use: the form, then the copy recomputed and the broken link said', async () => {
      const n = report.blockNumber;
      const node = (await context.ledger.chain.block(n))!;
      const start = await page(agents.vikram, `/ledger/blocks/${n}`);
      assertIncludes(start, `href="/ledger/blocks/${n}/lab">What if this block were changed?</a>`);
      const lab = await page(agents.vikram, `/ledger/blocks/${n}/lab`);
      assertIncludes(lab, 'The copy, unchanged, is the block', `<span class="mono" id="copy-hash">${node.hash}</span>`, 'the same: these sums are the node', 'points at your copy');
      const raw = (await context.ledger.chain.rawBlock(n))!;
      const res = await post(agents.vikram, `/ledger/blocks/${n}/lab`, `/ledger/blocks/${n}/lab`, { timestamp: String(Number(raw.timestamp)), 'input-0': `${raw.transactions[0].input.slice(0, -1)}f`.replace(/ff$/, 'fe'), 'value-0': '0', 'to-0': raw.transactions[0].to! });
      assert.equal(res.status, 200);
      assertIncludes(res.text, 'Your copy no longer fits the chain', 'does not point at your copy: the chain is broken here', 'not the real block');
      assertExcludes(res.text, `id="copy-hash">${node.hash}<`);
    });

    it('answers an edit that is not a value of its field with 400, the form as typed and what is wrong', async () => {
      const n = report.blockNumber;
      const res = await post(agents.alice, `/ledger/blocks/${n}/lab`, `/ledger/blocks/${n}/lab`, { timestamp: 'noon', 'input-0': '0xabc', 'value-0': '-1', 'to-0': 'nobody' });
      assert.equal(res.status, 400);
      assert.deepEqual(Object.keys(fieldErrors(res.text)).sort(), ['lab-input-0', 'lab-timestamp', 'lab-to-0', 'lab-value-0']);
      assertIncludes(res.text, 'value="noon"', '>0xabc</textarea>');
      assertExcludes(res.text, 'Your copy no longer fits the chain');
    });
  });
});
