/**
 * The app's dependencies, built in one place in start-up order: secrets, database, ledger,
 * custodian. `server.ts` and the tests both start the app through here.
 */
import type { Config } from './config';
import { loadMasterKey, loadSessionSecret } from './crypto/secrets';
import { connectLedger, type Ledger, type StageReporter } from './ledger';
import { checkMasterKey, createCustodian, type Custodian } from './keys/custodian';
import { createAccountRepository } from './store/accounts';
import { createDeploymentRecord } from './store/deployment';
import { createSettings } from './store/settings';
import { openDatabase, type Db } from './store/database';

export interface AppContext {
  readonly config: Config;
  readonly db: Db;
  readonly ledger: Ledger;
  readonly custodian: Custodian;
  readonly masterKey: Buffer;
  readonly sessionSecret: string;
  /** Closes the database and the node. */
  close(): Promise<void>;
}

export async function startContext(config: Config, report?: StageReporter): Promise<AppContext> {
  const masterKey = loadMasterKey(config.dataDir, config.masterKey);
  const sessionSecret = loadSessionSecret(config.dataDir, config.sessionSecret);
  const db = openDatabase(config.dataDir);
  try {
    const accounts = createAccountRepository(db);
    checkMasterKey(accounts, masterKey); // before the node starts: a wrong key stops at once
    const ledger = await connectLedger(config, { report, record: createDeploymentRecord(createSettings(db)) });
    const custodian = createCustodian({ accounts, masterKey });
    return {
      config,
      db,
      ledger,
      custodian,
      masterKey,
      sessionSecret,
      async close() {
        await ledger.close();
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
