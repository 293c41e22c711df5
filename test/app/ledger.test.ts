import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { utils } from 'web3';
import { loadConfig } from '../../src/config';
import { startContext, type AppContext } from '../../src/context';
import { DecryptionError } from '../../src/crypto/envelope';
import { createCustodian } from '../../src/keys/custodian';
import { LedgerRevertError, LedgerUnavailableError } from '../../src/ledger/errors';
import { TransactionSender, type Signer } from '../../src/ledger/transactions';
import { freePort, testConfig } from '../support/context';

const randomCommitment = () => utils.randomHex(32);

/** Resolves to the LedgerRevertError that `promise` rejects with. */
async function revertOf(promise: Promise<unknown>): Promise<LedgerRevertError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof LedgerRevertError, `expected a LedgerRevertError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the contract to revert');
}

describe('custodial ledger client', function () {
  this.timeout(120_000);
  let context: AppContext;
  let hospitalId: number;

  before(async () => {
    context = await startContext(await testConfig());
    ({ hospitalId } = await context.ledger.client.addHospital(context.ledger.admin, 'Apollo'));
  });
  after(async () => context?.close());

  async function newPatient(): Promise<Signer> {
    const address = await context.custodian.createAccount();
    const patient = await context.custodian.signer(address);
    await context.ledger.client.registerPatient(patient);
    return patient;
  }

  describe('accounts', () => {
    it('creates an account whose key is stored only encrypted, funded by its first write', async () => {
      const address = await context.custodian.createAccount();
      assert.equal(await context.ledger.web3.eth.getBalance(address), 0n, 'funded before it wrote anything');
      const row = await context.store.accounts.findByAddress(address);
      assert.ok(row);
      const { privateKey } = await context.custodian.signer(address);
      assert.match(privateKey ?? '', /^0x[0-9a-f]{64}$/);
      assert.ok(!row.encryptedKey.includes(privateKey!.slice(2)), 'the key is stored in the clear');
      await context.ledger.client.registerPatient(await context.custodian.signer(address));
      assert.ok((await context.ledger.web3.eth.getBalance(address)) > 0n, 'the account has no gas money');
    });

    it('refuses to open a key under another master key', async () => {
      const address = await context.custodian.createAccount();
      const other = createCustodian({ accounts: context.store.accounts, masterKey: randomBytes(32) });
      await assert.rejects(other.signer(address), DecryptionError);
    });

    it('tops up an account that runs out of gas money, and retries', async () => {
      const patient = await newPatient();
      // Drain the account: send everything but a little back to the admin.
      const balance = await context.ledger.web3.eth.getBalance(patient.address);
      const gasPrice = await context.ledger.web3.eth.getGasPrice();
      await context.ledger.sender.send(patient, { to: context.ledger.admin.address, value: balance - 21_000n * gasPrice * 2n });
      const { reportId } = await context.ledger.client.addReport(patient, randomCommitment(), [hospitalId]);
      assert.ok(reportId > 0);
    });
  });

  describe('writes', () => {
    it('lands 50 writes sent at once from one account, each once, in nonce order', async () => {
      const patient = await newPatient();
      const commitments = Array.from({ length: 50 }, randomCommitment);
      const results = await Promise.all(commitments.map(c => context.ledger.client.addReport(patient, c, [hospitalId])));
      const ids = results.map(r => r.reportId);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'report ids follow the order of sending');
      assert.equal(new Set(ids).size, 50);
      const blocks = results.map(r => r.blockNumber);
      assert.deepEqual(blocks, [...blocks].sort((a, b) => a - b), 'blocks follow the order of sending');
      const nonces = await Promise.all(results.map(async r => Number((await context.ledger.web3.eth.getTransaction(r.transactionHash)).nonce)));
      assert.deepEqual(nonces, nonces.map((_, i) => nonces[0] + i), 'nonces are consecutive');
      assert.deepEqual(await context.ledger.client.reportsOf(patient.address), [...ids].reverse());
      for (const [i, id] of ids.entries()) {
        assert.equal((await context.ledger.client.report(id)).commitment, commitments[i]);
      }
    });

    it('keeps two accounts independent when both write at once', async () => {
      const [a, b] = await Promise.all([newPatient(), newPatient()]);
      const results = await Promise.all([
        ...Array.from({ length: 5 }, () => context.ledger.client.addReport(a, randomCommitment(), [])),
        ...Array.from({ length: 5 }, () => context.ledger.client.addReport(b, randomCommitment(), [])),
      ]);
      assert.equal(results.length, 10);
      assert.equal((await context.ledger.client.reportsOf(a.address)).length, 5);
      assert.equal((await context.ledger.client.reportsOf(b.address)).length, 5);
    });

    it('recovers its nonce after a refused write', async () => {
      const patient = await newPatient();
      await revertOf(context.ledger.client.shareReport(patient, 999_999, hospitalId));
      const { reportId } = await context.ledger.client.addReport(patient, randomCommitment(), []);
      await context.ledger.client.shareReport(patient, reportId, hospitalId);
      assert.deepEqual(await context.ledger.client.reportHospitals(reportId), [hospitalId]);
    });

    it('gives up on a write not mined in time, and the next write asks the node for its nonce again', async () => {
      const { web3, chainId, codec, admin } = context.ledger;
      const sender = new TransactionSender({ web3, chainId: BigInt(chainId), codec, receiptTimeoutMs: 1500, oneSendAtATime: true });
      const patient = await newPatient();
      await sender.send(patient, { to: admin.address, value: 1n });
      // What the review's evm_revert did to a user: the sender's nonce ahead of the chain's, so
      // the next transaction waits in the node's queued pool for ever, and every write behind it.
      const queues = (sender as unknown as { queues: Map<string, { nextNonce?: bigint }> }).queues;
      queues.get(patient.address)!.nextNonce! += 1n;
      const started = Date.now();
      await assert.rejects(sender.send(patient, { to: admin.address, value: 1n }), LedgerUnavailableError);
      assert.ok(Date.now() - started < 5000, `gave up after ${Date.now() - started} ms`);
      await sender.send(patient, { to: admin.address, value: 1n }); // resynchronised from the node: lands
    });

    it('returns what a write did: hash, block, gas and decoded events', async () => {
      const patient = await newPatient();
      const receipt = await context.ledger.client.addReport(patient, randomCommitment(), [hospitalId]);
      assert.match(receipt.transactionHash, /^0x[0-9a-f]{64}$/);
      assert.ok(receipt.blockNumber > 0 && receipt.gasUsed > 21_000);
      assert.deepEqual(receipt.events.map(e => e.name), ['ReportAdded', 'ReportShared']);
      assert.equal(Number(receipt.events[1].args.hospitalId), hospitalId);
    });
  });

  describe('reverts', () => {
    it('come back as the custom error with its arguments', async () => {
      const patient = await newPatient();
      const { reportId } = await context.ledger.client.addReport(patient, randomCommitment(), [hospitalId]);
      // Granting again is no error on the second contract: it sets a new end.
      const until = Math.floor(Date.now() / 1000) + 86_400;
      await context.ledger.client.shareReport(patient, reportId, hospitalId, until);
      assert.deepEqual(await context.ledger.client.treatmentGrant(reportId, hospitalId), { live: true, until });
      const past = await revertOf(context.ledger.client.shareReport(patient, reportId, hospitalId, 1));
      assert.equal(past.error.name, 'EHRInvalidEnd');
      assert.deepEqual(Object.values(past.error.args).map(Number), [1]);

      const next = (await context.ledger.client.reportCount()) + 1;
      const duplicate = await revertOf(context.ledger.client.addReport(patient, randomCommitment(), [hospitalId, hospitalId]));
      assert.equal(duplicate.error.name, 'EHRAlreadyGranted');
      assert.deepEqual(Object.values(duplicate.error.args).map(Number), [next, hospitalId]);

      const unknown = await revertOf(context.ledger.client.addReport(patient, randomCommitment(), [hospitalId + 1000]));
      assert.equal(unknown.error.name, 'EHRUnknownOrganisation');
      assert.equal(Number(unknown.error.args.organisationId), hospitalId + 1000);

      const stranger = await newPatient();
      const notOwner = await revertOf(context.ledger.client.revokeReport(stranger, reportId, hospitalId));
      assert.equal(notOwner.error.name, 'EHRNotReportOwner');
      assert.equal(String(notOwner.error.args.account).toLowerCase(), stranger.address);
    });

    it('decode errors of OpenZeppelin as well', async () => {
      const patient = await newPatient();
      const refused = await revertOf(context.ledger.client.addHospital(patient, 'Rogue'));
      assert.equal(refused.error.name, 'AccessControlUnauthorizedAccount');
      assert.equal(String(refused.error.args.account).toLowerCase(), patient.address);
    });

    it('come back from reads too', async () => {
      const refused = await revertOf(context.ledger.client.report(123_456));
      assert.equal(refused.error.name, 'EHRUnknownReport');
      assert.equal(Number(refused.error.args.reportId), 123_456);
    });
  });
});

describe('restart', function () {
  this.timeout(120_000);

  it('keeps the chain, its accounts and the contract', async () => {
    const config = await testConfig();
    const first = await startContext(config);
    const address = await first.custodian.createAccount();
    const patient = await first.custodian.signer(address);
    await first.ledger.client.registerPatient(patient);
    const { hospitalId } = await first.ledger.client.addHospital(first.ledger.admin, 'Care');
    const { reportId } = await first.ledger.client.addReport(patient, randomCommitment(), [hospitalId]);
    const { deployment, chainId } = first.ledger;
    await first.close();

    const second = await startContext({ ...config, chainPort: await freePort() });
    try {
      assert.equal(second.ledger.chainId, chainId);
      assert.deepEqual(second.ledger.deployment, deployment);
      assert.equal((await second.custodian.signer(address)).privateKey, patient.privateKey);
      assert.equal(await second.ledger.client.isPatient(address), true);
      assert.deepEqual(await second.ledger.client.reportsOf(address), [reportId]);
      // The account's nonce carries on after the restart.
      await second.ledger.client.shareReport(await second.custodian.signer(address), reportId, (await second.ledger.client.addHospital(second.ledger.admin, 'Third')).hospitalId);
    } finally {
      await second.close();
    }
  });

  it('refuses to start under a master key that is not the data\'s', async () => {
    const config = await testConfig();
    const first = await startContext(config);
    await first.custodian.createAccount();
    await first.close();
    await assert.rejects(
      startContext(loadConfig({ DATA_DIR: config.dataDir, CHAIN_PORT: String(await freePort()), EHR_MASTER_KEY: randomBytes(32).toString('hex') })),
      /EHR_MASTER_KEY does not open the keys in DATA_DIR/,
    );
  });
});
