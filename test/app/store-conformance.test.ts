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
import pg from 'pg';
import { STAFF_ROLE_IDS, type StaffRole } from '../../src/domain/organisations';
import type { Role } from '../../src/domain/roles';
import type { DecodedEvent } from '../../src/ledger/abi';
import { isStoreUnavailable, openStore } from '../../src/store';
import type {
  ActFilter, ActSort, BodyKind, ClaimRow, DispatchRow, DoctorRow, EmergencyRow, EventOrigin, NewUser, OrganisationRow, PageWindow, StaffRow, Store,
} from '../../src/store/ports';
import { ACT_SORTS } from '../../src/store/ports';
import { READ_MODEL_TABLES } from '../../src/store/events';
import { describePostgres, openPostgresStore } from '../../src/store/postgres';
import { migrate, POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations';
import { SealedSessionStore } from '../../src/store/session-store';
import { openSqliteStore } from '../../src/store/sqlite';
import { openDatabase } from '../../src/store/sqlite/database';
import { MIGRATIONS } from '../../src/store/sqlite/migrations';
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
  /**
   * A store of an older schema (the first `schema` migrations, by default the first contract's),
   * with `seed` (SQL) run in it, then opened (so migrated to the newest); with the names of its
   * tables, the definition of bodies' partial index and that of the users table's role CHECK.
   */
  openUpgraded(label: string, seed: string, schema?: number): Promise<Upgraded>;
}

interface Upgraded {
  readonly store: Store;
  cleanUp(): void;
  readonly tables: string[];
  readonly unsettledIndex: string;
  readonly roleCheck: string;
}

/** How many migrations the first contract's schema has: those before the second contract's. */
const FIRST_CONTRACT_SCHEMA = MIGRATIONS.findIndex(migration => /second contract/.test(migration.name));
/** How many migrations the second contract's first schema has: those before pharmacies and insurers signed in. */
const SECOND_CONTRACT_SCHEMA = MIGRATIONS.findIndex(migration => /pharmacies, insurers/.test(migration.name));

const SQLITE: Implementation = {
  name: 'SQLite',
  async open() {
    const dir = tempDataDir('conformance');
    return { store: openSqliteStore(dir), cleanUp: () => fs.rmSync(dir, { recursive: true, force: true }) };
  },
  async openUpgraded(_label, seed, schema = FIRST_CONTRACT_SCHEMA) {
    const dir = tempDataDir('conformance');
    const old = openDatabase(dir, MIGRATIONS.slice(0, schema));
    old.exec(seed);
    old.close();
    const store = openSqliteStore(dir);
    const objects = (type: string) => store.db.prepare<[string], { name: string; sql: string | null }>('SELECT name, sql FROM sqlite_master WHERE type = ?').all(type);
    return {
      store,
      cleanUp: () => fs.rmSync(dir, { recursive: true, force: true }),
      tables: objects('table').map(row => row.name),
      unsettledIndex: objects('index').find(row => row.name === 'bodies_unsettled')?.sql ?? '',
      roleCheck: /CHECK\s*\(\s*role\s+IN\s*\([^)]*\)\s*\)/i.exec(objects('table').find(row => row.name === 'users')?.sql ?? '')?.[0] ?? '',
    };
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
    async openUpgraded(label, seed, schema = FIRST_CONTRACT_SCHEMA) {
      const url = await (await postgresCluster()).createDatabase(label);
      await migrate(new pg.Client({ connectionString: url }), POSTGRES_MIGRATIONS.slice(0, schema));
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(seed);
      await client.end();
      const store = await openPostgresStore(url);
      const tables = await store.pool.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`);
      const index = await store.pool.query<{ sql: string }>(`SELECT indexdef AS sql FROM pg_indexes WHERE indexname = 'bodies_unsettled'`);
      const check = await store.pool.query<{ sql: string }>(`SELECT pg_get_constraintdef(oid) AS sql FROM pg_constraint WHERE conname = 'users_role_check'`);
      return {
        store, cleanUp: () => undefined, tables: tables.rows.map(row => row.name), unsettledIndex: index.rows[0]?.sql ?? '', roleCheck: check.rows[0]?.sql ?? '',
      };
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
/** Pharmacists (of Apothecary, then of Boots) and an insurer's staff: users rows only where a test adds STAFF_USERS. */
const PH = `0xee${'0'.repeat(37)}1`;
const PH2 = `0xee${'0'.repeat(37)}2`;
const INS = `0xef${'0'.repeat(37)}1`;
const ADMIN = checksummed(address(0xad));
const IMPORTER = checksummed(address(0x1e));
const C = (n: number) => hash(0xc000 + n);

/** The contract's staff role ids (bytes32), by role. */
const ROLE_ID = Object.fromEntries([...STAFF_ROLE_IDS].map(([id, role]) => [role, id])) as Record<'doctor' | 'pharmacist' | 'insurer', string>;
/** The contract's OrganisationKind and Purpose enums, as the decoder gives them. */
const KIND = { hospital: 1n, pharmacy: 2n, insurer: 3n } as const;
const PURPOSE = { treatment: 1n, dispensing: 2n, payment: 3n, emergency: 4n } as const;
/** The contract's ClaimStatus enum: a decision is approved or rejected. */
const CLAIM_STATUS = { approved: 2n, rejected: 3n } as const;

const TIME_OF_BLOCK = (block: number) => 1_000 + (block - 1) * 10;
/** "Now" for the live grants: long after every block. */
const NOW = TIME_OF_BLOCK(1_000);
const origin = (block: number): EventOrigin => ({ blockNumber: block, transactionHash: hash(block), timestamp: TIME_OF_BLOCK(block) });
const event = (name: string, args: Record<string, unknown>, logIndex = 0): DecodedEvent => ({ name, args, logIndex });

const organisation = (id: number, kind: keyof typeof KIND, name: string, logIndex: number) =>
  event('OrganisationAdded', { organisationId: BigInt(id), kind: KIND[kind], admin: ADMIN, name }, logIndex);
const staffAdded = (account: string, organisationId: number, role: keyof typeof ROLE_ID, logIndex = 0) =>
  event('StaffAdded', { account: checksummed(account), organisationId: BigInt(organisationId), role: ROLE_ID[role], admin: ADMIN }, logIndex);
const opened = (reportId: number, patient: string, reader: string, organisationId: number, purpose: keyof typeof PURPOSE, ref: number, logIndex = 0) =>
  event('ReportAccessed', {
    reportId: BigInt(reportId), patient: checksummed(patient), reader: checksummed(reader), organisationId: BigInt(organisationId), purpose: PURPOSE[purpose], ref: BigInt(ref),
  }, logIndex);
const shared = (reportId: number, hospitalId: number, patient: string, until: number, logIndex = 0) =>
  event('ReportShared', { reportId: BigInt(reportId), hospitalId: BigInt(hospitalId), patient: checksummed(patient), until: BigInt(until) }, logIndex);
const sent = (reportId: number, index: number, pharmacyId: number, patient: string, until: number) =>
  event('PrescriptionSent', { reportId: BigInt(reportId), pharmacyId: BigInt(pharmacyId), patient: checksummed(patient), index: BigInt(index), until: BigInt(until) });
const dispensed = (reportId: number, index: number, pharmacyId: number, pharmacist: string) =>
  event('PrescriptionDispensed', { reportId: BigInt(reportId), pharmacyId: BigInt(pharmacyId), pharmacist: checksummed(pharmacist), index: BigInt(index) });
const claimFiled = (claimId: number, reportId: number, patient: string, amount: number, logIndex = 0) =>
  event('ClaimFiled', { claimId: BigInt(claimId), reportId: BigInt(reportId), insurerId: 5n, patient: checksummed(patient), amount: BigInt(amount) }, logIndex);
/** A decision of insurer 5; a zero `noteCommitment` is no note. */
const claimDecided = (claimId: number, decidedBy: string, status: keyof typeof CLAIM_STATUS, approvedAmount: number, noteCommitment: string, logIndex = 0) =>
  event('ClaimDecided', {
    claimId: BigInt(claimId), insurerId: 5n, decidedBy: checksummed(decidedBy), status: CLAIM_STATUS[status], approvedAmount: BigInt(approvedAmount), noteCommitment,
  }, logIndex);
/** Emergency 1: D2 of alder clinic on P2, opened at block 21 for an hour, ended by P2 at block 23. */
const EMERGENCY_1 = { emergencyId: 1n, patient: checksummed(P2), doctor: checksummed(D2), hospitalId: 2n, start: BigInt(TIME_OF_BLOCK(21)), reasonHash: C(21) };

/** The ledger, block by block, one transaction each. */
const LEDGER: readonly (readonly DecodedEvent[])[] = [
  /* 1 */ [
    organisation(1, 'hospital', 'St Mary', 0), organisation(2, 'hospital', 'alder clinic', 1), organisation(3, 'hospital', 'Birch', 2),
    organisation(4, 'pharmacy', 'Apothecary', 3), organisation(5, 'insurer', 'Acme Insurance', 4),
  ],
  /* 2 */ [staffAdded(D1, 1, 'doctor'), staffAdded(D2, 2, 'doctor', 1), staffAdded(PH, 4, 'pharmacist', 2)],
  /* 3 */ [event('RoleGranted', { role: hash(7), account: checksummed(P1), sender: checksummed(P1) }), event('PatientRegistered', { patient: checksummed(P1) }, 1)],
  /* 4 */ [event('PatientRegistered', { patient: checksummed(P2) })],
  /* 5 */ [event('ReportAdded', { reportId: 1n, patient: checksummed(P1), commitment: C(1) })],
  /* 6 */ [event('ReportAdded', { reportId: 2n, patient: checksummed(P1), commitment: C(2) })],
  /* 7 */ [event('ReportAdded', { reportId: 3n, patient: checksummed(P2), commitment: C(3) })],
  /* 8 */ [shared(1, 1, P1, 0), shared(1, 2, P1, 0, 1)],
  /* 9 */ [event('ReportRevoked', { reportId: 1n, hospitalId: 2n, patient: checksummed(P1) })],
  /* 10 */ [shared(2, 1, P1, 0), shared(3, 1, P2, 0, 1)],
  /* 11 */ [event('PrescriptionAdded', { reportId: 1n, doctor: checksummed(D1), hospitalId: 1n, index: 0n, commitment: C(10) })],
  /* 12 */ [event('PrescriptionAdded', { reportId: 1n, doctor: checksummed(D1), hospitalId: 1n, index: 1n, commitment: C(11) })],
  /* 13 */ [opened(1, P1, D1, 1, 'treatment', 0)],
  /* 14 */ [opened(2, P1, D1, 1, 'treatment', 0)],
  /* 15 */ [opened(1, P1, D1, 1, 'treatment', 0)],
  // ─── What only the second contract does: the tests below apply these blocks as they need them ───
  /* 16 */ [event('StaffRemoved', { account: checksummed(D1), organisationId: 1n, role: ROLE_ID.doctor, sender: ADMIN })],
  /* 17 */ [staffAdded(D1, 3, 'doctor')],
  /* 18 */ [shared(2, 2, P1, TIME_OF_BLOCK(20)), shared(3, 2, P2, 0, 1)],
  /* 19 */ [event('ReportRevoked', { reportId: 3n, hospitalId: 2n, patient: checksummed(P2) })],
  /* 20 */ [
    event('ReportImported', { reportId: 4n, patient: checksummed(P2), importer: IMPORTER, commitment: C(4), createdAt: 500n }),
    event('GrantImported', { reportId: 4n, hospitalId: 1n, importer: IMPORTER, until: 0n }, 1),
    event('GrantImported', { reportId: 4n, hospitalId: 2n, importer: IMPORTER, until: 600n }, 2),
    event('PrescriptionImported', { reportId: 4n, doctor: checksummed(D2), hospitalId: 2n, index: 0n, commitment: C(12), createdAt: 550n }, 3),
    event('AccessImported', { reportId: 4n, patient: checksummed(P2), doctor: checksummed(D2), hospitalId: 2n, accessedAt: 560n }, 4),
  ],
  /* 21 */ [event('EmergencyOpened', { ...EMERGENCY_1, end: BigInt(TIME_OF_BLOCK(21) + 3_600) })],
  /* 22 */ [
    event('EmergencyOpened', {
      emergencyId: 2n, patient: checksummed(P1), doctor: checksummed(D1), hospitalId: 3n, start: BigInt(TIME_OF_BLOCK(22)), end: BigInt(TIME_OF_BLOCK(22) + 600), reasonHash: C(22),
    }),
    opened(1, P1, D1, 3, 'emergency', 2, 1),
  ],
  /* 23 */ [event('EmergencyEnded', { ...EMERGENCY_1, end: BigInt(TIME_OF_BLOCK(23)) })],
  /* 24 */ [
    event('PrescriptionSent', { reportId: 1n, pharmacyId: 4n, patient: checksummed(P1), index: 1n, until: 0n }),
    opened(1, P1, PH, 4, 'dispensing', 1, 1),
    event('PrescriptionDispensed', { reportId: 1n, pharmacyId: 4n, pharmacist: checksummed(PH), index: 1n }, 2),
  ],
  /* 25 */ [
    event('ClaimFiled', { claimId: 7n, reportId: 1n, insurerId: 5n, patient: checksummed(P1), amount: 100n }),
    opened(1, P1, INS, 5, 'payment', 7, 1),
    event('ClaimDecided', { claimId: 7n, insurerId: 5n, decidedBy: checksummed(INS), status: 2n, approvedAmount: 100n, noteCommitment: C(30) }, 2),
  ],
  /* 26 */ [organisation(6, 'pharmacy', 'Boots', 0), staffAdded(INS, 5, 'insurer', 1), staffAdded(PH2, 6, 'pharmacist', 2)],
  /* 27 */ [sent(1, 0, 4, P1, TIME_OF_BLOCK(40))],
  /* 28 */ [sent(1, 0, 6, P1, 0)], // sent again, to Boots
  /* 29 */ [sent(4, 0, 4, P2, 0)],
  /* 30 */ [event('PrescriptionWithdrawn', { reportId: 4n, pharmacyId: 4n, patient: checksummed(P2), index: 0n })],
  /* 31 */ [claimFiled(8, 3, P2, 250), claimFiled(9, 2, P1, 40, 1)],
  /* 32 */ [claimDecided(8, INS, 'rejected', 0, C(31)), claimDecided(9, INS, 'approved', 30, hash(0), 1)],
];
/** The blocks every test of the read model starts from: what the first contract could do too. */
const BLOCKS = LEDGER.slice(0, 15);

/** The users behind the addresses (the acts and the doctors' list join them). */
const USERS: readonly NewUser[] = [
  { username: 'zoe', passwordHash: 'h', role: 'patient', address: P1, fullName: 'Zoe Patient', email: 'zoe@example.org', phone: '', specialty: '', hospitalId: null },
  { username: 'adam', passwordHash: 'h', role: 'patient', address: P2, fullName: 'Adam Patient', email: 'adam@example.org', phone: '1', specialty: '', hospitalId: null },
  // Byte order puts "Bob" before "alice"; ignoring case, "alice" comes first.
  { username: 'bob', passwordHash: 'h', role: 'doctor', address: D1, fullName: 'Bob Smith', email: 'bob@example.org', phone: '', specialty: 'GP', hospitalId: 1 },
  { username: 'carol', passwordHash: 'h', role: 'doctor', address: D2, fullName: 'alice Jones', email: 'carol@example.org', phone: '', specialty: 'ENT', hospitalId: 2 },
];

/**
 * Pharmacists and an insurer's staff, with users rows. (`Role` names them once the role registry,
 * src/domain/roles.ts, has them; the users table's CHECK already does.)
 */
const staffRole = (role: StaffRole) => role as Role;
const STAFF_USERS: readonly NewUser[] = [
  { username: 'pat', passwordHash: 'h', role: staffRole('pharmacist'), address: PH, fullName: 'Pat Chemist', email: 'pat@example.org', phone: '', specialty: '', hospitalId: 4 },
  { username: 'quinn', passwordHash: 'h', role: staffRole('pharmacist'), address: PH2, fullName: 'quinn Chemist', email: 'q@example.org', phone: '', specialty: '', hospitalId: 6 },
  { username: 'ida', passwordHash: 'h', role: staffRole('insurer'), address: INS, fullName: 'Ida Claims', email: 'ida@example.org', phone: '2', specialty: '', hospitalId: 5 },
];

async function addUsers(store: Store, users: readonly NewUser[] = USERS): Promise<void> {
  for (const user of users) {
    await store.accounts.insert(user.address, `key of ${user.username}`);
    await store.users.insert(user);
  }
}

/** Blocks 1–7 as the follower applies them (one range, cursor moved to 8), the rest of BLOCKS as receipts. */
async function project(store: Store): Promise<void> {
  const range = BLOCKS.slice(0, 7).flatMap((events, i) => events.map(event => ({ event, ...origin(i + 1) })));
  await store.projection.applyRange(range, 8);
  await applyBlocks(store, 8, BLOCKS.length);
}

/** The ledger's blocks `first` to `last` as receipts, in order. */
async function applyBlocks(store: Store, first: number, last = first): Promise<void> {
  for (let block = first; block <= last; block++) await store.projection.applyAll(LEDGER[block - 1], origin(block));
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
        assert.deepEqual(zoe, { ...USERS[0], id: zoe!.id, mustChangePassword: false, lastLoginAt: null });
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

      it('keeps staff of every kind, a one-time password\'s flag and the last sign-in, and lists patients with their reports', async () => {
        await addUsers(store);
        await addUsers(store, STAFF_USERS);
        await store.accounts.insert(address(60), 'key');
        await assert.rejects(store.users.insert({ ...USERS[0], username: 'root', address: address(60), role: 'admin' as string as Role }), 'the admin is no users row');
        await assert.rejects(store.users.insert({ ...USERS[0], username: 'ghost', address: address(61) }), 'an account first');
        await store.accounts.insert(address(62), 'key');
        const inserted = await store.users.insert({ ...STAFF_USERS[0], username: 'temp', address: address(62), mustChangePassword: true });
        const temp = await store.users.findById(inserted.id);
        assert.deepEqual(temp, { ...STAFF_USERS[0], username: 'temp', address: address(62), id: inserted.id, mustChangePassword: true, lastLoginAt: null });
        assert.deepEqual(inserted, temp);
        const ida = await store.users.findByUsername('ida');
        assert.deepEqual(ida, { ...STAFF_USERS[2], id: ida!.id, mustChangePassword: false, lastLoginAt: null });
        assert.deepEqual((await store.users.doctors()).map(user => user.username), ['bob', 'carol'], 'doctors only');

        await store.users.setPasswordHash(inserted.id, 'chosen');
        assert.deepEqual(await store.users.findById(inserted.id), { ...temp, passwordHash: 'chosen', mustChangePassword: false }, 'a change of one\'s own clears the flag');
        const zoe = (await store.users.findByUsername('zoe'))!;
        await store.users.setPasswordHash(zoe.id, 'one-time', true);
        await store.users.recordLogin(zoe.id, 1_700_000_000_123);
        await store.users.recordLogin(zoe.id, 1_700_000_000_456);
        const signedIn = { ...zoe, passwordHash: 'one-time', mustChangePassword: true, lastLoginAt: 1_700_000_000_456 };
        assert.deepEqual(await store.users.findById(zoe.id), signedIn);
        assert.deepEqual((await store.users.byAddress([P1])).get(P1), signedIn);

        const patients = await store.users.patients();
        const createdAt = patients.map(row => row.createdAt);
        for (const at of createdAt) assert.ok(typeof at === 'number' && at > 1_600_000_000_000);
        assert.deepEqual(patients, [
          { username: 'adam', fullName: 'Adam Patient', email: 'adam@example.org', address: P2, reportCount: 0, lastLoginAt: null, createdAt: createdAt[0] },
          { username: 'zoe', fullName: 'Zoe Patient', email: 'zoe@example.org', address: P1, reportCount: 0, lastLoginAt: 1_700_000_000_456, createdAt: createdAt[1] },
        ]);
        await project(store);
        await applyBlocks(store, 16, 20); // report 4, of adam, imported
        assert.deepEqual((await store.users.patients()).map(row => [row.username, row.reportCount]), [['adam', 2], ['zoe', 2]]);
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

      it('frees the reservations made before a time, and only those', async () => {
        await store.users.reserve('old', 1_000, 0);
        await store.users.reserve('older', 500, 0);
        await store.users.reserve('live', 2_000, 0);
        assert.equal(await store.users.releaseReservationsBefore(2_000), 2);
        assert.equal(await store.users.reserve('old', 2_100, 0), true, 'freed');
        assert.equal(await store.users.reserve('live', 2_100, 0), false, 'still held');
        assert.equal(await store.users.releaseReservationsBefore(0), 0);
      });

      it('lists the accounts made before a time that no user came to use, oldest first, by address', async () => {
        await addUsers(store, USERS.slice(0, 1));
        await store.accounts.insert(checksummed(address(70)), 'sealed-70');
        await sleep(5);
        await store.accounts.insert(address(71), 'sealed-71');
        await sleep(5);
        const between = Date.now();
        await sleep(5);
        await store.accounts.insert(address(72), 'sealed-72');
        const orphans = await store.accounts.withoutUser(between);
        assert.deepEqual(orphans.map(row => row.address), [address(70), address(71)]);
        assert.ok(orphans.every(row => typeof row.createdAt === 'number' && row.createdAt < between), JSON.stringify(orphans));
        assert.deepEqual((await store.accounts.withoutUser(Date.now() + 1)).map(row => row.address), [address(70), address(71), address(72)]);
        assert.deepEqual(await store.accounts.withoutUser(0), []);
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

      it('keeps bodies of every kind, and settles an emergency\'s reason and a claim\'s note from the read model', async () => {
        await store.bodies.insertPending(C(21), 'emergency-reason', D2, 'reason');
        await store.bodies.insertPending(C(30), 'claim-note', INS, 'note');
        await store.bodies.insertPending(C(31), 'claim-note', INS, 'rejected');
        await assert.rejects(store.bodies.insertPending(C(40), 'memo' as BodyKind, P1, 'x'), 'no such kind');
        assert.deepEqual(await store.bodies.get(C(30)), {
          commitment: C(30), kind: 'claim-note', author: INS, envelope: 'note', status: 'pending', transactionHash: null, blockNumber: null,
        });
        assert.equal(await store.bodies.failPendingBefore(Date.now() + 1_000), 3);
        assert.deepEqual((await store.bodies.failedOf('emergency-reason', D2)).map(row => row.commitment), [C(21)]);
        assert.deepEqual(new Set((await store.bodies.failedOf('claim-note', INS)).map(row => row.commitment)), new Set([C(30), C(31)]));
        await project(store);
        await applyBlocks(store, 16, 31);
        assert.equal(await store.bodies.settleFromReadModel(), 2, 'the reason of emergency 1 and the note of claim 7; claim 8 is not decided yet');
        assert.deepEqual(await store.bodies.get(C(21)), {
          commitment: C(21), kind: 'emergency-reason', author: D2, envelope: 'reason', status: 'confirmed', transactionHash: hash(21), blockNumber: 21,
        });
        assert.deepEqual(await store.bodies.get(C(30)), {
          commitment: C(30), kind: 'claim-note', author: INS, envelope: 'note', status: 'confirmed', transactionHash: hash(25), blockNumber: 25,
        });
        assert.equal((await store.bodies.get(C(31)))?.status, 'failed');
        await applyBlocks(store, 32);
        assert.equal(await store.bodies.settleFromReadModel(), 1);
        assert.deepEqual(await store.bodies.get(C(31)), {
          commitment: C(31), kind: 'claim-note', author: INS, envelope: 'rejected', status: 'confirmed', transactionHash: hash(32), blockNumber: 32,
        }, 'written by the decision (block 32), not the filing (block 31)');
      });

      it('upgrades a first contract\'s database: its bodies and their index stay, its read model and cursor go', async function () {
        const upgraded = await implementation.openUpgraded(this.test?.title ?? 'upgrade', `
          INSERT INTO bodies (commitment, kind, author, envelope, status, tx_hash, block_number, created_at)
          VALUES ('${C(1)}', 'report', '${P1}', 'e1', 'confirmed', '${hash(5)}', 5, 1000), ('${C(2)}', 'prescription', '${D1}', 'e2', 'pending', NULL, NULL, 2000);
          INSERT INTO ledger_hospitals (id, name, block_number, tx_hash) VALUES (1, 'St Mary', 1, '${hash(1)}');
          INSERT INTO settings (key, value) VALUES ('projection.next_block', '42'), ('kept', 'yes');`);
        const { store: migrated, tables, unsettledIndex } = upgraded;
        try {
          assert.deepEqual(await migrated.bodies.get(C(1)), {
            commitment: C(1), kind: 'report', author: P1, envelope: 'e1', status: 'confirmed', transactionHash: hash(5), blockNumber: 5,
          });
          assert.equal((await migrated.bodies.get(C(2)))?.status, 'pending');
          assert.match(unsettledIndex, /\(status\).*WHERE.*status.*<>.*'confirmed'/i);
          assert.equal(await migrated.bodies.failPendingBefore(3_000), 1);
          await migrated.bodies.insertPending(C(3), 'emergency-reason', D1, 'e3');
          assert.equal(await migrated.projection.nextBlock(), undefined, 'the follower rebuilds the read model from the first block');
          assert.equal(await migrated.settings.get('kept'), 'yes');
          for (const table of READ_MODEL_TABLES) assert.ok(tables.includes(table), `${table} made`);
          for (const table of ['ledger_hospitals', 'ledger_doctors', 'bodies_new']) assert.ok(!tables.includes(table), `${table} gone`);
          assert.deepEqual(await migrated.readModel.hospitalNames(), new Map());
        } finally {
          await migrated.close();
          upgraded.cleanUp();
        }
      });

      it('upgrades a second contract\'s first database: its users stay, with their ids, and staff of every kind may sign in', async function () {
        const upgraded = await implementation.openUpgraded(this.test?.title ?? 'upgrade-6', `
          INSERT INTO accounts (address, encrypted_key, created_at) VALUES ('${P1}', 'k1', 1), ('${D1}', 'k2', 2), ('${PH}', 'k3', 3);
          INSERT INTO users (id, username, password_hash, role, address, full_name, email, phone, specialty, hospital_id, created_at)
          VALUES (7, 'zoe', 'h1', 'patient', '${P1}', 'Zoe Patient', 'zoe@example.org', '', '', NULL, 1000),
                 (9, 'bob', 'h2', 'doctor', '${D1}', 'Bob Smith', 'bob@example.org', '555', 'GP', 1, 2000);
          INSERT INTO ledger_organisations (id, kind, name, block_number, tx_hash) VALUES (1, 'hospital', 'St Mary', 1, '${hash(1)}');
          INSERT INTO ledger_reports (id, patient, commitment, created_at, block_number, tx_hash) VALUES (1, '${P1}', '${C(1)}', 1000, 5, '${hash(5)}');
          INSERT INTO settings (key, value) VALUES ('projection.next_block', '42'), ('kept', 'yes');`, SECOND_CONTRACT_SCHEMA);
        const { store: migrated, tables, roleCheck } = upgraded;
        try {
          const quoted = [...roleCheck.matchAll(/'([^']*)'/g)].map(match => match[1]);
          assert.deepEqual(quoted, ['patient', 'doctor', 'pharmacist', 'insurer'], roleCheck);
          const bob = {
            id: 9, username: 'bob', passwordHash: 'h2', role: 'doctor', address: D1, fullName: 'Bob Smith', email: 'bob@example.org', phone: '555', specialty: 'GP',
            hospitalId: 1, mustChangePassword: false, lastLoginAt: null,
          };
          assert.deepEqual(await migrated.users.findById(9), bob);
          assert.deepEqual((await migrated.users.byAddress([P1])).get(P1)?.id, 7);
          assert.deepEqual(await migrated.users.patients(), [
            { username: 'zoe', fullName: 'Zoe Patient', email: 'zoe@example.org', address: P1, reportCount: 1, lastLoginAt: null, createdAt: 1000 },
          ]);
          const pat = await migrated.users.insert({ ...STAFF_USERS[0], mustChangePassword: true });
          assert.equal((await migrated.users.findByUsername('pat'))?.mustChangePassword, true);
          await migrated.users.recordLogin(pat.id, 3_000);
          assert.equal((await migrated.users.findById(pat.id))?.lastLoginAt, 3_000);
          // The indexes and the foreign key are kept: a username and an address once, an account first.
          await assert.rejects(migrated.users.insert({ ...STAFF_USERS[0], address: address(70) }), 'a username is unique');
          await assert.rejects(migrated.users.insert({ ...STAFF_USERS[0], username: 'pat2' }), 'an address is unique');
          await assert.rejects(migrated.users.insert({ ...STAFF_USERS[2], username: 'ghost', address: address(71) }), 'an account first');

          assert.equal(await migrated.projection.nextBlock(), undefined, 'the follower rebuilds the read model from the first block');
          assert.equal(await migrated.settings.get('kept'), 'yes');
          for (const table of READ_MODEL_TABLES) assert.ok(tables.includes(table), `${table} made`);
          assert.ok(!tables.includes('users_new'));
          assert.deepEqual(await migrated.readModel.hospitalNames(), new Map([[1, 'St Mary']]), 'the rest of the read model stays, to be caught up');
          assert.deepEqual(await migrated.readModel.claims(), []);
        } finally {
          await migrated.close();
          upgraded.cleanUp();
        }
      });
    });

    describe('files', () => {
      const F = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      const chunksOf = async function* (parts: readonly Buffer[]) {
        for (const part of parts) yield part;
      };
      const read = async (id: string) => {
        const chunks = await store.blobs.get(id);
        if (!chunks) return undefined;
        const parts: Buffer[] = [];
        for await (const chunk of chunks) parts.push(chunk);
        return Buffer.concat(parts);
      };

      it('stores bytes in chunks of any size and gives them back in order; a source that fails leaves nothing', async () => {
        const big = Buffer.alloc(700 * 1024);
        for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
        const parts = [big.subarray(0, 1), big.subarray(1, 300_000), big.subarray(300_000)];
        assert.equal(await store.blobs.put(F(1), chunksOf(parts)), big.length);
        assert.ok((await read(F(1)))?.equals(big));
        assert.equal(await store.blobs.get(F(2)), undefined, 'an unknown blob');
        const failing = async function* () {
          yield Buffer.alloc(300 * 1024, 1);
          throw new Error('the upload was cut off');
        };
        await assert.rejects(store.blobs.put(F(2), failing()), /cut off/);
        assert.equal(await store.blobs.get(F(2)), undefined, 'nothing of a failed put is readable');
        await store.blobs.remove([F(1), F(2)]);
        assert.equal(await store.blobs.get(F(1)), undefined);
      });

      it('indexes files: pending, attached to a body, placed on its record, and swept when no stored body lists them', async () => {
        await store.bodies.insertPending(C(1), 'report', P1, 'e1');
        await store.bodies.insertPending(C(11), 'prescription', D1, 'e11');
        for (const n of [1, 2, 3, 4]) await store.files.insertPending(F(n), n === 3 ? D1.toUpperCase().replace('0X', '0x') : P1);
        await store.files.attach([F(1), F(2)], C(1));
        await store.files.attach([F(3)], C(11));
        assert.deepEqual(await store.files.get(F(4)), { id: F(4), author: P1, commitment: null, createdAt: (await store.files.get(F(4)))?.createdAt, place: undefined });
        assert.equal((await store.files.get(F(1)))?.place, undefined, 'not placed while the read model has no such record');
        await project(store);
        assert.deepEqual(await store.files.get(F(1)), { id: F(1), author: P1, commitment: C(1), createdAt: (await store.files.get(F(1)))?.createdAt, place: { reportId: 1 } });
        assert.deepEqual((await store.files.get(F(3)))?.place, { reportId: 1, index: 1 });
        assert.equal((await store.files.get(F(3)))?.author, D1, 'authors in lower case');
        assert.deepEqual((await store.files.placed()).map(f => [f.id, f.place]), [[F(1), { reportId: 1 }], [F(2), { reportId: 1 }], [F(3), { reportId: 1, index: 1 }]]);

        assert.deepEqual(await store.files.orphans({ ids: [F(1), F(4), F(9)] }), [F(4)], 'only the unattached of those asked');
        assert.deepEqual(await store.files.orphans({ before: Date.now() - 60_000 }), [], 'none that old');
        assert.deepEqual((await store.files.orphans({ before: Date.now() + 60_000 })).sort(), [F(4)]);
        await store.bodies.insertPending(C(50), 'report', P1, 'e50');
        await store.files.insertPending(F(5), P1);
        await store.files.attach([F(5)], C(50));
        assert.deepEqual(await store.files.orphans({ ids: [F(5)] }), [], 'listed by a pending body');
        await store.bodies.discard(C(50));
        assert.deepEqual(await store.files.orphans({ ids: [F(5)] }), [F(5)], 'its body discarded');
        await store.files.remove([F(4), F(5)]);
        assert.equal(await store.files.get(F(4)), undefined);
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

      const BOB: DoctorRow = {
        username: 'bob', fullName: 'Bob Smith', email: 'bob@example.org', specialty: 'GP', address: D1,
        hospitalId: 1, hospitalName: 'St Mary', hospitalAddress: '', hospitalPhone: '', removedAt: null,
      };
      /** The acts of blocks `first` to `last`, in the ledger's order. */
      const actsOf = async (first: number, last = first) =>
        (await store.acts.find({}, 'time', false)).filter(row => row.blockNumber >= first && row.blockNumber <= last);

      it('moves the cursor with a range, not with receipts', async () => {
        assert.equal(await store.projection.nextBlock(), 8);
      });

      it('lists hospitals (not other organisations) ignoring case, with their doctors and off-ledger details', async () => {
        await store.readModel.saveHospitalDetails(1, { address: 'old', phone: 'old' });
        await store.readModel.saveHospitalDetails(1, { address: '1 Main St', phone: '555' });
        assert.deepEqual(await store.readModel.hospitals(), [
          { id: 2, name: 'alder clinic', address: '', phone: '', doctorCount: 1 },
          { id: 3, name: 'Birch', address: '', phone: '', doctorCount: 0 },
          { id: 1, name: 'St Mary', address: '1 Main St', phone: '555', doctorCount: 1 },
        ]);
        assert.equal(await store.readModel.hospitalExists(3), true);
        assert.equal(await store.readModel.hospitalExists(4), false, 'a pharmacy');
        assert.equal(await store.readModel.hospitalExists(6), false);
        assert.deepEqual(
          await store.readModel.hospitalNames(),
          new Map([[1, 'St Mary'], [2, 'alder clinic'], [3, 'Birch'], [4, 'Apothecary'], [5, 'Acme Insurance']]),
          'every organisation',
        );
        assert.deepEqual(await store.readModel.doctors(), [
          {
            username: 'carol', fullName: 'alice Jones', email: 'carol@example.org', specialty: 'ENT', address: D2,
            hospitalId: 2, hospitalName: 'alder clinic', hospitalAddress: '', hospitalPhone: '', removedAt: null,
          },
          { ...BOB, hospitalAddress: '1 Main St', hospitalPhone: '555' },
        ]);
      });

      it('marks a removed doctor with when, and takes them back when added again, in block order', async () => {
        const bob = async () => (await store.readModel.doctors()).find(row => row.username === 'bob');
        const doctorCounts = async () => (await store.readModel.hospitals()).map(row => [row.id, row.doctorCount]);
        await applyBlocks(store, 16);
        assert.deepEqual(await bob(), { ...BOB, removedAt: TIME_OF_BLOCK(16) }, 'still listed: the name stays on what they wrote');
        assert.deepEqual(await doctorCounts(), [[2, 1], [3, 0], [1, 0]]);
        await store.projection.applyAll(LEDGER[1], origin(2)); // the add again, older than the removal
        assert.equal((await bob())?.removedAt, TIME_OF_BLOCK(16));

        await applyBlocks(store, 17); // added again, to Birch
        const readded = { ...BOB, hospitalId: 3, hospitalName: 'Birch' };
        assert.deepEqual(await bob(), readded);
        await store.projection.applyAll(LEDGER[15], origin(16)); // the removal again, older than the new add
        await store.projection.applyAll(LEDGER[1], origin(2));
        assert.deepEqual(await bob(), readded);
        assert.deepEqual(await doctorCounts(), [[2, 1], [3, 1], [1, 0]]);

        assert.deepEqual(
          (await store.acts.find({ act: 'staff-removed' }, 'time', false)).map(row => [row.actor, row.doctor, row.doctorName, row.hospitalId, row.hospitalName, row.time]),
          [[null, D1, 'Bob Smith', 1, 'St Mary', TIME_OF_BLOCK(16)]],
        );
        assert.equal(await store.acts.count({ act: 'staff-added' }), 4);
      });

      it('reads reports, pages of them, grants and the latest prescriptions', async () => {
        const report1 = { id: 1, patient: P1, commitment: C(1), createdAt: TIME_OF_BLOCK(5), transactionHash: hash(5), blockNumber: 5 };
        assert.deepEqual(await store.readModel.report(1), report1);
        assert.equal(await store.readModel.report(99), undefined);
        assert.deepEqual((await store.readModel.reportsOfPatient(P1)).map(r => r.id), [2, 1]);
        assert.deepEqual(await store.readModel.reportsOfPatient(P1, { limit: 1, offset: 1 }), [report1]);
        assert.deepEqual(await store.readModel.reportsOfPatient(P1, { limit: -1, offset: 0 }), await store.readModel.reportsOfPatient(P1));
        assert.deepEqual(await store.readModel.reportsOfPatient(address(5)), []);
        assert.deepEqual((await store.readModel.reportsForHospital(1, NOW)).map(r => r.id), [3, 2, 1]);
        assert.deepEqual((await store.readModel.reportsForHospital(1, NOW, { limit: 2, offset: 1 })).map(r => r.id), [2, 1]);
        assert.deepEqual(await store.readModel.reportsForHospital(2, NOW), [], 'revoked');

        assert.deepEqual(
          await store.readModel.grants([1, 2, 99]),
          new Map([
            [1, [
              { reportId: 1, hospitalId: 2, hospitalName: 'alder clinic', active: false, until: TIME_OF_BLOCK(9) },
              { reportId: 1, hospitalId: 1, hospitalName: 'St Mary', active: true, until: 0 },
            ]],
            [2, [{ reportId: 2, hospitalId: 1, hospitalName: 'St Mary', active: true, until: 0 }]],
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
        assert.deepEqual(sorted(await store.readModel.grantsUpTo(8)), [{ reportId: 1, hospitalId: 1, active: true, until: 0 }]);
        assert.deepEqual(sorted(await store.readModel.grantsUpTo(9)), [
          { reportId: 1, hospitalId: 1, active: true, until: 0 },
          { reportId: 1, hospitalId: 2, active: false, until: TIME_OF_BLOCK(9) },
        ]);
      });

      it('ends a grant at its until, and a revoked one at once; an older share applied again undoes neither', async () => {
        const until = TIME_OF_BLOCK(20);
        const sharedWith2 = async (now: number) => (await store.readModel.reportsForHospital(2, now)).map(r => r.id);
        await applyBlocks(store, 18);
        assert.deepEqual(await sharedWith2(until - 1), [3, 2]);
        assert.deepEqual(await sharedWith2(until), [3], 'report 2\'s grant has expired: until is exclusive');
        assert.deepEqual((await store.readModel.grants([2])).get(2), [
          { reportId: 2, hospitalId: 2, hospitalName: 'alder clinic', active: true, until },
          { reportId: 2, hospitalId: 1, hospitalName: 'St Mary', active: true, until: 0 },
        ]);

        await applyBlocks(store, 19);
        const revoked = { reportId: 3, hospitalId: 2, hospitalName: 'alder clinic', active: false, until: TIME_OF_BLOCK(19) };
        assert.deepEqual(await sharedWith2(until - 1), [2]);
        assert.deepEqual((await store.readModel.grants([3])).get(3), [revoked, { reportId: 3, hospitalId: 1, hospitalName: 'St Mary', active: true, until: 0 }]);
        await store.projection.applyAll(LEDGER[17], origin(18)); // the shares again, older than the revoke
        assert.deepEqual((await store.readModel.grants([3])).get(3)?.[0], revoked);
        assert.deepEqual(await sharedWith2(until - 1), [2]);
        assert.deepEqual(
          sorted(await store.readModel.grantsUpTo(19)).filter(grant => grant.hospitalId === 2),
          [{ reportId: 1, hospitalId: 2, active: false, until: TIME_OF_BLOCK(9) }, { reportId: 2, hospitalId: 2, active: true, until }, { reportId: 3, hospitalId: 2, active: false, until: TIME_OF_BLOCK(19) }],
        );
        assert.deepEqual(
          (await store.acts.find({ patient: P2, act: 'report-revoked' }, 'time', false)).map(row => [row.actor, row.reportId, row.hospitalName]),
          [[P2, 3, 'alder clinic']],
        );
      });

      it('keeps the first release\'s times of imported reports, prescriptions and openings', async () => {
        await applyBlocks(store, 20);
        assert.deepEqual(await store.readModel.report(4), { id: 4, patient: P2, commitment: C(4), createdAt: 500, transactionHash: hash(20), blockNumber: 20 });
        assert.deepEqual((await store.readModel.reportsOfPatient(P2)).map(r => r.id), [4, 3]);
        assert.deepEqual((await store.readModel.grants([4])).get(4), [
          { reportId: 4, hospitalId: 2, hospitalName: 'alder clinic', active: false, until: 600 }, // ended in the first release
          { reportId: 4, hospitalId: 1, hospitalName: 'St Mary', active: true, until: 0 },
        ]);
        assert.deepEqual((await store.readModel.reportsForHospital(1, NOW)).map(r => r.id), [4, 3, 2, 1]);
        assert.deepEqual(await store.readModel.reportsForHospital(2, NOW), []);
        assert.deepEqual(
          (await store.readModel.latestPrescriptions([4])).get(4),
          { reportId: 4, index: 0, doctor: D2, hospitalId: 2, hospitalName: 'alder clinic', commitment: C(12), createdAt: 550, transactionHash: hash(20), blockNumber: 20 },
        );
        assert.deepEqual((await actsOf(20)).map(row => [row.act, row.time, row.actor, row.patient, row.doctor, row.hospitalId, row.purpose]), [
          ['report-added', 500, P2, P2, null, null, null],
          ['report-shared', TIME_OF_BLOCK(20), P2, P2, null, 1, null], // the replayed grant names only the report: its owner
          ['report-shared', TIME_OF_BLOCK(20), P2, P2, null, 2, null],
          ['prescribed', 550, D2, P2, D2, 2, null],
          ['opened', 560, D2, P2, D2, 2, 'treatment'],
        ]);
        assert.equal(await store.acts.count({ to: TIME_OF_BLOCK(1) }), 3, 'filtered by their time then');
        assert.deepEqual((await store.acts.accessLog(P2, 10, 0)).map(row => [row.reportId, row.time, row.actorUsername]), [[4, 560, 'carol']]);
        assert.equal(await store.acts.lastOpening(D2, 4), 560);
      });

      it('opens emergencies and ends one early; applying their events again, in any order, changes nothing', async () => {
        await applyBlocks(store, 16, 21);
        const first: EmergencyRow = {
          id: 1, patient: P2, doctor: D2, hospitalId: 2, hospitalName: 'alder clinic', start: TIME_OF_BLOCK(21), end: TIME_OF_BLOCK(21) + 3_600,
          endedEarly: false, reasonHash: C(21), transactionHash: hash(21), blockNumber: 21,
        };
        assert.deepEqual(await store.readModel.emergency(1), first);
        await applyBlocks(store, 22, 23);
        const ended = { ...first, end: TIME_OF_BLOCK(23), endedEarly: true };
        const second: EmergencyRow = {
          id: 2, patient: P1, doctor: D1, hospitalId: 3, hospitalName: 'Birch', start: TIME_OF_BLOCK(22), end: TIME_OF_BLOCK(22) + 600,
          endedEarly: false, reasonHash: C(22), transactionHash: hash(22), blockNumber: 22,
        };
        const all = async () => ({
          all: await store.readModel.emergencies(),
          ofP2: await store.readModel.emergencies({ patient: P2 }),
          byD1: await store.readModel.emergencies({ doctor: D1 }),
          both: await store.readModel.emergencies({ patient: P1, doctor: D1 }),
          none: await store.readModel.emergencies({ patient: P1, doctor: D2 }),
          first: await store.readModel.emergency(1),
          unknown: await store.readModel.emergency(99),
          acts: await actsOf(21, 23),
        });
        const before = await all();
        assert.deepEqual({ ...before, acts: undefined }, {
          all: [second, ended], ofP2: [ended], byD1: [second], both: [second], none: [], first: ended, unknown: undefined, acts: undefined,
        });
        assert.deepEqual(before.acts.map(row => [row.act, row.actor, row.patient, row.doctor, row.hospitalId, row.purpose, row.ref]), [
          ['emergency-opened', D2, P2, D2, 2, 'emergency', 1],
          ['emergency-opened', D1, P1, D1, 3, 'emergency', 2],
          ['opened', D1, P1, D1, 3, 'emergency', 2],
          ['emergency-ended', P2, P2, D2, 2, 'emergency', 1],
        ]);
        for (const block of [23, 21, 22, 21]) await applyBlocks(store, block); // the opening again after its end, too
        assert.deepEqual(await all(), before);
      });

      it('records why a record was opened, and what an act refers to: a prescription, a claim', async () => {
        await applyBlocks(store, 24, 25);
        assert.deepEqual(
          (await actsOf(24, 25)).map(row => [row.act, row.actor, row.patient, row.doctor, row.reportId, row.hospitalId, row.hospitalName, row.purpose, row.ref]),
          [
            // A prescription sent or dispensed refers to its index, for dispensing.
            ['prescription-sent', P1, P1, null, 1, 4, 'Apothecary', 'dispensing', 1],
            ['opened', PH, P1, PH, 1, 4, 'Apothecary', 'dispensing', 1],
            ['dispensed', PH, P1, PH, 1, 4, 'Apothecary', 'dispensing', 1],
            ['claim-filed', P1, P1, null, 1, 5, 'Acme Insurance', 'payment', 7],
            ['opened', INS, P1, INS, 1, 5, 'Acme Insurance', 'payment', 7],
            ['claim-decided', INS, null, INS, null, 5, 'Acme Insurance', 'payment', 7],
          ],
        );
        // A treatment opening refers to nothing: its ref is NULL, not the contract's 0.
        assert.deepEqual((await actsOf(13)).map(row => [row.purpose, row.ref]), [['treatment', null]]);
        assert.equal(await store.acts.accessCount(P1), 5);
        assert.deepEqual((await store.acts.accessLog(P1, 2, 0)).map(row => [row.actor, row.purpose, row.ref, row.hospitalName]), [
          [INS, 'payment', 7, 'Acme Insurance'],
          [PH, 'dispensing', 1, 'Apothecary'],
        ]);
        assert.equal(await store.acts.lastOpening(PH, 1), TIME_OF_BLOCK(24));
      });

      it('lists organisations of a kind with their details and staff, and staff of a role with their organisations', async () => {
        await addUsers(store, STAFF_USERS);
        await applyBlocks(store, 16, LEDGER.length);
        await store.readModel.saveHospitalDetails(4, { address: '2 High St', phone: '556' });
        const apothecary: OrganisationRow = { id: 4, kind: 'pharmacy', name: 'Apothecary', address: '2 High St', phone: '556', staffCount: 1 };
        const boots: OrganisationRow = { id: 6, kind: 'pharmacy', name: 'Boots', address: '', phone: '', staffCount: 1 };
        assert.deepEqual(await store.readModel.organisations('pharmacy'), [apothecary, boots]);
        assert.deepEqual(await store.readModel.organisations('insurer'), [{ id: 5, kind: 'insurer', name: 'Acme Insurance', address: '', phone: '', staffCount: 1 }]);
        assert.deepEqual(
          (await store.readModel.organisations('hospital')).map(row => [row.id, row.name, row.staffCount]),
          [[1, 'St Mary', 0], [2, 'alder clinic', 1], [3, 'Birch', 1]],
          'by id; bob moved from St Mary to Birch',
        );

        const pat: StaffRow = {
          username: 'pat', fullName: 'Pat Chemist', email: 'pat@example.org', specialty: '', address: PH, role: 'pharmacist', organisationId: 4,
          organisationName: 'Apothecary', removedAt: null,
        };
        const quinn: StaffRow = {
          username: 'quinn', fullName: 'quinn Chemist', email: 'q@example.org', specialty: '', address: PH2, role: 'pharmacist', organisationId: 6,
          organisationName: 'Boots', removedAt: null,
        };
        assert.deepEqual(await store.readModel.staff('pharmacist'), [pat, quinn]);
        assert.deepEqual(await store.readModel.staff('insurer'), [{
          username: 'ida', fullName: 'Ida Claims', email: 'ida@example.org', specialty: '', address: INS, role: 'insurer', organisationId: 5,
          organisationName: 'Acme Insurance', removedAt: null,
        }]);
        assert.deepEqual(
          (await store.readModel.staff('doctor')).map(row => [row.username, row.organisationName, row.specialty]),
          [['carol', 'alder clinic', 'ENT'], ['bob', 'Birch', 'GP']],
          'by organisation ignoring case',
        );

        await store.projection.applyAll([event('StaffRemoved', { account: checksummed(PH2), organisationId: 6n, role: ROLE_ID.pharmacist, sender: ADMIN })], origin(33));
        assert.deepEqual(await store.readModel.staff('pharmacist'), [pat, { ...quinn, removedAt: TIME_OF_BLOCK(33) }], 'removed ones too');
        assert.deepEqual(await store.readModel.organisations('pharmacy'), [apothecary, { ...boots, staffCount: 0 }]);
      });

      it('sends prescriptions to pharmacies, sends one elsewhere, withdraws one and dispenses one, in block order', async () => {
        await applyBlocks(store, 16, 24);
        const pharmacy = (id: number, page?: PageWindow) => store.readModel.dispatchesForPharmacy(id, page);
        const dispensedAt24: DispatchRow = {
          reportId: 1, index: 1, patient: P1, doctor: D1, hospitalName: 'St Mary', commitment: C(11), createdAt: TIME_OF_BLOCK(12), pharmacyId: 4,
          pharmacyName: 'Apothecary', active: true, until: 0, dispensedBy: PH, dispensedAt: TIME_OF_BLOCK(24), transactionHash: hash(24), blockNumber: 24,
        };
        assert.deepEqual(await pharmacy(4), [dispensedAt24], 'dispensed ones too');

        await applyBlocks(store, 26, 27);
        const sentAt27: DispatchRow = {
          reportId: 1, index: 0, patient: P1, doctor: D1, hospitalName: 'St Mary', commitment: C(10), createdAt: TIME_OF_BLOCK(11), pharmacyId: 4,
          pharmacyName: 'Apothecary', active: true, until: TIME_OF_BLOCK(40), dispensedBy: null, dispensedAt: null, transactionHash: hash(27), blockNumber: 27,
        };
        assert.deepEqual(await pharmacy(4), [sentAt27, dispensedAt24], 'newest first');
        assert.deepEqual(await pharmacy(4, { limit: 1, offset: 1 }), [dispensedAt24]);
        assert.deepEqual(await pharmacy(4, { limit: -1, offset: 0 }), [sentAt27, dispensedAt24]);
        assert.deepEqual(await pharmacy(6), []);

        await applyBlocks(store, 28);
        const resent: DispatchRow = { ...sentAt27, pharmacyId: 6, pharmacyName: 'Boots', until: 0, transactionHash: hash(28), blockNumber: 28 };
        assert.deepEqual(await pharmacy(4), [dispensedAt24], 'sent elsewhere');
        assert.deepEqual(await pharmacy(6), [resent]);
        await applyBlocks(store, 27); // the older send again
        assert.deepEqual([await pharmacy(4), await pharmacy(6)], [[dispensedAt24], [resent]]);

        await applyBlocks(store, 29);
        const sentAt29: DispatchRow = {
          reportId: 4, index: 0, patient: P2, doctor: D2, hospitalName: 'alder clinic', commitment: C(12), createdAt: 550, pharmacyId: 4,
          pharmacyName: 'Apothecary', active: true, until: 0, dispensedBy: null, dispensedAt: null, transactionHash: hash(29), blockNumber: 29,
        };
        assert.deepEqual(await pharmacy(4), [sentAt29, dispensedAt24]);
        await applyBlocks(store, 30);
        const withdrawn: DispatchRow = { ...sentAt29, active: false, until: TIME_OF_BLOCK(30), transactionHash: hash(30), blockNumber: 30 };
        assert.deepEqual(await pharmacy(4), [dispensedAt24], 'withdrawn ones are left out');
        await applyBlocks(store, 29); // the send again, older than its withdrawal
        assert.deepEqual(await pharmacy(4), [dispensedAt24]);

        // A dispense is final: applied again, or another one later, it changes nothing; one of a prescription never sent makes no row.
        await applyBlocks(store, 24);
        await store.projection.applyAll([dispensed(1, 1, 4, PH2), dispensed(1, 0, 6, PH2), dispensed(2, 0, 4, PH)], origin(33));
        const dispensedAt33 = { ...resent, dispensedBy: PH2, dispensedAt: TIME_OF_BLOCK(33) };
        const all = [{ reportId: 4, index: 0 }, { reportId: 1, index: 0 }, { reportId: 1, index: 1 }, { reportId: 2, index: 0 }, { reportId: 99, index: 1 }];
        assert.deepEqual(await store.readModel.dispatches(all), new Map([['4:0', withdrawn], ['1:0', dispensedAt33], ['1:1', dispensedAt24]]));
        assert.deepEqual(await store.readModel.dispatches([{ reportId: 1, index: 1 }]), new Map([['1:1', dispensedAt24]]));
        assert.equal((await store.readModel.dispatches([])).size, 0);
        await applyBlocks(store, 28); // a send applied again keeps the dispensing
        assert.deepEqual(await pharmacy(6), [dispensedAt33]);
        assert.deepEqual(
          (await actsOf(27, 30)).map(row => [row.act, row.actor, row.patient, row.reportId, row.hospitalName, row.purpose, row.ref]),
          [
            ['prescription-sent', P1, P1, 1, 'Apothecary', 'dispensing', 0],
            ['prescription-sent', P1, P1, 1, 'Boots', 'dispensing', 0],
            ['prescription-sent', P2, P2, 4, 'Apothecary', 'dispensing', 0],
            ['prescription-withdrawn', P2, P2, 4, 'Apothecary', 'dispensing', 0],
          ],
        );
      });

      it('files claims, and decides each once: approved with an amount and a note, rejected with a note', async () => {
        await applyBlocks(store, 16, 25);
        const claim7: ClaimRow = {
          id: 7, reportId: 1, patient: P1, insurerId: 5, insurerName: 'Acme Insurance', amount: 100, filedAt: TIME_OF_BLOCK(25), status: 'approved',
          approvedAmount: 100, decidedBy: INS, decidedAt: TIME_OF_BLOCK(25), noteHash: C(30), transactionHash: hash(25), blockNumber: 25,
        };
        assert.deepEqual(await store.readModel.claim(7), claim7);
        assert.equal(await store.readModel.claim(8), undefined);

        await applyBlocks(store, 26, 31);
        const open = { status: 'open', approvedAmount: null, decidedBy: null, decidedAt: null, noteHash: null, transactionHash: hash(31), blockNumber: 31 } as const;
        const claim8: ClaimRow = { id: 8, reportId: 3, patient: P2, insurerId: 5, insurerName: 'Acme Insurance', amount: 250, filedAt: TIME_OF_BLOCK(31), ...open };
        const claim9: ClaimRow = { id: 9, reportId: 2, patient: P1, insurerId: 5, insurerName: 'Acme Insurance', amount: 40, filedAt: TIME_OF_BLOCK(31), ...open };
        assert.deepEqual(await store.readModel.claims(), [claim9, claim8, claim7], 'newest first');
        assert.deepEqual(await store.readModel.claim(8), claim8);

        await applyBlocks(store, 32);
        const decided = { decidedBy: INS, decidedAt: TIME_OF_BLOCK(32) };
        const rejected: ClaimRow = { ...claim8, ...decided, status: 'rejected', approvedAmount: 0, noteHash: C(31) };
        const approved: ClaimRow = { ...claim9, ...decided, status: 'approved', approvedAmount: 30, noteHash: null };
        const lists = async () => ({
          all: await store.readModel.claims(),
          ofP1: await store.readModel.claims({ patient: P1 }),
          ofP2: await store.readModel.claims({ patient: P2 }),
          ofInsurer: await store.readModel.claims({ insurerId: 5 }),
          page: await store.readModel.claims({ insurerId: 5 }, { limit: 2, offset: 1 }),
          firstPage: await store.readModel.claims(undefined, { limit: 1, offset: 0 }),
          both: await store.readModel.claims({ patient: P2, insurerId: 5 }),
          otherInsurer: await store.readModel.claims({ insurerId: 6 }),
          nobody: await store.readModel.claims({ patient: address(5) }),
          eight: await store.readModel.claim(8),
          unknown: await store.readModel.claim(99),
        });
        const before = await lists();
        assert.deepEqual(before, {
          all: [approved, rejected, claim7], ofP1: [approved, claim7], ofP2: [rejected], ofInsurer: [approved, rejected, claim7], page: [rejected, claim7],
          firstPage: [approved], both: [rejected], otherInsurer: [], nobody: [], eight: rejected, unknown: undefined,
        });

        // Filings and decisions again, and another decision later: a decision is final.
        for (const block of [31, 25, 32]) await applyBlocks(store, block);
        await store.projection.applyAll([claimDecided(8, INS, 'approved', 250, C(40)), claimDecided(7, INS, 'rejected', 0, C(41), 1)], origin(33));
        assert.deepEqual(await lists(), before);
      });

      it('records every act, with names joined from the users', async () => {
        assert.equal(await store.acts.count({}), 23);
        assert.equal(await store.acts.count({ actor: 'admin' }), 8);
        assert.equal(await store.acts.count({ act: 'opened' }), 3);
        assert.equal(await store.acts.count({ from: TIME_OF_BLOCK(11), to: TIME_OF_BLOCK(14) }), 3);
        assert.equal(await store.acts.count({ patient: P2 }), 3); // registered, added, shared
        assert.equal(await store.acts.count({ actor: D1, act: 'prescribed' }), 2);

        const sharedActs = await store.acts.find({ act: 'report-shared' }, 'time', false);
        assert.equal(sharedActs.length, 4);
        assert.deepEqual(sharedActs[0], {
          transactionHash: hash(8), blockNumber: 8, time: TIME_OF_BLOCK(8), act: 'report-shared', actor: P1, actorUsername: 'zoe', actorRole: 'patient',
          patient: P1, patientUsername: 'zoe', doctor: null, doctorName: null, reportId: 1, hospitalId: 1, hospitalName: 'St Mary', reportCommitment: C(1),
          purpose: null, ref: null,
        });
        const [prescribed] = await store.acts.find({ act: 'prescribed' }, 'time', true, { limit: 1, offset: 0 });
        assert.deepEqual(prescribed, {
          transactionHash: hash(12), blockNumber: 12, time: TIME_OF_BLOCK(12), act: 'prescribed', actor: D1, actorUsername: 'bob', actorRole: 'doctor',
          patient: P1, patientUsername: 'zoe', doctor: D1, doctorName: 'Bob Smith', reportId: 1, hospitalId: 1, hospitalName: 'St Mary', reportCommitment: C(1),
          purpose: null, ref: null,
        });
        const admin = await store.acts.find({ actor: 'admin' }, 'time', false);
        assert.deepEqual(admin.map(row => [row.act, row.actor, row.doctor, row.hospitalId]), [
          ['organisation-added', null, null, 1], ['organisation-added', null, null, 2], ['organisation-added', null, null, 3],
          ['organisation-added', null, null, 4], ['organisation-added', null, null, 5],
          ['staff-added', null, D1, 1], ['staff-added', null, D2, 2], ['staff-added', null, PH, 4],
        ]);
        assert.deepEqual((await store.acts.find({}, 'time', true, { limit: 2, offset: 1 })).map(row => row.blockNumber), [14, 13]);
        assert.deepEqual((await store.acts.find({}, 'report', true, { limit: 3, offset: 0 })).map(row => [row.reportId, row.blockNumber]), [[3, 10], [3, 7], [2, 14]]);
        assert.deepEqual((await store.acts.find({}, 'actor', false)).slice(0, 9).map(row => row.actorUsername), [...Array<null>(8).fill(null), 'adam']);
        assert.equal((await store.acts.find({}, 'act', false))[0].act, 'opened');
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
        await applyBlocks(store, 16, LEDGER.length);
        const state = async () => ({
          acts: await store.acts.find({}, 'time', false),
          grants: await store.readModel.grants([1, 2, 3, 4]),
          hospitals: await store.readModel.hospitals(),
          doctors: await store.readModel.doctors(),
          emergencies: await store.readModel.emergencies(),
          commitments: await store.readModel.commitments(),
          dispatches: await store.readModel.dispatches([{ reportId: 1, index: 0 }, { reportId: 1, index: 1 }, { reportId: 4, index: 0 }]),
          pharmacies: await Promise.all([4, 6].map(id => store.readModel.dispatchesForPharmacy(id))),
          claims: await store.readModel.claims(),
          organisations: await store.readModel.organisations('pharmacy'),
        });
        const before = await state();
        assert.equal(before.dispatches.size, 3);
        assert.equal(before.claims.length, 3);
        await project(store);
        await applyBlocks(store, 16, LEDGER.length);
        await store.projection.applyAll(BLOCKS[7], origin(8)); // "shared with 2" again, older than its revoke
        assert.deepEqual(await state(), before);
      });

      it('resets the read model and the cursor, and leaves the app\'s own tables alone', async () => {
        await store.settings.set('kept', 'yes');
        await applyBlocks(store, 16, LEDGER.length);
        await store.projection.reset(3);
        assert.equal(await store.projection.nextBlock(), 3);
        assert.deepEqual(await store.readModel.hospitals(), []);
        assert.deepEqual(await store.readModel.hospitalNames(), new Map());
        assert.deepEqual(await store.readModel.doctors(), []);
        assert.deepEqual(await store.readModel.emergencies(), []);
        assert.deepEqual(await store.readModel.organisations('pharmacy'), []);
        assert.deepEqual(await store.readModel.dispatchesForPharmacy(4), []);
        assert.equal((await store.readModel.dispatches([{ reportId: 1, index: 1 }])).size, 0);
        assert.deepEqual(await store.readModel.claims(), []);
        assert.equal(await store.acts.count({}), 0);
        assert.equal((await store.readModel.commitments()).size, 0);
        assert.equal(await store.settings.get('kept'), 'yes');
        assert.equal(await store.users.any(), true);
        await project(store);
        assert.equal(await store.acts.count({}), 23);
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
        await store.sessions.touch('k1', now + 5_000, now + 1_000); // expires at now + 1_000: not before
        assert.equal(await store.sessions.get('k1', now + 1_000), undefined, 'touched although it expired no earlier than ifBefore');
        await store.sessions.touch('k1', now + 5_000, now + 1_001);
        assert.equal(await store.sessions.get('k1', now + 2_000), 'd1');
        await store.sessions.set('k1', 'd1b', now + 5_000, 'patient:1');
        assert.equal(await store.sessions.get('k1', now), 'd1b');
        await store.sessions.destroy('k1');
        assert.equal(await store.sessions.get('k1', now), undefined);
        await store.sessions.touch('nobody', now, now + 1); // nothing to touch: no error
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

describe('SQLite and PostgreSQL give the same acts and read model', function () {
  this.timeout(60_000);
  const stores: Store[] = [];
  const dirs: string[] = [];

  before(async () => {
    const dir = tempDataDir('conformance');
    dirs.push(dir);
    stores.push(openSqliteStore(dir), await openPostgresStore(await (await postgresCluster()).createDatabase('agree')));
    for (const store of stores) {
      await addUsers(store);
      await addUsers(store, STAFF_USERS);
      await project(store);
      await applyBlocks(store, 16, LEDGER.length);
    }
  });
  after(async () => {
    for (const store of stores) await store.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('for every filter, sort, direction and page of acts, and the read model\'s lists', async () => {
    const filters: ActFilter[] = [
      {}, { actor: 'admin' }, { actor: P1 }, { actor: D1 }, { actor: PH }, { patient: P1 }, { patient: P2 }, { act: 'report-shared' }, { act: 'opened' },
      { act: 'emergency-ended' }, { from: TIME_OF_BLOCK(6) }, { to: TIME_OF_BLOCK(6) }, { from: TIME_OF_BLOCK(5), to: TIME_OF_BLOCK(11), patient: P1 },
      { actor: address(77) },
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
    const readModel = async (store: Store) => ({
      hospitals: await store.readModel.hospitals(),
      hospitalNames: await store.readModel.hospitalNames(),
      doctors: await store.readModel.doctors(),
      users: await store.users.doctors(),
      grants: await store.readModel.grants([1, 2, 3, 4]),
      grantsUpTo: sorted(await store.readModel.grantsUpTo(19)),
      live: await Promise.all([1, 2].map(hospitalId => store.readModel.reportsForHospital(hospitalId, TIME_OF_BLOCK(20) - 1))),
      prescriptions: await store.readModel.latestPrescriptions([1, 4]),
      emergencies: await Promise.all([undefined, { patient: P2 }, { doctor: D1 }].map(filter => store.readModel.emergencies(filter))),
      emergency: await store.readModel.emergency(1),
      organisations: await Promise.all((['hospital', 'pharmacy', 'insurer'] as const).map(kind => store.readModel.organisations(kind))),
      staff: await Promise.all((['doctor', 'pharmacist', 'insurer'] as const).map(role => store.readModel.staff(role))),
      pharmacies: await Promise.all([4, 6].map(id => store.readModel.dispatchesForPharmacy(id))),
      pages: await store.readModel.dispatchesForPharmacy(4, { limit: 1, offset: 1 }),
      dispatches: await store.readModel.dispatches([{ reportId: 1, index: 0 }, { reportId: 1, index: 1 }, { reportId: 4, index: 0 }]),
      claims: await Promise.all([undefined, { patient: P1 }, { insurerId: 5 }].map(filter => store.readModel.claims(filter))),
      claimPage: await store.readModel.claims({}, { limit: 2, offset: 1 }),
      claim: await store.readModel.claim(8),
      patients: (await store.users.patients()).map(row => ({ ...row, createdAt: typeof row.createdAt })), // Date.now() of each insert
      user: await store.users.findByUsername('ida'),
    });
    assert.deepStrictEqual(await readModel(stores[1]), await readModel(stores[0]));
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
      assert.deepEqual(rows.map(row => row.version), POSTGRES_MIGRATIONS.map((_, i) => i + 1));
      await stores[1].settings.set('seen', 'by all');
      for (const store of stores) assert.equal(await store.settings.get('seen'), 'by all');
      // And opening once more finds nothing to do.
      const again = await openPostgresStore(url);
      assert.equal((await again.pool.query('SELECT 1 FROM schema_migrations')).rowCount, POSTGRES_MIGRATIONS.length);
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
    await assert.rejects(openPostgresStore(url), new RegExp(`the database schema \\(version 99\\) is newer than this code \\(${POSTGRES_MIGRATIONS.length}\\)`));
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
