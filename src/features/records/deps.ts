/** What the services that read and write records (patient, doctor) are built from. */
import type { Ledger } from '../../ledger';
import type { Custodian } from '../../keys/custodian';
import type { ReadModel, UserStore } from '../../store/ports';
import type { LedgerReads } from './ledger-reads';
import type { Vault } from './vault';
import type { LedgerWriter } from './writer';

export interface RecordServiceDeps {
  readonly ledger: Ledger;
  readonly custodian: Custodian;
  readonly users: UserStore;
  readonly readModel: ReadModel;
  readonly writer: LedgerWriter;
  readonly vault: Vault;
  /** The ledger's say on who may read which listed record. */
  readonly reads: LedgerReads;
}
