/**
 * The act vocabulary (src/domain/acts.ts) is the one list of acts: the CHECK on `ledger_acts.act`
 * of the newest migration that makes the table (migrations are append-only: an older one keeps
 * the acts of its day) must allow exactly its act ids, in both stores, and its events
 * (EVENT_ACTS) must be exactly the contract's own events that are acts (IEHRv2.sol's, but
 * ImportFinished; OpenZeppelin's role, Initialized and Upgraded events are not acts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ACT_LABELS, ACT_NAMES, ACT_VOCABULARY, actOfEvent, AUDIT_FILTER_ACTS, EVENT_ACTS, PURPOSES } from '../../src/domain/acts';
import { loadArtifact } from '../../src/ledger/abi';
import { ensureCompiled } from '../../src/ledger/truffle';
import type { Migration } from '../../src/store/migration';
import { openPostgresStore } from '../../src/store/postgres';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations';
import { openDatabase } from '../../src/store/sqlite/database';
import { MIGRATIONS } from '../../src/store/sqlite/migrations';
import { tempDataDir } from '../support/context';
import { postgresCluster } from '../support/postgres';

/** The values of `column … CHECK (column IN (…))` in a CREATE TABLE statement. */
function checked(column: string, sql: string): string[] {
  const match = new RegExp(`\\b${column}\\s+TEXT(?:\\s+NOT\\s+NULL)?\\s+CHECK\\s*\\(\\s*${column}\\s+IN\\s*\\(([^)]*)\\)\\s*\\)`, 'i').exec(sql);
  assert.ok(match, `no CHECK on ${column} in:\n${sql}`);
  return quoted(match[1]);
}

const quoted = (text: string) => [...text.matchAll(/'([^']*)'/g)].map(m => m[1]);
const sorted = (values: readonly string[]) => [...values].sort();

/** The newest migration of a store's list that makes ledger_acts: the one whose table the store has. */
function newestActsMigration(migrations: readonly Migration[]): Migration {
  const migration = migrations.findLast(m => /CREATE TABLE ledger_acts\b/.test(m.sql));
  assert.ok(migration, 'no migration creates ledger_acts');
  return migration;
}

/** Events of a compiled contract's ABI. */
const eventsOf = (contract: string) =>
  loadArtifact(contract)
    .abi.filter(f => f.type === 'event')
    .map(f => String(f.name));

describe('the act vocabulary', () => {
  it('has one row per act id, and every event records one of its acts', () => {
    assert.equal(new Set(ACT_NAMES).size, ACT_VOCABULARY.length);
    assert.deepEqual(sorted(Object.keys(ACT_LABELS)), sorted(ACT_NAMES));
    assert.deepEqual(sorted(AUDIT_FILTER_ACTS), sorted(ACT_NAMES));
    for (const [event, { act }] of Object.entries(EVENT_ACTS)) assert.ok(ACT_NAMES.includes(act), `${event}: ${act}`);
    // And no act is left without an event that records it.
    assert.deepEqual(sorted([...new Set(Object.values(EVENT_ACTS).map(({ act }) => act))]), sorted(ACT_NAMES));
  });

  for (const [store, migrations] of [['SQLite', MIGRATIONS], ['PostgreSQL', POSTGRES_MIGRATIONS]] as const) {
    it(`allows in the CHECKs of ${store}'s newest migration that makes ledger_acts exactly the act ids and purposes`, () => {
      const { sql } = newestActsMigration(migrations);
      assert.deepEqual(checked('act', sql), [...ACT_NAMES], 'in the vocabulary\'s order');
      assert.deepEqual(checked('purpose', sql), [...PURPOSES]);
    });
  }

  it('allows in the CHECKs of a migrated SQLite database exactly the act ids and purposes', () => {
    const dataDir = tempDataDir('acts');
    const db = openDatabase(dataDir);
    try {
      const table = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ledger_acts'").get();
      assert.ok(table);
      assert.deepEqual(sorted(checked('act', table.sql)), sorted(ACT_NAMES));
      assert.deepEqual(sorted(checked('purpose', table.sql)), sorted(PURPOSES));
    } finally {
      db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('allows in the CHECKs of a migrated PostgreSQL database exactly the act ids and purposes', async function () {
    this.timeout(60_000); // starts the test cluster when no other suite has
    const store = await openPostgresStore(await (await postgresCluster()).createDatabase('acts'));
    try {
      const { rows } = await store.pool.query<{ name: string; definition: string }>(
        `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = 'ledger_acts'::regclass AND contype = 'c'`,
      );
      const definitions = new Map(rows.map(row => [row.name, row.definition]));
      assert.deepEqual(sorted(quoted(definitions.get('ledger_acts_act_check') ?? '')), sorted(ACT_NAMES));
      assert.deepEqual(sorted(quoted(definitions.get('ledger_acts_purpose_check') ?? '')), sorted(PURPOSES));
    } finally {
      await store.close();
    }
  });

  it("maps exactly the contract's own events that are acts (IEHRv2.sol's), and no role, proxy or import-closing event", async function () {
    this.timeout(600_000); // compiles when the build is stale
    await ensureCompiled();
    const own = eventsOf('IEHRv2');
    const notActs = ['ImportFinished'];
    assert.deepEqual(sorted(Object.keys(EVENT_ACTS)), sorted(own.filter(name => !notActs.includes(name))));
    // The deployed contract's other events: OpenZeppelin's roles, Initializable's and the UUPS proxy's.
    const others = eventsOf('EHRv2').filter(name => !own.includes(name));
    assert.deepEqual(sorted(others), sorted(['RoleAdminChanged', 'RoleGranted', 'RoleRevoked', 'Initialized', 'Upgraded']));
    for (const name of [...others, ...notActs]) assert.equal(actOfEvent(name), undefined, name);
  });
});
