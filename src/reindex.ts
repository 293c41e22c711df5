/**
 * `npm run reindex`: rebuilds the read model (the `ledger_*` tables) from the ledger's events
 * alone. Run it while the app is stopped; the pages show the same afterwards.
 */
import { loadConfig } from './config';
import { startContext } from './context';
import { say } from './main';
import { createServices } from './services';

async function reindex(): Promise<void> {
  const context = await startContext(loadConfig(), say);
  try {
    const applied = await createServices(context).sync.reindex();
    say('reindex', `read model rebuilt from ${applied} events of the ledger`);
  } finally {
    await context.close();
  }
}

reindex().catch(error => {
  console.error(`reindex failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
