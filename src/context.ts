/**
 * The app's dependencies, built in one place in start-up order: secrets, database, ledger,
 * custodian. `server.ts` and the tests both start the app through here.
 */
import type { Config } from './config';
import { deriveKey, open, seal } from './crypto/envelope';
import { loadMasterKey, loadSessionSecret } from './crypto/secrets';
import { connectLedger, type LedgerConnection, type StageReporter } from './ledger';
import { checkMasterKey, createCustodian, type Custodian } from './keys/custodian';
import { createAccountRepository } from './store/accounts';
import { createDeploymentRecord } from './store/deployment';
import { createSettings } from './store/settings';
import { openDatabase, type Db } from './store/database';

export interface AppContext {
  readonly config: Config;
  readonly db: Db;
  /** The whole ledger adapter; features get its facade (`facadeOf`), wired in services.ts and app.ts. */
  readonly ledger: LedgerConnection;
  readonly custodian: Custodian;
  readonly masterKey: Buffer;
  readonly sessionSecret: string;
  /** Has `close` run when the context closes, before the database does (e.g. a session store's sweeper). */
  closeWith(close: () => void): void;
  /** Closes what was handed to `closeWith`, then the node and the database. */
  close(): Promise<void>;
}

/** The embedded chain's mnemonic, sealed under the master key in DATA_DIR/chain.json. */
function seedCipher(masterKey: Buffer) {
  const key = deriveKey(masterKey, 'chain-seed');
  return {
    seal: (mnemonic: string) => seal(key, mnemonic, 'chain-seed'),
    open: (sealed: string) => open(key, sealed, 'chain-seed').toString('utf8'),
  };
}

export async function startContext(config: Config, report?: StageReporter): Promise<AppContext> {
  const masterKey = loadMasterKey(config.dataDir, config.masterKey);
  const sessionSecret = loadSessionSecret(config.dataDir, config.sessionSecret);
  const db = openDatabase(config.dataDir);
  try {
    const accounts = createAccountRepository(db);
    checkMasterKey(accounts, masterKey); // before the node starts: a wrong key stops at once
    const ledger = await connectLedger(config, { report, record: createDeploymentRecord(createSettings(db)), seedCipher: seedCipher(masterKey) });
    const custodian = createCustodian({ accounts, masterKey });
    const closers: (() => void)[] = [];
    return {
      config,
      db,
      ledger,
      custodian,
      masterKey,
      sessionSecret,
      closeWith: close => void closers.push(close),
      async close() {
        for (const close of closers.splice(0)) close();
        await ledger.close();
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
