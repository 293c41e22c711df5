/**
 * Many writes at once through the app's one write path (body stored pending, transaction sent,
 * body confirmed): one patient's 100 land once each in nonce order, and another user's write is
 * not held up behind them.
 */
import assert from 'node:assert/strict';
import type { AppContext } from '../../src/context';
import type { Services } from '../../src/services';
import { sqlOf, startTestApp } from '../support/context';
import { userIdOf } from '../support/world';

describe('concurrent writes', function () {
  this.timeout(180_000);
  let context: AppContext;
  let services: Services;
  let hospitalId: number;

  const userId = (username: string) => userIdOf(context, username);
  const addressOf = (username: string) => sqlOf(context).prepare<[string], { address: string }>('SELECT address FROM users WHERE username = ?').get(username)!.address;
  const nonceOf = async (hash: string) => Number((await context.ledger.web3.eth.getTransaction(hash)).nonce);

  async function signup(username: string): Promise<number> {
    await services.patients.signup({ username, password: 'password1', email: `${username}@x.example`, fullName: username, phone: '123' });
    return userId(username);
  }

  before(async () => {
    ({ context, services } = await startTestApp());
    ({ hospitalId } = await services.admin.addHospital({ name: 'Apollo', address: 'A', phone: '111' }));
  });
  after(async () => context?.close());

  it('lands 100 reports sent at once by one patient, each once, in nonce order, every body confirmed', async () => {
    const patient = await signup('many');
    const titles = Array.from({ length: 100 }, (_, i) => `Report ${i}`);
    const receipts = await Promise.all(titles.map(title => services.patients.addReport(patient, { title, disease: 'D', details: title, hospitalIds: [hospitalId] })));

    const ids = receipts.map(r => r.reportId);
    assert.equal(new Set(ids).size, 100, 'each write landed once');
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'report ids follow the order of sending');
    const nonces = await Promise.all(receipts.map(r => nonceOf(r.transactionHash)));
    assert.deepEqual(nonces, nonces.map((_, i) => nonces[0] + i), 'nonces are consecutive, in the order of sending');
    assert.deepEqual([...(await context.ledger.client.reportsOf(addressOf('many')))].sort((a, b) => a - b), ids);

    const bodies = sqlOf(context).prepare<[string], { status: string; n: number }>('SELECT status, count(*) AS n FROM bodies WHERE author = ? GROUP BY status').all(addressOf('many'));
    assert.deepEqual(bodies, [{ status: 'confirmed', n: 100 }]);
    const shown = await services.patients.dashboard(patient, { limit: 200, offset: 0 });
    assert.deepEqual(
      shown.map(r => (r.checked.integrity === 'verified' ? r.checked.body.title : r.checked.integrity)).sort(),
      [...titles].sort(),
      'every report is shown once, verified',
    );
  });

  it("does not hold one user's write behind another's queue", async () => {
    const [a, b] = [await signup('busy'), await signup('other')];
    const finished: string[] = [];
    const write = (user: number, label: string) =>
      services.patients.addReport(user, { title: label, disease: 'D', details: label, hospitalIds: [] }).then(receipt => {
        finished.push(label);
        return receipt;
      });
    const queued = Array.from({ length: 30 }, (_, i) => write(a, `A${i}`));
    const single = write(b, 'B');
    await Promise.all([...queued, single]);

    const position = finished.indexOf('B');
    const aAfterB = finished.slice(position + 1).length;
    console.log(`      B finished at position ${position + 1} of 31; ${aAfterB} of A's 30 finished after it`);
    assert.ok(aAfterB >= 20, `B waited for A's queue: finished ${position + 1}th of 31 (${finished.join(' ')})`);
    assert.deepEqual(
      finished.filter(label => label !== 'B'),
      Array.from({ length: 30 }, (_, i) => `A${i}`),
      "A's writes finish in their order",
    );
  });
});
