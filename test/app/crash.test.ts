/**
 * kill -9 in the middle of a burst of writes on the real server: after a restart on the same
 * DATA_DIR, every report the patient was told was saved is on the dashboard and verified, no
 * page shows a half-written record, the writes that were lost are shown to the patient as
 * such, the ledger agrees with the pages, and the embedded chain kept its blocks.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import supertest from 'supertest';
import { Web3 } from 'web3';
import { ContractCodec, loadArtifact } from '../../src/ledger/abi';
import { CONTRACT } from '../../src/ledger';
import { EhrClient } from '../../src/ledger/ehr-client';
import { TransactionSender } from '../../src/ledger/transactions';
import { DATABASE_FILE } from '../../src/store/sqlite/database';
import { freePort, tempDataDir } from '../support/context';
import { csrfFrom, followSaved, page, post, rows, type Agent } from '../support/http';
import { startServerProcess } from '../support/process';

const WRITES = 40;
/** The signal comes once this many writes were answered as saved. */
const KILL_AFTER = 12;

interface DashboardRow {
  readonly id: number;
  readonly title: string;
  readonly integrity: string;
}

/** Every report row of the patient's dashboard, across its pages. */
async function dashboard(patient: Agent): Promise<{ rows: DashboardRow[]; firstPage: string }> {
  const found: DashboardRow[] = [];
  let firstPage = '';
  for (let number = 1; ; number++) {
    const html = await page(patient, `/patient?page=${number}`);
    if (number === 1) firstPage = html;
    for (const row of rows(html)) {
      const link = /<a href="\/patient\/reports\/(\d+)">([^<]*)<\/a>/.exec(row);
      if (!link) continue;
      const integrity = /badge--(verified|tampered|missing)/.exec(row)?.[1] ?? 'none';
      found.push({ id: Number(link[1]), title: link[2], integrity });
    }
    if (!html.includes('rel="next"')) return { rows: found, firstPage };
  }
}

describe('crash safety (kill -9 during writes)', function () {
  this.timeout(180_000);

  it('loses no write the patient was told was saved, and shows none half-written', async () => {
    const dataDir = tempDataDir('crash');
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()), CHAIN_PORT: String(await freePort()) };
    const first = startServerProcess(env, { direct: true });
    const url = await first.ready();

    const visitor = supertest.agent(url);
    const account = { username: 'alice', password: 'password1', email: 'a@x.example', fullName: 'Alice', phone: '123' };
    await followSaved(visitor, await post(visitor, '/patient/signup', '/patient/signup', account), '/patient/login');
    const patient = supertest.agent(url);
    assert.equal((await post(patient, '/patient/login', '/patient/login', { username: 'alice', password: 'password1' })).status, 303);
    const _csrf = csrfFrom(await page(patient, '/patient'));

    // 40 writes at once; kill -9 once KILL_AFTER of them were answered "saved".
    const toldSaved: string[] = [];
    let killed = false;
    const writes = Array.from({ length: WRITES }, (_, i) => {
      const title = `Crash report ${i}`;
      return patient
        .post('/patient/reports')
        .type('form')
        .send({ _csrf, title, disease: 'D', details: `Details of ${i}` })
        .then(
          res => {
            if (res.status === 303 && !killed) toldSaved.push(title);
            if (toldSaved.length >= KILL_AFTER && !killed) {
              killed = true;
              first.child.kill('SIGKILL');
            }
          },
          () => undefined, // cut off by the kill: never told saved
        );
    });
    await Promise.all(writes);
    if (!killed) first.child.kill('SIGKILL');
    await first.exited();
    assert.ok(toldSaved.length >= KILL_AFTER, `only ${toldSaved.length} writes were answered as saved before the kill`);

    // Restart on the same DATA_DIR (and ports): pending bodies are reconciled at start.
    const second = startServerProcess(env, { direct: true });
    const restartedUrl = await second.ready();
    try {
      assert.match(second.stdout(), /sync +read model up to date/);
      const { rows: listed, firstPage } = await dashboard(patient); // the session survived in SQLite

      // Every write that was answered "saved" is there once, verified against the ledger.
      for (const title of toldSaved) {
        const matches = listed.filter(row => row.title === title);
        assert.equal(matches.length, 1, `"${title}" was told saved and is listed ${matches.length} times`);
      }
      // No half-written record: every listed report opens and verifies.
      assert.deepEqual(listed.filter(row => row.integrity !== 'verified'), [], 'a listed report is not verified');
      assert.equal(new Set(listed.map(row => row.title)).size, listed.length, 'a report is listed twice');

      // The database: nothing left pending; the lost writes are marked failed and shown as such.
      const db = new Database(path.join(dataDir, DATABASE_FILE), { readonly: true });
      const statuses = Object.fromEntries(
        db.prepare<[], { status: string; n: number }>("SELECT status, count(*) AS n FROM bodies WHERE kind = 'report' GROUP BY status").all().map(r => [r.status, r.n]),
      );
      db.close();
      assert.equal(statuses.pending, undefined, 'bodies left pending after the restart');
      assert.equal(statuses.confirmed, listed.length, 'every confirmed body is listed, and only those');
      const failed = statuses.failed ?? 0;
      assert.ok(failed + listed.length <= WRITES);
      assert.ok(failed > 0, 'the kill cut off no write before it reached the ledger (the test did not test that case)');
      const notice = /<div class="notice notice--danger" role="alert" id="unsaved-reports">([\s\S]*?)<\/div>/.exec(firstPage);
      assert.ok(notice, 'the dashboard does not show the writes that were lost');
      assert.match(notice[1], new RegExp(`${failed === 1 ? '1 report could' : `${failed} reports could`} not be saved on the ledger`));
      const lostTitles = [...notice[1].matchAll(/&#34;(Crash report \d+)&#34;/g)].map(m => m[1]);
      assert.equal(lostTitles.length, failed);
      assert.deepEqual(lostTitles.filter(title => toldSaved.includes(title) || listed.some(row => row.title === title)), [], 'a lost write is also saved');
      console.log(`      ${toldSaved.length} told saved, ${listed.length} on the ledger, ${failed} lost and shown as such, of ${WRITES}`);

      // The ledger agrees with the pages, and the embedded chain kept its blocks.
      const health = (await (await fetch(`${restartedUrl}/healthz`)).json()) as { blockNumber: number };
      const deployment = deploymentOf(dataDir);
      const web3 = new Web3(`http://127.0.0.1:${env.CHAIN_PORT}`);
      const codec = new ContractCodec(loadArtifact(CONTRACT).abi);
      const client = new EhrClient(new TransactionSender({ web3, chainId: BigInt(deployment.chainId), codec }), codec, deployment.address);
      assert.equal(await client.reportCount(), listed.length, "the contract's report count");
      assert.deepEqual([...(await client.reportsOf(await addressOf(dataDir)))].sort((a, b) => a - b), listed.map(row => row.id).sort((a, b) => a - b));
      assert.ok(health.blockNumber > deployment.blockNumber + listed.length, `the chain has ${health.blockNumber} blocks after the restart`);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited();
    }
  });
});

/** The contract this data set was recorded with, as the database keeps it (the chain's identity). */
function deploymentOf(dataDir: string): { address: string; blockNumber: number; chainId: number } {
  const db = new Database(path.join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    const row = db.prepare<[], { value: string }>("SELECT value FROM settings WHERE key = 'chain.identity'").get();
    const identity = JSON.parse(row!.value) as { contract: string; deploymentBlock: number; chainId: number };
    return { address: identity.contract, blockNumber: identity.deploymentBlock, chainId: identity.chainId };
  } finally {
    db.close();
  }
}

async function addressOf(dataDir: string): Promise<string> {
  const db = new Database(path.join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    return db.prepare<[], { address: string }>("SELECT address FROM users WHERE username = 'alice'").get()!.address;
  } finally {
    db.close();
  }
}
