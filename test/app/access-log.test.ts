/**
 * An access log that tells the truth (issue 13): one opening by one doctor of one report in ten
 * minutes is one `ReportAccessed` entry — a reload, a second tab or the page after prescribing
 * add none — and an opening after ten minutes is recorded again.
 */
import assert from 'node:assert/strict';
import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import type { Services } from '../../src/services';
import { startTestApp } from '../support/context';
import { assertIncludes, followSaved, login, page, post, type Agent } from '../support/http';
import { seedWorld } from '../support/world';

const PASSWORD = 'ledger-pass-42';
const MINUTE = 60_000;

describe('the access log', function () {
  this.timeout(120_000);
  let context: AppContext;
  let services: Services;
  let app: Express;
  let clockOffset = 0;
  let alice: Agent, rao: Agent;
  let reportId: number, otherId: number;

  /** The `ReportAccessed` events on the ledger itself, per report. */
  async function openings(): Promise<Map<number, number>> {
    await services.background.settled();
    const events = await context.ledger.client.events(0, await context.ledger.client.latestBlock(), { withTimes: false });
    const counts = new Map<number, number>();
    for (const { event } of events.filter(e => e.event.name === 'ReportAccessed')) {
      const id = Number(event.args.reportId as bigint);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  before(async () => {
    ({ context, services, app } = await startTestApp({}, { now: () => Date.now() + clockOffset }));
    ({
      reports: [reportId, otherId],
    } = await seedWorld(context, services, {
      hospitals: [{ name: 'Apollo', address: 'A', phone: '111' }],
      doctors: [{ fullName: 'Meera Rao', username: 'drrao', password: PASSWORD, email: 'rao@apollo.example', hospital: 'Apollo' }],
      patients: [{ username: 'alice', password: PASSWORD, email: 'alice@example.org', fullName: 'Alice Sen', phone: '+91 98300 11111' }],
      reports: [
        { patient: 'alice', title: 'Knee', disease: 'Sprain', details: 'Swollen', sharedWith: ['Apollo'] },
        { patient: 'alice', title: 'Cough', disease: 'Cold', details: 'Dry', sharedWith: ['Apollo'] },
      ],
    }));
    [alice, rao] = await Promise.all([login(app, 'patient', 'alice', PASSWORD), login(app, 'doctor', 'drrao', PASSWORD)]);
  });
  after(async () => {
    await services?.background.settled();
    await context?.close();
  });

  it('records one opening for a visit: open, reload, two tabs at once, prescribe and its redirect', async () => {
    await page(rao, `/doctor/reports/${reportId}`);
    await page(rao, `/doctor/reports/${reportId}`); // while the first is still being mined
    await services.background.settled();
    await page(rao, `/doctor/reports/${reportId}`); // after it was mined
    await Promise.all([page(rao, `/doctor/reports/${reportId}`), page(rao, `/doctor/reports/${reportId}`)]);
    const rx = { medicines: 'Ibuprofen', dosage: '400 mg', instructions: 'After meals' };
    const res = await post(rao, `/doctor/reports/${reportId}`, `/doctor/reports/${reportId}/prescriptions`, rx);
    await followSaved(rao, res, `/doctor/reports/${reportId}`);
    assert.deepEqual(await openings(), new Map([[reportId, 1]]));
    assertIncludes(await page(alice, '/patient/access-log'), '1 access');
  });

  it('records the opening of another report on its own', async () => {
    await page(rao, `/doctor/reports/${otherId}`);
    assert.deepEqual(await openings(), new Map([[reportId, 1], [otherId, 1]]));
  });

  it('records an opening again once ten minutes have passed since the last recorded one', async () => {
    clockOffset = 9 * MINUTE;
    await page(rao, `/doctor/reports/${reportId}`);
    assert.equal((await openings()).get(reportId), 1, 'nine minutes later: the same visit');
    clockOffset = 10 * MINUTE + 5_000;
    await page(rao, `/doctor/reports/${reportId}`);
    await page(rao, `/doctor/reports/${reportId}`);
    assert.equal((await openings()).get(reportId), 2, 'ten minutes later: a new visit, recorded once');
  });

  it('records nothing for a refused opening', async () => {
    const before = await openings();
    assert.equal((await rao.get(`/doctor/reports/${otherId + 1}`)).status, 404);
    assert.deepEqual(await openings(), before);
  });
});
