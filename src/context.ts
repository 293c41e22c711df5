/**
 * The app's dependencies, built in one place in start-up order: secrets, database, ledger,
 * custodian. `server.ts` and the tests both start the app through here.
 */
import type { Config } from './config';
import { deriveKey, open, seal } from './crypto/envelope';
import { loadMasterKey, loadSessionSecret } from './crypto/secrets';
import { connectLedger, type LedgerConnection, type StageReporter } from './ledger';
import { checkMasterKey, createCustodian, type Custodian } from './keys/custodian';
import { createDeploymentRecord } from './store/deployment';
import { openStore } from './store';
import type { Store } from './store/ports';

export interface AppContext {
  readonly config: Config;
  /** Everything kept off the ledger, behind the store's ports. */
  readonly store: Store;
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
  const store = await openStore(config);
  try {
    await checkMasterKey(store.accounts, masterKey); // before the node starts: a wrong key stops at once
    const ledger = await connectLedger(config, {
      report,
      record: createDeploymentRecord(store),
      seedCipher: seedCipher(masterKey),
      exclusive: store.coordination?.exclusive.bind(store.coordination),
    });
    const custodian = createCustodian({ accounts: store.accounts, masterKey });
    const closers: (() => void)[] = [];
    return {
      config,
      store,
      ledger,
      custodian,
      masterKey,
      sessionSecret,
      closeWith: close => void closers.push(close),
      async close() {
        for (const close of closers.splice(0)) close();
        await ledger.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
