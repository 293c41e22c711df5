/**
 * The store's ports, one suite run against both implementations: SQLite (a temporary DATA_DIR)
 * and PostgreSQL (a throwaway cluster, a fresh database per test). The same calls must give the
 * same rows, with the same field names and JS types, in the same order. Then what only one of
 * them does: SQLite's one connection queues every caller behind a unit of work; PostgreSQL has
 * several servers on one database, migrations under a lock, outages.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { SessionData } from 'express-session';
import type { DecodedEvent } from '../../src/ledger/abi';
import { isStoreUnavailable, openStore } from '../../src/store';
import type { ActFilter, ActSort, EventOrigin, NewUser, PageWindow, Store } from '../../src/store/ports';
import { ACT_SORTS } from '../../src/store/ports';
import { describePostgres, openPostgresStore } from '../../src/store/postgres';
import { SealedSessionStore } from '../../src/store/session-store';
import { openSqliteStore } from '../../src/store/sqlite';
import { tempDataDir } from '../support/context';
import { freePort } from '../support/ports';
import { postgresBinDir, postgresCluster } from '../support/postgres';
import { startTcpProxy } from '../support/tcp-proxy';

interface Implementation {
  readonly name: string;
  /** What the suite needs once, before its first test (so that the first test does not pay for it in its own time). */
  prepare?(): Promise<unknown>;
  /** A fresh, empty store; `cleanUp` removes what it leaves behind once closed. */
  open(label: string): Promise<{ store: Store; cleanUp(): void }>;
}

const SQLITE: Implementation = {
  name: 'SQLite',
  async open() {
    const dir = tempDataDir('conformance');
    return { store: openSqliteStore(dir), cleanUp: () => fs.rmSync(dir, { recursive: true, force: true }) };
  },
};

const IMPLEMENTATIONS: readonly Implementation[] = [
  SQLITE,
  {
    name: 'PostgreSQL',
    prepare: postgresCluster, // the cluster starts once per process
    async open(label) {
      const url = await (await postgresCluster()).createDatabase(label);
      return { store: await openPostgresStore(url), cleanUp: () => undefined };
    },
  },
];

// ─── A small ledger's worth of events ─────────────────────────────────────────────────────────

const address = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
/** As the ledger's decoder gives it (checksummed: mixed case); the store keeps it lower case. */
const checksummed = (lower: string) => `0x${lower.slice(2).toUpperCase()}`;
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

const P1 = `0xaa${'0'.repeat(37)}1`;
const P2 = `0xaa${'0'.repeat(37)}2`;
const D1 = `0xdd${'0'.repeat(37)}1`;
const D2 = `0xdd${'0'.repeat(37)}2`;
const C = (n: number) => hash(0xc000 + n);

const TIME_OF_BLOCK = (block: number) => 1_000 + (block - 1) * 10;
const origin = (block: number): EventOrigin => ({ blockNumber: block, transactionHash: hash(block), timestamp: TIME_OF_BLOCK(block) });
const event = (name: string, args: Record<string, unknown>, logIndex = 0): DecodedEvent => ({ name, args, logIndex });

/** Block by block, one transaction each. */
const BLOCKS: readonly (readonly DecodedEvent[])[] = [
  /* 1 */ [event('HospitalAdded', { hospitalId: 1n, name: 'St Mary' }), event('HospitalAdded', { hospitalId: 2n, name: 'alder clinic' }, 1), event('HospitalAdded', { hospitalId: 3n, name: 'Birch' }, 2)],
  /* 2 */ [event('DoctorAdded', { doctor: checksummed(D1), hospitalId: 1n }), event('DoctorAdded', { doctor: checksummed(D2), hospitalId: 2n }, 1)],
  /* 3 */ [event('RoleGranted', { role: hash(7), account: checksummed(P1), sender: checksummed(P1) }), event('PatientRegistered', { patient: checksummed(P1) }, 1)],
  /* 4 */ [event('PatientRegistered', { patient: checksummed(P2) })],
  /* 5 */ [event('ReportAdded', { reportId: 1n, patient: checksummed(P1), commitment: C(1) })],
  /* 6 */ [event('ReportAdded', { reportId: 2n, patient: checksummed(P1), commitment: C(2) })],
  /* 7 */ [event('ReportAdded', { reportId: 3n, patient: checksummed(P2), commitment: C(3) })],
  /* 8 */ [event('ReportShared', { reportId: 1n, hospitalId: 1n }), event('ReportShared', { reportId: 1n, hospitalId: 2n }, 1)],
  /* 9 */ [event('ReportRevoked', { reportId: 1n, hospitalId: 2n })],
  /* 10 */ [event('ReportShared', { reportId: 2n, hospitalId: 1n }), event('ReportShared', { reportId: 3n, hospitalId: 1n }, 1)],
  /* 11 */ [event('PrescriptionAdded', { reportId: 1n, doctor: checksummed(D1), hospitalId: 1n, index: 0n, commitment: C(10) })],
  /* 12 */ [event('PrescriptionAdded', { reportId: 1n, doctor: checksummed(D1), hospitalId: 1n, index: 1n, commitment: C(11) })],
  /* 13 */ [event('ReportAccessed', { reportId: 1n, patient: checksummed(P1), doctor: checksummed(D1), hospitalId: 1n })],
  /* 14 */ [event('ReportAccessed', { reportId: 2n, patient: checksummed(P1), doctor: checksummed(D1), hospitalId: 1n })],
  /* 15 */ [event('ReportAccessed', { reportId: 1n, patient: checksummed(P1), doctor: checksummed(D1), hospitalId: 1n })],
];

/** The users behind the addresses (the acts and the doctors' list join them). */
const USERS: readonly NewUser[] = [
  { username: 'zoe', passwordHash: 'h', role: 'patient', address: P1, fullName: 'Zoe Patient', email: 'zoe@example.org', phone: '', specialty: '', hospitalId: null },
  { username: 'adam', passwordHash: 'h', role: 'patient', address: P2, fullName: 'Adam Patient', email: 'adam@example.org', phone: '1', specialty: '', hospitalId: null },
  // Byte order puts "Bob" before "alice"; ignoring case, "alice" comes first.
  { username: 'bob', passwordHash: 'h', role: 'doctor', address: D1, fullName: 'Bob Smith', email: 'bob@example.org', phone: '', specialty: 'GP', hospitalId: 1 },
  { username: 'carol', passwordHash: 'h', role: 'doctor', address: D2, fullName: 'alice Jones', email: 'carol@example.org', phone: '', specialty: 'ENT', hospitalId: 2 },
];

async function addUsers(store: Store): Promise<void> {
  for (const user of USERS) {
    await store.accounts.insert(user.address, `key of ${user.username}`);
    await store.users.insert(user);
  }
}

/** Blocks 1–7 as the follower applies them (one range, cursor moved to 8), the rest as receipts. */
async function project(store: Store): Promise<void> {
  const range = BLOCKS.slice(0, 7).flatMap((events, i) => events.map(event => ({ event, ...origin(i + 1) })));
  await store.projection.applyRange(range, 8);
  for (let block = 8; block <= BLOCKS.length; block++) await store.projection.applyAll(BLOCKS[block - 1], origin(block));
}

const sorted = <T extends { id?: number; reportId?: number; hospitalId?: number }>(rows: T[]) =>
  [...rows].sort((a, b) => (a.id ?? a.reportId ?? 0) - (b.id ?? b.reportId ?? 0) || (a.hospitalId ?? 0) - (b.hospitalId ?? 0));

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** A unit of work that writes a = 1, then waits to be released (e.g. more work of the same unit), then writes b = 2. */
function heldUnit(store: Store): { unit: Promise<void>; release(): void } {
  let release!: () => void;
  const held = new Promise<void>(resolve => (release = resolve));
  const unit = store.transaction(async () => {
    await store.settings.set('a', '1');
    await held;
    await store.settings.set('b', '2');
  });
  return { unit, release };
}

// ─── The shared suite ─────────────────────────────────────────────────────────────────────────

for (const implementation of IMPLEMENTATIONS) {
  describe(`the store's ports on ${implementation.name}`, function () {
    this.timeout(60_000);
    let store: Store;
    let cleanUp: () => void;

    before(async () => {
      await implementation.prepare?.();
    });
    beforeEach(async function () {
      ({ store, cleanUp } = await implementation.open(this.currentTest?.title ?? 'test'));
    });
    afterEach(async () => {
      await store.close();
      cleanUp();
    });

    describe('users and accounts', () => {
      it('stores an account with its address in lower case, and finds it by any case', async () => {
        assert.equal(await store.accounts.first(), undefined);
        const first = await store.accounts.insert(checksummed(address(1)), 'sealed-1');
        const second = await store.accounts.insert(address(2), 'sealed-2');
        assert.deepEqual(first, { id: first.id, address: address(1), encryptedKey: 'sealed-1' });
        assert.equal(typeof first.id, 'number');
        assert.ok(second.id > first.id);
        assert.deepEqual(await store.accounts.findByAddress(checksummed(address(2))), second);
        assert.deepEqual(await store.accounts.first(), first);
        assert.equal(await store.accounts.findByAddress(address(3)), undefined);
        await assert.rejects(store.accounts.insert(address(1), 'again'));
      });

      it('inserts users and finds them by id, username and address', async () => {
        assert.equal(await store.users.any(), false);
        await addUsers(store);
        assert.equal(await store.users.any(), true);
        const zoe = await store.users.findByUsername('zoe');
        assert.deepEqual(zoe, { ...USERS[0], id: zoe!.id });
        assert.equal(typeof zoe!.id, 'number');
        assert.deepEqual(await store.users.findById(zoe!.id), zoe);
        assert.equal(await store.users.findById(zoe!.id + 1000), undefined);
        assert.equal(await store.users.findByUsername('nobody'), undefined);
        assert.equal(await store.users.usernameTaken('zoe'), true);
        assert.equal(await store.users.usernameTaken('Zoe'), false);
        const bob = await store.users.findByUsername('bob');
        assert.equal(bob!.hospitalId, 1);

        const byAddress = await store.users.byAddress([P1, D1, P1, address(99)]);
        assert.deepEqual([...byAddress.keys()].sort(), [P1, D1].sort());
        assert.equal(byAddress.get(D1)!.username, 'bob');
        assert.equal((await store.users.byAddress([])).size, 0);

        // Byte order, as SQLite's default: "Bob Smith" before "alice Jones".
        assert.deepEqual((await store.users.doctors()).map(user => user.username), ['bob', 'carol']);

        await store.users.setPasswordHash(zoe!.id, 'new hash');
        assert.equal((await store.users.findById(zoe!.id))!.passwordHash, 'new hash');
        await assert.rejects(store.users.insert({ ...USERS[0], address: address(50) }), 'a username is unique');
      });

      it('reserves a username for one signup at a time, and takes over a stale reservation', async () => {
        assert.equal(await store.users.reserve('eve', 1_000, 0), true);
        assert.equal(await store.users.reserve('eve', 2_000, 500), false, 'held by a live signup');
        assert.equal(await store.users.reserve('eve', 3_000, 1_000), true, 'reserved at or before staleBefore: taken over');
        assert.equal(await store.users.reserve('eve', 3_500, 2_000), false, 'the take-over renewed it');
        await store.users.release('eve');
        assert.equal(await store.users.reserve('eve', 4_000, 0), true);
        const answers = await Promise.all(Array.from({ length: 6 }, () => store.users.reserve('mallory', 5_000, 0)));
        assert.equal(answers.filter(Boolean).length, 1, 'of signups at once, one gets the name');
      });
    });

    describe('bodies', () => {
      it('goes pending → confirmed, and discards only what is still pending', async () => {
        await store.bodies.insertPending(C(1), 'report', P1, 'envelope-1');
        await store.bodies.insertPending(C(2), 'prescription', D1, 'envelope-2');
        assert.deepEqual(await store.bodies.get(C(1)), {
          commitment: C(1), kind: 'report', author: P1, envelope: 'envelope-1', status: 'pending', transactionHash: null, blockNumber: null,
        });
        await store.bodies.confirm(C(1), hash(5), 5);
        assert.deepEqual(await store.bodies.get(C(1)), {
          commitment: C(1), kind: 'report', author: P1, envelope: 'envelope-1', status: 'confirmed', transactionHash: hash(5), blockNumber: 5,
        });
        await store.bodies.discard(C(1));
        await store.bodies.discard(C(2));
        assert.equal((await store.bodies.get(C(1)))?.status, 'confirmed', 'a confirmed body stays');
        assert.equal(await store.bodies.get(C(2)), undefined);
        await assert.rejects(store.bodies.insertPending(C(1), 'report', P1, 'again'), 'a commitment is stored once');

        const many = await store.bodies.getMany([C(1), C(2), C(3)]);
        assert.deepEqual([...many.keys()], [C(1)]);
        assert.deepEqual(many.get(C(1)), await store.bodies.get(C(1)));
        assert.equal((await store.bodies.getMany([])).size, 0);

        await store.bodies.replaceEnvelope(C(1), 'tampered');
        assert.equal((await store.bodies.get(C(1)))?.envelope, 'tampered');
      });

      it('fails what is pending from before a time, and lists an author\'s failed bodies newest first', async () => {
        await store.bodies.insertPending(C(1), 'report', P1, 'e1');
        await sleep(5);
        await store.bodies.insertPending(C(2), 'report', P1, 'e2');
        await store.bodies.insertPending(C(3), 'prescription', P1, 'e3');
        await store.bodies.insertPending(C(4), 'report', P2, 'e4');
        await store.bodies.confirm(C(4), hash(4), 4);
        assert.equal(await store.bodies.failPendingBefore(0), 0);
        assert.equal(await store.bodies.failPendingBefore(Date.now() + 1_000), 3);
        assert.equal(await store.bodies.failPendingBefore(Date.now() + 1_000), 0, 'failed once');
        const failed = await store.bodies.failedOf('report', checksummed(P1));
        assert.deepEqual(failed.map(row => row.commitment), [C(2), C(1)]);
        assert.equal(typeof failed[0].createdAt, 'number');
        assert.ok(failed[0].createdAt >= failed[1].createdAt);
        assert.deepEqual(failed[0], { commitment: C(2), kind: 'report', author: P1, envelope: 'e2', status: 'failed', transactionHash: null, blockNumber: null, createdAt: failed[0].createdAt });
        assert.deepEqual(await store.bodies.failedOf('report', P2), []);
      });

      it('settles the bodies whose commitments the read model holds', async () => {
        await store.bodies.insertPending(C(1), 'report', P1, 'e1');
        await store.bodies.insertPending(C(11), 'prescription', D1, 'e11');
        await store.bodies.insertPending(C(99), 'report', P1, 'e99');
        await store.bodies.failPendingBefore(Date.now() + 1_000); // a restart took them for lost…
        await project(store); // …and then the ledger had them after all
        assert.equal(await store.bodies.settleFromReadModel(), 2);
        assert.deepEqual(await store.bodies.get(C(1)), {
          commitment: C(1), kind: 'report', author: P1, envelope: 'e1', status: 'confirmed', transactionHash: hash(5), blockNumber: 5,
        });
        assert.deepEqual(await store.bodies.get(C(11)), {
          commitment: C(11), kind: 'prescription', author: D1, envelope: 'e11', status: 'confirmed', transactionHash: hash(12), blockNumber: 12,
        });
        assert.equal((await store.bodies.get(C(99)))?.status, 'failed');
        assert.equal(await store.bodies.settleFromReadModel(), 0);
      });
    });

    describe('settings', () => {
      it('gets, overwrites and deletes a value', async () => {
        assert.equal(await store.settings.get('admin.hash'), undefined);
        await store.settings.set('admin.hash', 'one');
        await store.settings.set('admin.hash', 'two');
        assert.equal(await store.settings.get('admin.hash'), 'two');
        await store.settings.delete('admin.hash');
        await store.settings.delete('admin.hash');
        assert.equal(await store.settings.get('admin.hash'), undefined);
      });
    });

    describe('the projection and the read model', () => {
      beforeEach(async () => {
        await addUsers(store);
        await project(store);
      });

      it('moves the cursor with a range, not with receipts', async () => {
        assert.equal(await store.projection.nextBlock(), 8);
      });

      it('lists hospitals ignoring case, with their doctors and off-ledger details', async () => {
        await store.readModel.saveHospitalDetails(1, { address: 'old', phone: 'old' });
        await store.readModel.saveHospitalDetails(1, { address: '1 Main St', phone: '555' });
        assert.deepEqual(await store.readModel.hospitals(), [
          { id: 2, name: 'alder clinic', address: '', phone: '', doctorCount: 1 },
          { id: 3, name: 'Birch', address: '', phone: '', doctorCount: 0 },
          { id: 1, name: 'St Mary', address: '1 Main St', phone: '555', doctorCount: 1 },
        ]);
        assert.equal(await store.readModel.hospitalExists(3), true);
        assert.equal(await store.readModel.hospitalExists(4), false);
        assert.deepEqual(await store.readModel.hospitalNames(), new Map([[1, 'St Mary'], [2, 'alder clinic'], [3, 'Birch']]));
        assert.deepEqual(await store.readModel.doctors(), [
          {
            username: 'carol', fullName: 'alice Jones', email: 'carol@example.org', specialty: 'ENT', address: D2,
            hospitalId: 2, hospitalName: 'alder clinic', hospitalAddress: '', hospitalPhone: '',
          },
          {
            username: 'bob', fullName: 'Bob Smith', email: 'bob@example.org', specialty: 'GP', address: D1,
            hospitalId: 1, hospitalName: 'St Mary', hospitalAddress: '1 Main St', hospitalPhone: '555',
          },
        ]);
      });

      it('reads reports, pages of them, grants and the latest prescriptions', async () => {
        const report1 = { id: 1, patient: P1, commitment: C(1), createdAt: TIME_OF_BLOCK(5), transactionHash: hash(5), blockNumber: 5 };
        assert.deepEqual(await store.readModel.report(1), report1);
        assert.equal(await store.readModel.report(99), undefined);
        assert.deepEqual((await store.readModel.reportsOfPatient(P1)).map(r => r.id), [2, 1]);
        assert.deepEqual(await store.readModel.reportsOfPatient(P1, { limit: 1, offset: 1 }), [report1]);
        assert.deepEqual(await store.readModel.reportsOfPatient(P1, { limit: -1, offset: 0 }), await store.readModel.reportsOfPatient(P1));
        assert.deepEqual(await store.readModel.reportsOfPatient(address(5)), []);
        assert.deepEqual((await store.readModel.reportsForHospital(1)).map(r => r.id), [3, 2, 1]);
        assert.deepEqual((await store.readModel.reportsForHospital(1, { limit: 2, offset: 1 })).map(r => r.id), [2, 1]);
        assert.deepEqual(await store.readModel.reportsForHospital(2), [], 'revoked');

        assert.deepEqual(
          await store.readModel.grants([1, 2, 99]),
          new Map([
            [1, [{ reportId: 1, hospitalId: 2, hospitalName: 'alder clinic', active: false }, { reportId: 1, hospitalId: 1, hospitalName: 'St Mary', active: true }]],
            [2, [{ reportId: 2, hospitalId: 1, hospitalName: 'St Mary', active: true }]],
            [99, []],
          ]),
        );
        assert.equal((await store.readModel.grants([])).size, 0);

        assert.deepEqual(
          await store.readModel.latestPrescriptions([1, 2]),
          new Map([[1, { reportId: 1, index: 1, doctor: D1, hospitalId: 1, hospitalName: 'St Mary', commitment: C(11), createdAt: TIME_OF_BLOCK(12), transactionHash: hash(12), blockNumber: 12 }]]),
        );
        assert.equal((await store.readModel.latestPrescriptions([])).size, 0);

        assert.deepEqual(await store.readModel.commitments(), new Map([['1:', C(1)], ['2:', C(2)], ['3:', C(3)], ['1:0', C(10)], ['1:1', C(11)]]));
        assert.deepEqual(sorted(await store.readModel.reportsUpTo(6)), [{ id: 1, patient: P1, commitment: C(1) }, { id: 2, patient: P1, commitment: C(2) }]);
        assert.deepEqual(sorted(await store.readModel.grantsUpTo(8)), [{ reportId: 1, hospitalId: 1, active: true }]);
        assert.deepEqual(sorted(await store.readModel.grantsUpTo(9)), [{ reportId: 1, hospitalId: 1, active: true }, { reportId: 1, hospitalId: 2, active: false }]);
      });

      it('records every act, with names joined from the users', async () => {
        assert.equal(await store.acts.count({}), 20);
        assert.equal(await store.acts.count({ actor: 'admin' }), 5);
        assert.equal(await store.acts.count({ act: 'opened' }), 3);
        assert.equal(await store.acts.count({ from: TIME_OF_BLOCK(11), to: TIME_OF_BLOCK(14) }), 3);
        assert.equal(await store.acts.count({ patient: P2 }), 3); // registered, added, shared (the share names only the report)
        assert.equal(await store.acts.count({ actor: D1, act: 'prescribed' }), 2);

        const shared = await store.acts.find({ act: 'report-shared' }, 'time', false);
        assert.equal(shared.length, 4);
        assert.deepEqual(shared[0], {
          transactionHash: hash(8), blockNumber: 8, time: TIME_OF_BLOCK(8), act: 'report-shared', actor: P1, actorUsername: 'zoe', actorRole: 'patient',
          patient: P1, patientUsername: 'zoe', doctor: null, doctorName: null, reportId: 1, hospitalId: 1, hospitalName: 'St Mary', reportCommitment: C(1),
        });
        const [prescribed] = await store.acts.find({ act: 'prescribed' }, 'time', true, { limit: 1, offset: 0 });
        assert.deepEqual(prescribed, {
          transactionHash: hash(12), blockNumber: 12, time: TIME_OF_BLOCK(12), act: 'prescribed', actor: D1, actorUsername: 'bob', actorRole: 'doctor',
          patient: P1, patientUsername: 'zoe', doctor: D1, doctorName: 'Bob Smith', reportId: 1, hospitalId: 1, hospitalName: 'St Mary', reportCommitment: C(1),
        });
        const admin = await store.acts.find({ actor: 'admin' }, 'time', false);
        assert.deepEqual(admin.map(row => [row.act, row.actor, row.hospitalId]), [
          ['hospital-added', null, 1], ['hospital-added', null, 2], ['hospital-added', null, 3], ['doctor-added', null, 1], ['doctor-added', null, 2],
        ]);
        assert.deepEqual((await store.acts.find({}, 'time', true, { limit: 2, offset: 1 })).map(row => row.blockNumber), [14, 13]);
        assert.deepEqual((await store.acts.find({}, 'report', true, { limit: 3, offset: 0 })).map(row => [row.reportId, row.blockNumber]), [[3, 10], [3, 7], [2, 14]]);
        assert.deepEqual((await store.acts.find({}, 'actor', false)).slice(0, 6).map(row => row.actorUsername), [null, null, null, null, null, 'adam']);
        assert.equal((await store.acts.find({}, 'act', false))[0].act, 'doctor-added');
        assert.deepEqual((await store.acts.find({ patient: P1 }, 'patient', true, { limit: 100, offset: 10 })).length, 2);
      });

      it('keeps the access log and the last opening', async () => {
        const log = await store.acts.accessLog(P1, 2, 0);
        assert.deepEqual(log.map(row => [row.reportId, row.time, row.actorUsername, row.doctorName, row.hospitalName]), [
          [1, TIME_OF_BLOCK(15), 'bob', 'Bob Smith', 'St Mary'],
          [2, TIME_OF_BLOCK(14), 'bob', 'Bob Smith', 'St Mary'],
        ]);
        assert.deepEqual((await store.acts.accessLog(P1, 10, 2)).map(row => row.blockNumber), [13]);
        assert.deepEqual(await store.acts.accessLog(P2, 10, 0), []);
        assert.equal(await store.acts.accessCount(P1), 3);
        assert.equal(await store.acts.accessCount(P2), 0);
        assert.equal(await store.acts.lastOpening(D1, 1), TIME_OF_BLOCK(15));
        assert.equal(await store.acts.lastOpening(D1, 3), undefined);
        assert.equal(await store.acts.lastOpening(D2, 1), undefined);
      });

      it('changes nothing when events are applied again, and an older grant event does not undo a newer one', async () => {
        const before = {
          acts: await store.acts.find({}, 'time', false),
          grants: await store.readModel.grants([1, 2, 3]),
          hospitals: await store.readModel.hospitals(),
          commitments: await store.readModel.commitments(),
        };
        await project(store);
        await store.projection.applyAll(BLOCKS[7], origin(8)); // "shared with 2" again, older than its revoke
        assert.deepEqual(
          {
            acts: await store.acts.find({}, 'time', false),
            grants: await store.readModel.grants([1, 2, 3]),
            hospitals: await store.readModel.hospitals(),
            commitments: await store.readModel.commitments(),
          },
          before,
        );
      });

      it('resets the read model and the cursor, and leaves the app\'s own tables alone', async () => {
        await store.settings.set('kept', 'yes');
        await store.projection.reset(3);
        assert.equal(await store.projection.nextBlock(), 3);
        assert.deepEqual(await store.readModel.hospitals(), []);
        assert.equal(await store.acts.count({}), 0);
        assert.equal((await store.readModel.commitments()).size, 0);
        assert.equal(await store.settings.get('kept'), 'yes');
        assert.equal(await store.users.any(), true);
        await project(store);
        assert.equal(await store.acts.count({}), 20);
      });

      it('applies a range as one unit: an event that fails leaves neither rows nor cursor', async () => {
        await store.projection.reset(1);
        const good = BLOCKS[0].map(event => ({ event, ...origin(1) }));
        // An argument that cannot be read fails the event after the range's first rows were written.
        const bad = { event: event('ReportAdded', { reportId: Symbol('unreadable'), patient: checksummed(P1), commitment: C(9) }), ...origin(2) };
        await assert.rejects(store.projection.applyRange([...good, bad], 3));
        assert.equal(await store.projection.nextBlock(), 1);
        assert.deepEqual(await store.readModel.hospitals(), []);
        await assert.rejects(store.projection.applyAll([BLOCKS[0][0], bad.event], origin(1)));
        assert.deepEqual(await store.readModel.hospitals(), []);
      });
    });

    describe('sessions', () => {
      it('gets a session until it expires, and touches, replaces and destroys it', async () => {
        const now = 1_700_000_000_000;
        await store.sessions.set('k1', 'd1', now + 1_000, 'patient:1');
        assert.equal(await store.sessions.get('k1', now), 'd1');
        assert.equal(await store.sessions.get('k1', now + 1_000), undefined, 'expired at its time');
        await store.sessions.touch('k1', now + 5_000);
        assert.equal(await store.sessions.get('k1', now + 2_000), 'd1');
        await store.sessions.set('k1', 'd1b', now + 5_000, 'patient:1');
        assert.equal(await store.sessions.get('k1', now), 'd1b');
        await store.sessions.destroy('k1');
        assert.equal(await store.sessions.get('k1', now), undefined);
        await store.sessions.touch('nobody', now); // nothing to touch: no error
        await store.sessions.destroy('nobody');
      });

      it('ends a user\'s other sessions, and sweeps the expired ones', async () => {
        const now = 1_700_000_000_000;
        await store.sessions.set('mine', 'a', now + 10_000, 'patient:1');
        await store.sessions.set('other-device', 'b', now + 10_000, 'patient:1');
        await store.sessions.set('third', 'c', now + 10_000, 'patient:1');
        await store.sessions.set('theirs', 'd', now + 10_000, 'doctor:1');
        await store.sessions.set('anonymous', 'e', now + 100, null);
        assert.equal(await store.sessions.destroyOthers('patient:1', 'mine'), 2);
        assert.equal(await store.sessions.get('mine', now), 'a');
        assert.equal(await store.sessions.get('other-device', now), undefined);
        assert.equal(await store.sessions.get('theirs', now), 'd');
        assert.equal(await store.sessions.sweep(now + 100), 1);
        assert.equal(await store.sessions.sweep(now + 100), 0);
        assert.equal(await store.sessions.sweep(now + 10_000), 2);
      });
    });

    describe('the throttle', () => {
      it('records events under several keys, and reads those after a time, oldest first', async () => {
        await store.throttle.record(['a', 'b'], 100);
        await store.throttle.record(['a'], 200);
        await store.throttle.record([], 250);
        assert.deepEqual(await store.throttle.since('a', 0), [100, 200]);
        assert.deepEqual(await store.throttle.since('a', 100), [200]);
        assert.deepEqual(await store.throttle.since('b', 0), [100]);
        assert.deepEqual(await store.throttle.since('c', 0), []);
        // Rows older than the longest window (an hour) go as new ones arrive.
        await store.throttle.record(['c'], 101 + 60 * 60 * 1000);
        assert.deepEqual(await store.throttle.since('a', 0), [200]);
        assert.deepEqual(await store.throttle.since('b', 0), []);
      });

      it('admits up to the limit in a window, atomically, and then says what the window holds', async () => {
        const at = Date.now();
        const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => store.throttle.admit('k', at + i, 3, 60_000)));
        assert.equal(answers.filter(answer => answer === undefined).length, 3);
        const admitted = await store.throttle.since('k', 0);
        assert.equal(admitted.length, 3);
        for (const answer of answers) if (answer) assert.deepEqual(answer, admitted);
        // Out of the window, the old events no longer count.
        assert.equal(await store.throttle.admit('k', at + 60_010, 3, 60_000), undefined);
      });
    });

    describe('a unit of work', () => {
      it('keeps every write when it succeeds, and returns what its work returns', async () => {
        const result = await store.transaction(async () => {
          await store.settings.set('a', '1');
          await store.sessions.set('s', 'data', Date.now() + 10_000, null);
          return 'done';
        });
        assert.equal(result, 'done');
        assert.equal(await store.settings.get('a'), '1');
        assert.equal(await store.sessions.get('s', Date.now()), 'data');
      });

      it('keeps none of its writes when it fails, and passes the failure on', async () => {
        await assert.rejects(
          store.transaction(async () => {
            await store.settings.set('a', '1');
            await store.bodies.insertPending(C(1), 'report', P1, 'e');
            await store.projection.applyAll(BLOCKS[0], origin(1)); // joins this unit
            throw new Error('half-way');
          }),
          /half-way/,
        );
        assert.equal(await store.settings.get('a'), undefined);
        assert.equal(await store.bodies.get(C(1)), undefined);
        assert.deepEqual(await store.readModel.hospitals(), []);
      });

      it('never lets another caller see it half-done, and makes a writer of the same row wait for it', async () => {
        await Promise.all(Array.from({ length: 3 }, () => store.settings.get('a'))); // connections for the unit, the reader and the writer
        const { unit, release } = heldUnit(store);
        await sleep(20);
        const reader = (async () => [await store.settings.get('a'), await store.settings.get('b')])();
        const writer = store.settings.set('a', 'outside');
        // The unit goes on once the reader is done (PostgreSQL: it waits for nothing) or has waited
        // a while (SQLite: it waits for the unit). A fixed wait alone let a reader slowed by a
        // loaded machine read one value before the unit committed and one after.
        await Promise.race([reader, sleep(250)]);
        release();
        await unit;
        await writer;
        const seen = await reader;
        assert.ok(
          JSON.stringify(seen) === JSON.stringify([undefined, undefined]) || JSON.stringify(seen) === JSON.stringify(['1', '2']),
          `the reader saw ${JSON.stringify(seen)}`,
        );
        assert.equal(await store.settings.get('a'), 'outside', 'the outside write came after the unit');
        assert.equal(await store.settings.get('b'), '2');
      });

      it('lets a nested unit join the outer one: an outer failure undoes both', async () => {
        await assert.rejects(
          store.transaction(async () => {
            await store.transaction(() => store.settings.set('inner', 'x'));
            assert.equal(await store.settings.get('inner'), 'x', 'the unit sees its own writes');
            throw new Error('outer fails');
          }),
          /outer fails/,
        );
        assert.equal(await store.settings.get('inner'), undefined);
      });

      it('refuses a straggler of a finished unit instead of writing outside it', async () => {
        let straggler: Promise<void> | undefined;
        await store.transaction(async () => {
          straggler = sleep(10).then(() => store.settings.set('late', 'x'));
        });
        await assert.rejects(straggler!, /has ended/);
        assert.equal(await store.settings.get('late'), undefined);
      });

      it('runs many units at once, each whole', async () => {
        await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            store.transaction(async () => {
              await store.settings.set(`x${i}`, String(i));
              await sleep(1);
              await store.settings.set(`y${i}`, String(i));
            }),
          ),
        );
        for (let i = 0; i < 12; i++) assert.deepEqual([await store.settings.get(`x${i}`), await store.settings.get(`y${i}`)], [String(i), String(i)]);
      });
    });
  });
}

// ─── SQLite only: one connection, so callers queue behind a unit of work ──────────────────────

describe('the SQLite store', function () {
  let store: Store;
  let cleanUp: () => void;

  beforeEach(async () => {
    ({ store, cleanUp } = await SQLITE.open('sqlite'));
  });
  afterEach(async () => {
    await store.close();
    cleanUp();
  });

  it('makes other callers wait for a unit of work, so they see it whole', async () => {
    const { unit, release } = heldUnit(store);
    const outside = (async () => [await store.settings.get('a'), await store.settings.get('b')])();
    await new Promise(resolve => setImmediate(resolve));
    release();
    await unit;
    assert.deepEqual(await outside, ['1', '2']);
  });

  it('runs units one after another', async () => {
    const order: string[] = [];
    const unit = (name: string) =>
      store.transaction(async () => {
        order.push(`${name} begins`);
        await store.settings.set(name, name);
        await new Promise(resolve => setImmediate(resolve));
        order.push(`${name} ends`);
      });
    await Promise.all([unit('first'), unit('second')]);
    assert.deepEqual(order, ['first begins', 'first ends', 'second begins', 'second ends']);
  });

  it('admits throttle events in the order of the calls', async () => {
    const at = Date.now();
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => store.throttle.admit('k', at + i, 3, 60_000)));
    assert.equal(answers.filter(answer => answer === undefined).length, 3);
    assert.deepEqual(answers[4], [at, at + 1, at + 2]);
    assert.deepEqual(await store.throttle.since('k', 0), [at, at + 1, at + 2]);
  });
});

// ─── Both implementations agree, query for query ──────────────────────────────────────────────

describe('SQLite and PostgreSQL give the same acts', function () {
  this.timeout(60_000);
  const stores: Store[] = [];
  const dirs: string[] = [];

  before(async () => {
    const dir = tempDataDir('conformance');
    dirs.push(dir);
    stores.push(openSqliteStore(dir), await openPostgresStore(await (await postgresCluster()).createDatabase('agree')));
    for (const store of stores) {
      await addUsers(store);
      await project(store);
    }
  });
  after(async () => {
    for (const store of stores) await store.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('for every filter, sort, direction and page', async () => {
    const filters: ActFilter[] = [
      {}, { actor: 'admin' }, { actor: P1 }, { actor: D1 }, { patient: P1 }, { patient: P2 }, { act: 'report-shared' }, { act: 'opened' },
      { from: TIME_OF_BLOCK(6) }, { to: TIME_OF_BLOCK(6) }, { from: TIME_OF_BLOCK(5), to: TIME_OF_BLOCK(11), patient: P1 }, { actor: address(77) },
    ];
    const pages: (PageWindow | undefined)[] = [undefined, { limit: 3, offset: 2 }, { limit: 5, offset: 0 }, { limit: 4, offset: 100 }];
    let compared = 0;
    for (const filter of filters) {
      const [sqlite, postgres] = stores;
      assert.equal(await postgres.acts.count(filter), await sqlite.acts.count(filter), JSON.stringify(filter));
      for (const sort of ACT_SORTS as readonly ActSort[]) {
        for (const descending of [false, true]) {
          for (const page of pages) {
            const expected = await sqlite.acts.find(filter, sort, descending, page);
            assert.deepStrictEqual(await postgres.acts.find(filter, sort, descending, page), expected, JSON.stringify({ filter, sort, descending, page }));
            compared++;
          }
        }
      }
    }
    assert.equal(compared, filters.length * ACT_SORTS.length * 2 * pages.length);
    for (const patient of [P1, P2]) {
      for (const [limit, offset] of [[1, 0], [2, 1], [10, 0]]) {
        assert.deepStrictEqual(await stores[1].acts.accessLog(patient, limit, offset), await stores[0].acts.accessLog(patient, limit, offset));
      }
    }
    assert.deepStrictEqual(await stores[1].readModel.hospitals(), await stores[0].readModel.hospitals());
    assert.deepStrictEqual(await stores[1].readModel.doctors(), await stores[0].readModel.doctors());
    assert.deepStrictEqual(await stores[1].users.doctors(), await stores[0].users.doctors());
  });
});

// ─── PostgreSQL only: several servers, migrations, outages ────────────────────────────────────

describe('the PostgreSQL store', function () {
  this.timeout(60_000);

  it('fails, saying what to install, where PostgreSQL\'s server binaries are missing', () => {
    assert.throws(() => postgresBinDir('/nonexistent/postgresql'), /PostgreSQL's server binaries are missing .*apt-get install postgresql/);
    assert.match(postgresBinDir(), /\/usr\/lib\/postgresql\/[\d.]+\/bin$/);
  });

  it('is chosen by a postgres:// or postgresql:// DATABASE_URL, and SQLite otherwise', async () => {
    const cluster = await postgresCluster();
    const url = await cluster.createDatabase('chosen');
    const dataDir = tempDataDir('conformance');
    try {
      for (const databaseUrl of [url, url.replace(/^postgres:/, 'postgresql:')]) {
        const store = await openStore({ dataDir, databaseUrl });
        assert.equal(store.description, `PostgreSQL at 127.0.0.1:${cluster.port}/${url.split('/').pop()}`);
        await store.close();
      }
      for (const databaseUrl of [undefined, '', 'mysql://x/y']) {
        const store = await openStore({ dataDir, databaseUrl });
        assert.match(store.description, /^SQLite at /);
        await store.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    assert.equal(describePostgres('postgres://ehr:s3cret@db.example:5433/ehr?sslmode=require'), 'PostgreSQL at db.example:5433/ehr');
    assert.equal(describePostgres('postgresql:///ehr?host=/var/run/postgresql'), 'PostgreSQL at /var/run/postgresql/ehr');
  });

  it('refuses, naming the database, one that cannot be reached or does not exist', async () => {
    const port = await freePort();
    const started = Date.now();
    await assert.rejects(openPostgresStore(`postgres://ehr:s3cret@127.0.0.1:${port}/ehr`), (error: Error) => {
      assert.ok(isStoreUnavailable(error));
      assert.match(error.message, new RegExp(`^cannot open the store \\(PostgreSQL at 127.0.0.1:${port}/ehr\\): `));
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
    assert.ok(Date.now() - started < 5_000);
    const cluster = await postgresCluster();
    await assert.rejects(openPostgresStore(`postgres://postgres@127.0.0.1:${cluster.port}/no_such_database`), (error: Error) => {
      assert.match(error.message, /database "no_such_database" does not exist/);
      assert.equal(isStoreUnavailable(error), false, 'a wrong setting, not an outage');
      return true;
    });
  });

  it('migrates once when several servers start on one database at the same moment', async () => {
    const url = await (await postgresCluster()).createDatabase('migrate-at-once');
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(url)));
    try {
      const { rows } = await stores[0].pool.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
      assert.deepEqual(rows.map(row => row.version), [1, 2, 3, 4]);
      await stores[1].settings.set('seen', 'by all');
      for (const store of stores) assert.equal(await store.settings.get('seen'), 'by all');
      // And opening once more finds nothing to do.
      const again = await openPostgresStore(url);
      assert.equal((await again.pool.query('SELECT 1 FROM schema_migrations')).rowCount, 4);
      await again.close();
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it('refuses a database whose schema is newer than the code', async () => {
    const url = await (await postgresCluster()).createDatabase('newer');
    const store = await openPostgresStore(url);
    await store.pool.query(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 0)`);
    await store.close();
    await assert.rejects(openPostgresStore(url), /the database schema \(version 99\) is newer than this code \(4\)/);
  });

  it('shares sessions and throttle counts between servers, and admits atomically across them', async () => {
    const url = await (await postgresCluster()).createDatabase('two-servers');
    const [one, two] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    try {
      // express-session's store on each server, under the one master key: a login on one is a login on the other.
      const masterKey = Buffer.alloc(32, 7);
      const [sessionsOne, sessionsTwo] = [new SealedSessionStore(one.sessions, masterKey), new SealedSessionStore(two.sessions, masterKey)];
      const data = { cookie: { originalMaxAge: 60_000 }, loginName: 'zoe' } as unknown as SessionData;
      await new Promise<void>((resolve, reject) => sessionsOne.set('sid-1', data, error => (error ? reject(error as Error) : resolve())));
      const seen = await new Promise<SessionData | null | undefined>((resolve, reject) =>
        sessionsTwo.get('sid-1', (error, session) => (error ? reject(error as Error) : resolve(session))),
      );
      sessionsOne.close();
      sessionsTwo.close();
      assert.deepEqual(seen, data);
      const at = Date.now();
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).throttle.admit('login:x', at + i, 4, 60_000)));
      assert.equal(answers.filter(answer => answer === undefined).length, 4);
      assert.equal((await one.throttle.since('login:x', 0)).length, 4);
      const reserved = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? one : two).users.reserve('dana', at, 0)));
      assert.equal(reserved.filter(Boolean).length, 1);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('rolls back a unit of work that outlives its limit, and the connection serves again', async () => {
    const url = await (await postgresCluster()).createDatabase('unit-timeout');
    const store = await openPostgresStore(url, { unitOfWorkTimeoutMs: 300, maxConnections: 1 });
    try {
      let straggler: Promise<string> | undefined;
      await assert.rejects(
        store.transaction(async () => {
          await store.settings.set('a', '1');
          await sleep(600); // e.g. a node call inside a unit of work
          straggler = store.settings.set('b', '2').then(() => 'written', (error: Error) => error.message);
        }),
        /took over 300 ms and was rolled back/,
      );
      assert.equal(await store.settings.get('a'), undefined);
      await sleep(400);
      assert.match(await straggler!, /has ended/);
      assert.equal(await store.settings.get('b'), undefined);
      await store.settings.set('c', '3');
      assert.equal(await store.settings.get('c'), '3');
      // A bug (a unit of work too long) or bad data is not an outage.
      await assert.rejects(store.accounts.insert('not an address', 'k'), (error: Error) => !isStoreUnavailable(error));
    } finally {
      await store.close();
    }
  });

  it('refuses a straggler\'s own unit of work too, rather than opening a new one', async () => {
    const store = await openPostgresStore(await (await postgresCluster()).createDatabase('straggler'));
    try {
      let nested: Promise<void> | undefined;
      await store.transaction(async () => {
        nested = sleep(10).then(() => store.transaction(() => store.settings.set('late', 'y')));
      });
      await assert.rejects(nested!, /has ended/);
      assert.equal(await store.settings.get('late'), undefined);
    } finally {
      await store.close();
    }
  });

  it('fails a call within seconds when the database stops answering, and recovers when it answers again', async () => {
    const cluster = await postgresCluster();
    const url = await cluster.createDatabase('hang');
    const proxy = await startTcpProxy(cluster.port);
    const store = await openPostgresStore(url.replace(`:${cluster.port}/`, `:${proxy.port}/`), { queryTimeoutMs: 1_000, connectionTimeoutMs: 1_000 });
    try {
      await store.settings.set('a', '1');
      proxy.hang();
      for (const call of [() => store.settings.get('a'), () => store.transaction(() => store.settings.set('b', '2'))]) {
        const started = Date.now();
        await assert.rejects(call(), (error: Error) => isStoreUnavailable(error) || assert.fail(`not an outage: ${error.message}`));
        assert.ok(Date.now() - started < 3_000, `failed after ${Date.now() - started} ms`);
      }
      proxy.resume();
      assert.equal(await store.settings.get('a'), '1');
      assert.equal(await store.settings.get('b'), undefined);
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  // Last: it stops the process's cluster (and starts it again).
  it('fails a call within 5 s when the database is stopped, and recovers by itself when it is back', async () => {
    const cluster = await postgresCluster();
    const store = await openPostgresStore(await cluster.createDatabase('stopped'));
    let stopped = false;
    try {
      await store.settings.set('a', '1');
      await Promise.all([store.settings.get('a'), store.settings.get('a'), store.settings.get('a')]); // several pooled connections
      cluster.stop();
      stopped = true;
      for (const call of [() => store.settings.get('a'), () => store.transaction(() => store.settings.set('b', '2')), () => store.throttle.admit('k', 1, 1, 1)]) {
        const started = Date.now();
        await assert.rejects(call(), (error: Error) => isStoreUnavailable(error) || assert.fail(`not an outage: ${error.message}`));
        assert.ok(Date.now() - started < 5_000, `failed after ${Date.now() - started} ms`);
      }
      cluster.start();
      stopped = false;
      assert.equal(await store.settings.get('a'), '1');
    } finally {
      if (stopped) cluster.start();
      await store.close();
    }
  });
});
