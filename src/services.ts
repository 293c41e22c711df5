/** Every feature service, wired from the app's context in one place. */
import type { AppContext } from './context';
import { createAdminService } from './features/admin/service';
import { createAuthService } from './features/auth/service';
import { createLedgerSync } from './features/ledger/sync';
import { createDoctorService } from './features/doctor/service';
import { createPatientService } from './features/patient/service';
import { createBackgroundTasks, type BackgroundErrorLog } from './features/records/background';
import { createVault } from './features/records/vault';
import { createLedgerWriter } from './features/records/writer';
import { createBodyRepository } from './store/bodies';
import { createProjection } from './store/projection';
import { createReadModel } from './store/read-model';
import { createSettings } from './store/settings';
import { createUserRepository } from './store/users';

export function createServices(context: AppContext, options: { bcryptCost?: number; backgroundErrorLog?: BackgroundErrorLog } = {}) {
  const { db, ledger, custodian, masterKey } = context;
  const users = createUserRepository(db);
  const bodies = createBodyRepository(db);
  const readModel = createReadModel(db);
  const vault = createVault(bodies, masterKey);
  const projection = createProjection(db);
  const settings = createSettings(db);
  const writer = createLedgerWriter(db, vault, bodies, projection);
  const auth = createAuthService(users, settings, options.bcryptCost);
  const background = createBackgroundTasks(options.backgroundErrorLog);
  return {
    auth,
    background,
    sync: createLedgerSync(db, ledger, projection, settings),
    admin: createAdminService({ db, ledger, custodian, users, readModel, writer, auth }),
    patients: createPatientService({ ledger, custodian, users, readModel, writer, vault, auth }),
    doctors: createDoctorService({ ledger, custodian, users, readModel, writer, vault, background }),
  };
}

export type Services = ReturnType<typeof createServices>;
