/** Every feature service, wired from the app's context in one place. */
import type { AppContext } from './context';
import { facadeOf } from './ledger';
import { createAccessLogService } from './features/access-log/service';
import { createAdminService } from './features/admin/service';
import { createIntegrityCheck } from './features/audit/integrity';
import { createAuditService } from './features/audit/service';
import { createSignupLimit } from './features/auth/rate-limit';
import { createAuthService } from './features/auth/service';
import { createDoctorService } from './features/doctor/service';
import { createNames } from './features/explorer/names';
import { createExplorerService } from './features/explorer/service';
import { createLedgerSync } from './features/ledger/sync';
import { createPatientService } from './features/patient/service';
import { createOpenings } from './features/access-log/openings';
import { createBackgroundTasks } from './features/records/background';
import { createLedgerReads } from './features/records/ledger-reads';
import { createVault } from './features/records/vault';
import { createLedgerWriter } from './features/records/writer';
import { createActs } from './store/acts';
import { createBodyRepository } from './store/bodies';
import { createProjection } from './store/projection';
import { createReadModel } from './store/read-model';
import { createSettings } from './store/settings';
import { createThrottleEvents } from './store/throttle-events';
import { createUserRepository } from './store/users';

export interface ServiceOptions {
  /** bcrypt's cost factor (tests lower it). */
  readonly bcryptCost?: number;
  /** Where failed background writes and detected tampering are logged (default: stderr). */
  readonly log?: (line: string) => void;
  /** The clock of time-based rules (one access-log entry a visit); tests move it. */
  readonly now?: () => number;
}

export function createServices(context: AppContext, options: ServiceOptions = {}) {
  const { db, custodian, masterKey } = context;
  const ledger = facadeOf(context.ledger); // the features' view: no web3, codec, sender or node
  const users = createUserRepository(db);
  const bodies = createBodyRepository(db);
  const readModel = createReadModel(db);
  const vault = createVault(bodies, masterKey, options.log, { chainId: ledger.chainId, contract: ledger.deployment.address });
  const reads = createLedgerReads(ledger.client);
  const projection = createProjection(db);
  const settings = createSettings(db);
  const writer = createLedgerWriter(db, vault, bodies, projection, events => reads.forget(events));
  const auth = createAuthService(users, settings, options.bcryptCost);
  const background = createBackgroundTasks(options.log);
  const acts = createActs(db);
  const sync = createLedgerSync(db, ledger, projection, settings);
  return {
    auth,
    background,
    sync,
    admin: createAdminService({ db, ledger, custodian, users, readModel, writer, auth }),
    patients: createPatientService({ ledger, custodian, users, readModel, writer, vault, reads, auth, signups: createSignupLimit(createThrottleEvents(db)) }),
    doctors: createDoctorService({ ledger, custodian, users, readModel, writer, vault, reads, background, openings: createOpenings(acts, options.now) }),
    accessLog: createAccessLogService(acts, users, vault),
    audit: createAuditService(acts, users),
    integrity: createIntegrityCheck(db, ledger, vault, () => sync.catchUp()),
    explorer: createExplorerService(ledger, createNames(ledger, users, readModel)),
  };
}

export type Services = ReturnType<typeof createServices>;
