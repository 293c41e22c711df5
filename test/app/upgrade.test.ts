/**
 * Upgrades without loss (issue 16). A data set made by the first release (test/fixtures: the
 * demo, plus a revoke) opens with this release in one `npm start`: its history is replayed into
 * the second contract behind a proxy, and every report, grant, prescription and opening is there,
 * verified. Then `npm run upgrade -- EHRv2_1` puts a further version behind the same proxy, and
 * the data is still all there.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Express } from 'express';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { startContext, type AppContext } from '../../src/context';
import { PROJECT_ROOT } from '../../src/paths';
import { createServices, type Services } from '../../src/services';
import { tempDataDir } from '../support/context';
import { assertExcludes, assertIncludes, login, page, type Agent } from '../support/http';

const run = promisify(execFile);
const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'release-1-demo.tar.gz');
/** The first release's contract in the fixture. */
const FIRST_CONTRACT = '0x3633c7f3df418bcfc88fc0771a8f3ec495d0b490';
const DEMO_PASSWORD = 'demo1234';

interface Started {
  context: AppContext;
  services: Services;
  app: Express;
  lines: string[];
}

describe('upgrades without loss: a first-release data set, then a further version', function () {
  this.timeout(240_000);
  let dataDir: string;
  let started: Started | undefined;

  async function start(): Promise<Started> {
    const lines: string[] = [];
    const context = await startContext(loadConfig({ DATA_DIR: dataDir, PORT: '0' }), (stage, message) => lines.push(`${stage} ${message}`));
    const services = createServices(context, { bcryptCost: 4, log: () => undefined });
    await services.sync.reconcile();
    return { context, services, app: createApp(context, services, { log: () => undefined }), lines };
  }

  async function stop(): Promise<void> {
    await started?.services.background.settled();
    await started?.context.close();
    started = undefined;
  }

  /** Every record of the fixture, as its people see it through the pages. */
  async function assertEverythingThere(app: Express): Promise<void> {
    const [alice, bob, smith, rao, admin] = await Promise.all([
      login(app, 'patient', 'alice', DEMO_PASSWORD),
      login(app, 'patient', 'bob', DEMO_PASSWORD),
      login(app, 'doctor', 'drsmith', DEMO_PASSWORD),
      login(app, 'doctor', 'drrao', DEMO_PASSWORD),
      login(app, 'admin', 'admin', 'admin'),
    ]);
    const mine = await page(alice, '/patient');
    assertIncludes(mine, 'Blood test, March', 'Knee X-ray', 'Allergy notes', 'Metformin 500 mg');
    assert.equal(countVerified(mine), 3, 'alice\'s three reports verified');
    assertExcludes(mine, 'Tampered', 'missing');
    assertIncludes(await page(bob, '/patient'), 'ECG after chest pain', 'Annual check-up', 'Aspirin 75 mg');

    // Grants: report 1 live for both hospitals, report 2's revoke kept with when it happened.
    await assertGrant(alice, 1, 'Apollo', /Shared/);
    await assertGrant(alice, 1, 'Care', /Shared/);
    await assertGrant(alice, 2, 'Apollo', /access ended on <time datetime="2026-11-25T18:28/);
    await assertGrant(alice, 3, 'Apollo', /Not shared/);

    // The doctors read what was shared with their hospital, with the prescriptions, and no more.
    assertIncludes(await page(smith, '/doctor/reports/1'), 'Type 2 diabetes', 'Metformin 500 mg');
    assert.equal((await smith.get('/doctor/reports/2')).status, 403);
    assertIncludes(await page(rao, '/doctor/reports/4'), 'Suspected angina', 'Atorvastatin 20 mg');

    // The openings of the first release, at the time they happened then.
    const log = await page(alice, '/patient/access-log');
    assertIncludes(log, 'Dr. John Smith', 'Blood test, March');
    assert.match(log, /<time datetime="2026-11-25T18:27/);

    // And the integrity check finds every body and the read model as the ledger has them.
    const integrity = await page(admin, '/admin/integrity');
    assertIncludes(integrity, '7 records checked', '<dt>Verified</dt><dd>7</dd>', '<dt>Tampered</dt><dd>0</dd>', '<dt>Missing</dt><dd>0</dd>', '0 differences');
  }

  async function assertGrant(agent: Agent, reportId: number, hospital: string, access: RegExp): Promise<void> {
    const html = await page(agent, `/patient/reports/${reportId}`);
    const row = (html.match(/<tr>[\s\S]*?<\/tr>/g) ?? []).find(r => r.includes(`<td data-label="Hospital">${hospital}</td>`));
    assert.ok(row, `no row of ${hospital} on report ${reportId}`);
    assert.match(row, access, `report ${reportId}, ${hospital}`);
  }

  before(async () => {
    dataDir = tempDataDir('ehr-release-1');
    await run('tar', ['-xzf', FIXTURE, '-C', dataDir]);
  });

  after(async () => {
    await stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens a first-release data set in one start: the second contract behind a proxy, every record replayed', async () => {
    started = await start();
    const { context, lines } = started;
    const { deployment, client } = context.ledger;
    assert.notEqual(deployment.address, FIRST_CONTRACT);
    assert.equal(deployment.version, '2.0.0');
    assert.deepEqual(deployment.formerContracts, [FIRST_CONTRACT]);
    assert.ok(lines.some(line => line.includes('5 reports, 6 grants, 2 prescriptions and 2 openings imported')), lines.join('\n'));
    assert.equal(await client.reportCount(), 5);
    assert.equal(await client.version(), '2.0.0');
    // Kept in the database: address and version.
    const recorded = JSON.parse((await context.store.settings.get('chain.identity'))!) as { contract: string; version: string };
    assert.deepEqual([recorded.contract, recorded.version], [deployment.address, '2.0.0']);
    await assertEverythingThere(started.app);
  });

  it('does not import again at the next start', async () => {
    const address = started!.context.ledger.deployment.address;
    await stop();
    started = await start();
    assert.equal(started.context.ledger.deployment.address, address);
    assert.ok(started.lines.includes(`migrate contract at ${address} (version 2.0.0)`), started.lines.join('\n'));
  });

  it('takes a further version (v2.1) behind the same proxy with one command, and keeps every record', async () => {
    const address = started!.context.ledger.deployment.address;
    await stop();
    const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'upgrade.ts'), 'EHRv2_1'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATA_DIR: dataDir },
      timeout: 120_000,
    });
    assert.match(stdout, /version 2\.0\.0 → 2\.1\.0/);
    started = await start();
    const { context } = started;
    assert.equal(context.ledger.deployment.address, address);
    assert.equal(context.ledger.deployment.version, '2.1.0');
    // The new function is there, through the same address.
    const hello = await context.ledger.web3.eth.call({ to: address, data: context.ledger.web3.eth.abi.encodeFunctionSignature('hello()') });
    assert.equal(context.ledger.web3.eth.abi.decodeParameter('string', hello), 'hello from 2.1.0');
    await assertEverythingThere(started.app);
  });
});

/** How many integrity marks say "Verified" on a page. */
function countVerified(html: string): number {
  return (html.match(/Verified on the ledger/g) ?? []).length;
}
