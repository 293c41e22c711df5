/**
 * `npm run upgrade -- <Contract>`: puts a new implementation of the contract (a contract of the
 * build, e.g. `EHRv2_1`) behind the data set's proxy, as the admin (UUPS `upgradeToAndCall`), and
 * records its version in the database. Every record stays: the proxy keeps its address, events
 * and storage. Run it while the app is stopped. (A data set of the first release needs no
 * command: the first start of this release upgrades it.)
 */
import { loadConfig } from './config';
import { startContext } from './context';
import { upgradeImplementation } from './ledger/upgrade';
import { say } from './main';
import { createDeploymentRecord } from './store/deployment';

async function upgrade(contractName: string | undefined): Promise<void> {
  if (!contractName || !/^\w+$/.test(contractName)) throw new Error('name the implementation to upgrade to: npm run upgrade -- <Contract> (e.g. EHRv2_1)');
  const context = await startContext(loadConfig(), say);
  try {
    const { sender, codec, admin, identity, client } = context.ledger;
    const before = await client.version();
    const implementation = await upgradeImplementation(sender, codec, identity.contract, admin, contractName);
    const version = await client.version();
    await createDeploymentRecord(context.store).save({ ...identity, version });
    say('upgrade', `contract at ${identity.contract} now runs ${contractName} at ${implementation}: version ${before} → ${version}`);
  } finally {
    await context.close();
  }
}

upgrade(process.argv[2]).catch(error => {
  console.error(`upgrade failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
