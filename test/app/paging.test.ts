/**
 * Paged dashboards (issue 6): the patient's and the doctor's lists show 25 reports a page,
 * newest first, with Newer/Older links; a page past the end, or a page that is not a number,
 * is 404. 27 reports are made through the service on a real ledger; the pages are read over HTTP.
 */
import assert from 'node:assert/strict';
import type { Express } from 'express';
import { HtmlValidate } from 'html-validate';
import type { AppContext } from '../../src/context';
import { PAGE_SIZE } from '../../src/web/paging';
import { startTestApp } from '../support/context';
import { extractReportIds, login, page, type Agent } from '../support/http';
import { seedWorld } from '../support/world';

const PASSWORD = 'paging-pass-42';
const REPORTS = PAGE_SIZE + 2; // two pages: 25 and 2

// The server's HTML as sent (template whitespace included), checked like the browser tests check theirs.
const htmlValidate = new HtmlValidate({
  extends: ['html-validate:recommended'],
  rules: { 'no-trailing-whitespace': 'off', 'form-dup-name': ['error', { shared: ['checkbox'] }] },
});

/** The pager's links on a page, by their rel. */
function pagerLinks(html: string): Record<string, string> {
  const nav = /<nav class="pager"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '';
  return Object.fromEntries([...nav.matchAll(/<a href="([^"]+)" rel="(prev|next)">/g)].map(m => [m[2], m[1]]));
}

describe('paged dashboards', function () {
  this.timeout(180_000);
  let context: AppContext;
  let app: Express;
  let patient: Agent, doctor: Agent;
  const ids: number[] = []; // newest first

  before(async () => {
    const started = await startTestApp();
    context = started.context;
    app = started.app;
    const { services } = started;
    const world = await seedWorld(context, services, {
      hospitals: [{ name: 'Apollo', address: 'A', phone: '111' }],
      doctors: [{ fullName: 'Doc Page', username: 'docpage', password: PASSWORD, email: 'd@x.example', hospital: 'Apollo' }],
      patients: [{ username: 'patpage', password: PASSWORD, email: 'p@x.example', fullName: 'Pat Page' }],
    });
    const [hospitalId, userId] = [world.hospitals.Apollo, world.users.patpage];
    for (let i = 1; i <= REPORTS; i++) {
      const { reportId } = await services.patients.addReport(userId, { title: `Report ${i}`, disease: 'D', details: 'x', hospitalIds: [hospitalId] });
      ids.unshift(reportId);
    }
    [patient, doctor] = await Promise.all([login(app, 'patient', 'patpage', PASSWORD), login(app, 'doctor', 'docpage', PASSWORD)]);
  });
  after(async () => context?.close());

  for (const [role, base] of [['patient', '/patient/reports'], ['doctor', '/doctor/reports']] as const) {
    describe(`GET /${role}`, () => {
      const agent = () => (role === 'patient' ? patient : doctor);

      it('shows the newest 25 reports first, with an Older link and no Newer link', async () => {
        const html = await page(agent(), `/${role}`);
        assert.deepEqual(extractReportIds(html, base), ids.slice(0, PAGE_SIZE));
        assert.deepEqual(pagerLinks(html), { next: '?page=2' });
        assert.match(html, /aria-current="page">Page 1</);
      });

      it('shows the rest on page 2, with a Newer link and no Older link', async () => {
        const html = await page(agent(), `/${role}?page=2`);
        assert.deepEqual(extractReportIds(html, base), ids.slice(PAGE_SIZE));
        assert.deepEqual(pagerLinks(html), { prev: '?page=1' });
      });

      it('is valid HTML with the pager', async () => {
        const report = await htmlValidate.validateString(await page(agent(), `/${role}?page=2`));
        assert.deepEqual(report.results.flatMap(r => r.messages.map(m => `${m.ruleId}: ${m.message}`)), []);
      });

      for (const bad of ['3', '0', 'abc', '-1', '1e3', '99999999']) {
        it(`answers 404 for ?page=${bad}`, async () => {
          assert.equal((await agent().get(`/${role}?page=${bad}`)).status, 404);
        });
      }
    });
  }

  it('shows no pager while every report fits on one page', async () => {
    const other = await startTestApp();
    try {
      await other.services.patients.signup({ username: 'solo', password: PASSWORD, email: 's@x.example', fullName: 'Solo', phone: '1' });
      const html = await page(await login(other.app, 'patient', 'solo', PASSWORD), '/patient');
      assert.doesNotMatch(html, /class="pager"/);
    } finally {
      await other.context.close();
    }
  });
});
