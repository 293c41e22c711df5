/** Every feature service, wired from the app's context in one place. */
import type { AppContext } from './context';
import { createAccessLogService } from './features/access-log/service';
import { createAdminService } from './features/admin/service';
import { createIntegrityCheck } from './features/audit/integrity';
import { createAuditService } from './features/audit/service';
import { createAuthService } from './features/auth/service';
import { createDoctorService } from './features/doctor/service';
import { createNames } from './features/explorer/names';
import { createExplorerService } from './features/explorer/service';
import { createLedgerSync } from './features/ledger/sync';
import { createPatientService } from './features/patient/service';
import { createBackgroundTasks } from './features/records/background';
import { createVault } from './features/records/vault';
import { createLedgerWriter } from './features/records/writer';
import { createActs } from './store/acts';
import { createBodyRepository } from './store/bodies';
import { createProjection } from './store/projection';
import { createReadModel } from './store/read-model';
import { createSettings } from './store/settings';
import { createUserRepository } from './store/users';

export interface ServiceOptions {
  /** bcrypt's cost factor (tests lower it). */
  readonly bcryptCost?: number;
  /** Where failed background writes and detected tampering are logged (default: stderr). */
  readonly log?: (line: string) => void;
}

export function createServices(context: AppContext, options: ServiceOptions = {}) {
  const { db, ledger, custodian, masterKey } = context;
  const users = createUserRepository(db);
  const bodies = createBodyRepository(db);
  const readModel = createReadModel(db);
  const vault = createVault(bodies, masterKey, options.log);
  const projection = createProjection(db);
  const settings = createSettings(db);
  const writer = createLedgerWriter(db, vault, bodies, projection);
  const auth = createAuthService(users, settings, options.bcryptCost);
  const background = createBackgroundTasks(options.log);
  const acts = createActs(db);
  return {
    auth,
    background,
    sync: createLedgerSync(db, ledger, projection, settings),
    admin: createAdminService({ db, ledger, custodian, users, readModel, writer, auth }),
    patients: createPatientService({ ledger, custodian, users, readModel, writer, vault, auth }),
    doctors: createDoctorService({ ledger, custodian, users, readModel, writer, vault, background }),
    accessLog: createAccessLogService(acts, users, vault),
    audit: createAuditService(acts, users),
    integrity: createIntegrityCheck(db, ledger, vault),
    explorer: createExplorerService(ledger, createNames(ledger, users, readModel)),
  };
}

export type Services = ReturnType<typeof createServices>;
