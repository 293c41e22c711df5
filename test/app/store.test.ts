/**
 * The store's unit of work on its one SQLite connection: all of it is kept or none, other callers
 * wait for it (and never see its writes half-done), calls made inside it join it, and one that
 * hangs is rolled back rather than holding the database for ever.
 */
import assert from 'node:assert/strict';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite';
import { tempDataDir } from '../support/context';

describe('the store', function () {
  let store: SqliteStore;

  beforeEach(() => {
    store = openSqliteStore(tempDataDir('store'));
  });
  afterEach(() => store.close());

  describe('a unit of work', () => {
    it('keeps every write when it succeeds', async () => {
      await store.transaction(async () => {
        await store.settings.set('a', '1');
        await store.settings.set('b', '2');
      });
      assert.deepEqual([await store.settings.get('a'), await store.settings.get('b')], ['1', '2']);
    });

    it('keeps none of its writes when it fails, and passes the failure on', async () => {
      await assert.rejects(
        store.transaction(async () => {
          await store.settings.set('a', '1');
          throw new Error('half-way');
        }),
        /half-way/,
      );
      assert.equal(await store.settings.get('a'), undefined);
    });

    it('makes other callers wait for it, so they never see it half-done', async () => {
      let release!: () => void;
      const held = new Promise<void>(resolve => (release = resolve));
      const unit = store.transaction(async () => {
        await store.settings.set('a', '1');
        await held; // e.g. more work of the same unit
        await store.settings.set('b', '2');
      });
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

    it('lets a nested unit join the outer one: an outer failure undoes both', async () => {
      await assert.rejects(
        store.transaction(async () => {
          await store.transaction(() => store.settings.set('inner', 'x'));
          throw new Error('outer fails');
        }),
      );
      assert.equal(await store.settings.get('inner'), undefined);
    });

    it('refuses a straggler of a finished unit instead of writing outside it', async () => {
      let straggler: Promise<void> | undefined;
      await store.transaction(async () => {
        straggler = new Promise<void>(resolve => setTimeout(resolve, 10)).then(() => store.settings.set('late', 'x'));
      });
      await assert.rejects(straggler!, /has ended/);
      assert.equal(await store.settings.get('late'), undefined);
    });
  });

  describe('the throttle', () => {
    it('admits up to the limit in a window, atomically, and then says what the window holds', async () => {
      const at = Date.now();
      const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => store.throttle.admit('k', at + i, 3, 60_000)));
      assert.equal(answers.filter(answer => answer === undefined).length, 3);
      assert.deepEqual(answers[4], [at, at + 1, at + 2]);
      assert.deepEqual(await store.throttle.since('k', 0), [at, at + 1, at + 2]);
    });
  });
});
