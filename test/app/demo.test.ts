/**
 * The classroom reset (`npm run demo -- --fresh`, issue 19): it deletes the demo's data set and no
 * other, so the demo makes it anew.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_DIR, DEMO_MARK, DemoArgumentError, demoOptions, markDemo, resetDemo } from '../../src/demo-fresh';
import { tempDataDir } from '../support/context';

describe('npm run demo -- --fresh', () => {
  it('takes --fresh and nothing else', () => {
    assert.deepEqual(demoOptions([]), { fresh: false });
    assert.deepEqual(demoOptions(['--fresh']), { fresh: true });
    assert.throws(() => demoOptions(['--fresh', '--force']), DemoArgumentError);
    assert.throws(() => demoOptions(['fresh']), /unknown option fresh/);
  });

  it('deletes a data set the demo marked as its own, and the default data/demo', () => {
    const marked = tempDataDir('demo');
    fs.writeFileSync(path.join(marked, 'ehr.sqlite'), 'x');
    markDemo(marked);
    assert.match(resetDemo(marked, {}), /deleted the demo data set/);
    assert.equal(fs.existsSync(marked), false);
    assert.match(resetDemo(marked, {}), /no demo data set .* yet/);

    const cwd = tempDataDir('demo-cwd');
    fs.mkdirSync(path.join(cwd, DEMO_DIR), { recursive: true });
    fs.writeFileSync(path.join(cwd, DEMO_DIR, 'ehr.sqlite'), 'x');
    resetDemo(DEMO_DIR, {}, cwd);
    assert.equal(fs.existsSync(path.join(cwd, DEMO_DIR)), false);
    assert.equal(fs.existsSync(cwd), true);
  });

  it('refuses any other DATA_DIR, and a store in PostgreSQL', () => {
    const real = tempDataDir('real');
    fs.writeFileSync(path.join(real, 'ehr.sqlite'), 'x');
    assert.throws(() => resetDemo(real, {}), new RegExp(`not a demo data set \\(no ${DEMO_MARK.replace('.', '\\.')} in it\\)`));
    assert.equal(fs.existsSync(path.join(real, 'ehr.sqlite')), true);
    markDemo(real);
    assert.throws(() => resetDemo(real, { DATABASE_URL: 'postgres://x@localhost/db' }), /drop that database yourself/);
    assert.equal(fs.existsSync(real), true);
  });
});
