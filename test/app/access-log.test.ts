/**
 * An access log that tells the truth (issue 13): one opening by one doctor of one report in ten
 * minutes is one `ReportAccessed` entry — a reload, a second tab or the page after prescribing
 * add none — and an opening after ten minutes is recorded again. The ten minutes are each
 * doctor's own: a colleague opening the same report within them is a second entry.
 */
import assert from 'node:assert/strict';
import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import type { Services } from '../../src/services';
import { startTestApp } from '../support/context';
import { assertIncludes, followSaved, login, page, post, type Agent } from '../support/http';
import { addressOf, seedWorld, userIdOf } from '../support/world';

const PASSWORD = 'ledger-pass-42';
const MINUTE = 60_000;

describe('the access log', function () {
  this.timeout(120_000);
  let context: AppContext;
  let services: Services;
  let app: Express;
  let clockOffset = 0;
  let alice: Agent, rao: Agent, khan: Agent;
  let reportId: number, otherId: number;
  let apolloId: number;

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

  /** The `ReportAccessed` events of one report on the ledger, per reader's address. */
  async function openersOf(id: number): Promise<Map<string, number>> {
    await services.background.settled();
    const events = await context.ledger.client.events(0, await context.ledger.client.latestBlock(), { withTimes: false });
    const counts = new Map<string, number>();
    for (const { event } of events.filter(e => e.event.name === 'ReportAccessed' && Number(e.event.args.reportId as bigint) === id)) {
      const reader = String(event.args.reader).toLowerCase();
      counts.set(reader, (counts.get(reader) ?? 0) + 1);
    }
    return counts;
  }

  before(async () => {
    ({ context, services, app } = await startTestApp({}, { now: () => Date.now() + clockOffset }));
    ({
      reports: [reportId, otherId],
      hospitals: { Apollo: apolloId },
    } = await seedWorld(context, services, {
      hospitals: [{ name: 'Apollo', address: 'A', phone: '111' }],
      doctors: [
        { fullName: 'Meera Rao', username: 'drrao', password: PASSWORD, email: 'rao@apollo.example', hospital: 'Apollo' },
        { fullName: 'Arjun Khan', username: 'drkhan', password: PASSWORD, email: 'khan@apollo.example', hospital: 'Apollo' },
      ],
      patients: [{ username: 'alice', password: PASSWORD, email: 'alice@example.org', fullName: 'Alice Sen', phone: '+91 98300 11111' }],
      reports: [
        { patient: 'alice', title: 'Knee', disease: 'Sprain', details: 'Swollen', sharedWith: ['Apollo'] },
        { patient: 'alice', title: 'Cough', disease: 'Cold', details: 'Dry', sharedWith: ['Apollo'] },
      ],
    }));
    [alice, rao, khan] = await Promise.all([login(app, 'patient', 'alice', PASSWORD), login(app, 'doctor', 'drrao', PASSWORD), login(app, 'doctor', 'drkhan', PASSWORD)]);
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

  it('records one opening per doctor: a colleague at the same hospital within the ten minutes is a second entry; a reload by either adds none', async () => {
    // A report of its own, opened by neither doctor before.
    const { reportId: rash } = await services.patients.addReport(userIdOf(context, 'alice'), { title: 'Rash', disease: 'Eczema', details: 'Itchy', hospitalIds: [apolloId] });
    await page(rao, `/doctor/reports/${rash}`);
    await page(khan, `/doctor/reports/${rash}`); // within Dr. Rao's ten minutes
    const expected = new Map([
      [addressOf(context, 'drrao').toLowerCase(), 1],
      [addressOf(context, 'drkhan').toLowerCase(), 1],
    ]);
    assert.deepEqual(await openersOf(rash), expected);

    const block = await context.ledger.client.latestBlock();
    await page(rao, `/doctor/reports/${rash}`);
    await page(khan, `/doctor/reports/${rash}`);
    await services.background.settled();
    assert.equal(await context.ledger.client.latestBlock(), block, 'a reload wrote to the ledger');
    assert.deepEqual(await openersOf(rash), expected);
    const log = await page(alice, '/patient/access-log');
    assertIncludes(log, 'Dr. Meera Rao', 'Dr. Arjun Khan');
  });
});
