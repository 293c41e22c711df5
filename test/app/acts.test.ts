/**
 * The act vocabulary (src/domain/acts.ts) is the one list of acts: the landed migration's CHECK on
 * `ledger_acts.act` (never edited: migrations are append-only) must allow exactly its act ids, and
 * its events must be exactly the contract's own events (IEHR.sol's; OpenZeppelin's role events are
 * not acts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ACT_LABELS, ACT_NAMES, ACT_VOCABULARY, actOfEvent, AUDIT_FILTER_ACTS } from '../../src/domain/acts';
import { loadArtifact } from '../../src/ledger/abi';
import { ensureCompiled } from '../../src/ledger/truffle';
import { openDatabase } from '../../src/store/sqlite/database';
import { MIGRATIONS } from '../../src/store/sqlite/migrations';
import { tempDataDir } from '../support/context';

/** The values of `act … CHECK (act IN (…))` in a CREATE TABLE statement. */
function checkedActs(sql: string): string[] {
  const match = /\bact\s+TEXT\s+NOT\s+NULL\s+CHECK\s*\(\s*act\s+IN\s*\(([^)]*)\)\s*\)/i.exec(sql);
  assert.ok(match, `no CHECK on act in:\n${sql}`);
  return [...match[1].matchAll(/'([^']*)'/g)].map(m => m[1]);
}

const sorted = (values: readonly string[]) => [...values].sort();

describe('the act vocabulary', () => {
  it('has one row per act id and per event', () => {
    assert.equal(new Set(ACT_NAMES).size, ACT_VOCABULARY.length);
    assert.equal(new Set(ACT_VOCABULARY.map(row => row.event)).size, ACT_VOCABULARY.length);
    assert.deepEqual(sorted(Object.keys(ACT_LABELS)), sorted(ACT_NAMES));
    assert.deepEqual(sorted(AUDIT_FILTER_ACTS), sorted(ACT_NAMES));
  });

  it('allows in the CHECK of the migration that made ledger_acts exactly the act ids', () => {
    const migration = MIGRATIONS.find(m => /CREATE TABLE ledger_acts/.test(m.sql));
    assert.ok(migration, 'no migration creates ledger_acts');
    assert.deepEqual(sorted(checkedActs(migration.sql)), sorted(ACT_NAMES));
  });

  it('allows in the CHECK of a migrated database exactly the act ids', () => {
    const dataDir = tempDataDir('acts');
    const db = openDatabase(dataDir);
    try {
      const table = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ledger_acts'").get();
      assert.ok(table);
      assert.deepEqual(sorted(checkedActs(table.sql)), sorted(ACT_NAMES));
    } finally {
      db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("names exactly the contract's own events (IEHR.sol), and no OpenZeppelin role event is an act", async function () {
    this.timeout(600_000); // compiles when the build is stale
    await ensureCompiled();
    const events = (contract: string) => loadArtifact(contract).abi.filter(f => f.type === 'event').map(f => String(f.name));
    assert.deepEqual(sorted(ACT_VOCABULARY.map(row => row.event)), sorted(events('IEHR')));
    for (const name of events('EHR').filter(name => !events('IEHR').includes(name))) assert.equal(actOfEvent(name), undefined, name);
  });
});
