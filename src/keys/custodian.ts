/**
 * Custodial keys: the server makes one Ethereum account per user and keeps its private key only
 * as an AES-256-GCM envelope under a key derived from the master key, bound to the address.
 * Users need no wallet; the server signs for them.
 */
import { eth } from 'web3';
import { ConfigError } from '../config';
import { DecryptionError, deriveKey, open, seal } from '../crypto/envelope';
import type { AccountStore } from '../store/ports';
import type { Signer } from '../ledger/transactions';

export interface Custodian {
  /**
   * Makes an account and stores its key encrypted; resolves to its address. It is funded lazily,
   * by its first write (the sender tops up an account that cannot pay): for a patient that is the
   * signup's own registration, for staff their first act. An account whose login was never
   * stored is named at the next start (keys/orphans.ts).
   */
  createAccount(): Promise<string>;
  /** The signer of an account this server keeps; rejects with DecryptionError under a wrong master key. */
  signer(address: string): Promise<Signer>;
}

export interface CustodianOptions {
  readonly accounts: AccountStore;
  readonly masterKey: Buffer;
}

const ACCOUNT_KEYS = 'account-keys';
const accountAad = (address: string) => `account:${address.toLowerCase()}`;

export function createCustodian({ accounts, masterKey }: CustodianOptions): Custodian {
  const key = deriveKey(masterKey, ACCOUNT_KEYS);
  const aad = accountAad;

  async function signer(address: string): Promise<Signer> {
    const row = await accounts.findByAddress(address);
    if (!row) throw new Error(`no custodial account ${address}`);
    return { address: row.address, privateKey: open(key, row.encryptedKey, aad(row.address)).toString('utf8') };
  }

  return {
    async createAccount() {
      const account = eth.accounts.create();
      const address = account.address.toLowerCase();
      // Stored before anything is sent, so a key is never lost after its account holds funds.
      await accounts.insert(address, seal(key, account.privateKey, aad(address)));
      return address;
    },
    signer,
  };
}

/** Throws a ConfigError when `masterKey` does not open the keys already stored. */
export async function checkMasterKey(accounts: AccountStore, masterKey: Buffer): Promise<void> {
  const first = await accounts.first();
  if (!first) return;
  try {
    open(deriveKey(masterKey, ACCOUNT_KEYS), first.encryptedKey, accountAad(first.address));
  } catch (error) {
    if (error instanceof DecryptionError) {
      throw new ConfigError('EHR_MASTER_KEY does not open the keys in DATA_DIR: it is not the key this data was made with');
    }
    throw error;
  }
}
