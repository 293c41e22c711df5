/**
 * The classroom tamper command, run as a child process as a teacher runs it, against the
 * DATA_DIR of a running test app: it tampers, says so when the report is already tampered,
 * restores the original with --undo, and refuses an unknown report or a missing data set.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../../src/context';
import type { Services } from '../../src/services';
import { sqlOf, startTestApp, tempDataDir } from '../support/context';
import { seedWorld } from '../support/world';

const ROOT = path.resolve(__dirname, '../..');

/** `npm run tamper -- …args` as the child process `tsx src/tamper.ts …args`, in DATA_DIR `dataDir` (unset: the default). */
function tamper(dataDir: string | undefined, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATA_DIR;
  if (dataDir !== undefined) env.DATA_DIR = dataDir;
  const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'src/tamper.ts', ...args], { cwd: ROOT, env, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run tamper', function () {
  this.timeout(120_000);
  let context: AppContext;
  let services: Services;
  let dataDir: string;
  let reportId: number;
  let patientId: number;
  let storedEnvelope: () => string;
  const secret = 'Fasting glucose 142 mg/dL 5d2e';

  before(async () => {
    ({ context, services } = await startTestApp());
    dataDir = context.config.dataDir;
    const world = await seedWorld(context, services, {
      hospitals: [{ name: 'Apollo', address: 'Chennai', phone: '111' }],
      patients: [{ username: 'pat', email: 'p@x.example', fullName: 'Pat' }],
      reports: [{ patient: 'pat', title: 'Blood test', disease: 'Diabetes', details: secret, sharedWith: ['Apollo'] }],
    });
    patientId = world.users.pat;
    [reportId] = world.reports;
    storedEnvelope = () =>
      sqlOf(context)
        .prepare<[number], { envelope: string }>('SELECT b.envelope FROM ledger_reports r JOIN bodies b ON b.commitment = r.commitment WHERE r.id = ?')
        .get(reportId)!.envelope;
  });

  after(async () => {
    await context?.close();
  });

  const integrity = async () => (await services.patients.report(patientId, reportId)).checked.integrity;

  it('tampers the report of the data set that DATA_DIR names, while the app runs', async () => {
    const original = storedEnvelope();
    const run = tamper(dataDir, String(reportId));
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`report ${reportId}: one byte of its stored ciphertext flipped in ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(run.stdout, new RegExp(`--undo`));
    assert.notEqual(storedEnvelope(), original);
    assert.equal(await integrity(), 'tampered');
  });

  it('says a report already tampered is already tampered, and changes nothing', async () => {
    const before = storedEnvelope();
    const run = tamper(dataDir, String(reportId));
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`report ${reportId} .*is already tampered`));
    assert.equal(storedEnvelope(), before);
    assert.equal(await integrity(), 'tampered');
  });

  it('restores the original body with --undo and says so; the report is Verified again', async () => {
    const run = tamper(dataDir, String(reportId), '--undo');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`report ${reportId} .*original stored body is restored`));
    assert.equal(await integrity(), 'verified');
    const report = await services.patients.report(patientId, reportId);
    assert.equal(report.checked.integrity === 'verified' && report.checked.body.details, secret);
    const kept = sqlOf(context).prepare("SELECT count(*) AS n FROM settings WHERE key LIKE 'tamper.%'").get() as { n: number };
    assert.equal(kept.n, 0, 'the kept original is forgotten once restored');
  });

  it('says there is nothing to undo on a report that is not tampered', async () => {
    const run = tamper(dataDir, '--undo', String(reportId));
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /is not tampered.*Nothing to undo/);
    assert.equal(await integrity(), 'verified');
  });

  it('restores a body flipped by the earlier command, which kept no original', async () => {
    const envelope = storedEnvelope();
    const parts = envelope.split('.');
    const ciphertext = Buffer.from(parts[3], 'base64url');
    ciphertext[0] ^= 0x01;
    parts[3] = ciphertext.toString('base64url');
    sqlOf(context).prepare('UPDATE bodies SET envelope = ? WHERE envelope = ?').run(parts.join('.'), envelope);
    assert.equal(await integrity(), 'tampered');
    const run = tamper(dataDir, String(reportId), '--undo');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(storedEnvelope(), envelope);
    assert.equal(await integrity(), 'verified');
  });

  it('says an unknown report id is unknown, with exit code 1', () => {
    for (const args of [['999'], ['999', '--undo']]) {
      const run = tamper(dataDir, ...args);
      assert.equal(run.status, 1, run.stdout);
      assert.match(run.stderr, /there is no report 999 in this data set/);
    }
  });

  it('refuses a DATA_DIR that holds no data set, and does not make one there', () => {
    const empty = path.join(tempDataDir('tamper-empty'), 'nothing-here');
    const run = tamper(empty, String(reportId));
    assert.equal(run.status, 1);
    assert.match(run.stderr, /there is no data set in .*nothing-here.*DATA_DIR/);
    assert.equal(fs.existsSync(empty), false);
  });

  it('answers wrong arguments with its usage and exit code 2', () => {
    for (const args of [[], ['0'], ['1', '--undo', '--force']]) {
      const run = tamper(dataDir, ...args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stdout}`);
      assert.match(run.stderr, /usage: npm run tamper -- <reportId> \[--file\] \[--undo\]/);
    }
  });
});
