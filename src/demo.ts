/**
 * `npm run demo`: `npm start` on the classroom data set (demo-data.ts) in DATA_DIR (default
 * `./data/demo`), made on the first run and left as it is on later runs.
 *
 * `npm run demo -- --fresh` deletes the demo data set first (see demo-fresh.ts): the classroom reset.
 */
import { DEMO_DIR, DemoArgumentError, demoOptions, resetDemo } from './demo-fresh';
import { seedDemo } from './demo-data';
import { run, say } from './main';

const env = { DATA_DIR: DEMO_DIR, ...process.env };
try {
  if (demoOptions(process.argv.slice(2)).fresh) say('demo', resetDemo(env.DATA_DIR, env));
  run(seedDemo, env);
} catch (error) {
  if (!(error instanceof DemoArgumentError)) throw error;
  console.error(`EHR Ledger demo: ${error.message}`);
  process.exit(1);
}
