/** Every feature service, wired from the app's context in one place. */
import type { AppContext } from './context';
import { facadeOf } from './ledger';
import { createAccessLogService } from './features/access-log/service';
import { createAdminService } from './features/admin/service';
import { createIntegrityCheck } from './features/audit/integrity';
import { createAuditService } from './features/audit/service';
import { createSignupLimit } from './features/auth/rate-limit';
import { createAuthService } from './features/auth/service';
import { createEmergencyService } from './features/emergency/service';
import { createInsurerService } from './features/insurer/service';
import { createPharmacyService } from './features/pharmacy/service';
import { createDoctorService } from './features/doctor/service';
import { createNames } from './features/explorer/names';
import { createTamperLab } from './features/explorer/lab';
import { createExplorerService } from './features/explorer/service';
import { createFhirService } from './features/fhir/service';
import { createFileService } from './features/files/service';
import { createLedgerSync } from './features/ledger/sync';
import { createPatientService } from './features/patient/service';
import { createOpenings } from './features/access-log/openings';
import { createBackgroundTasks } from './features/records/background';
import { createLedgerReads } from './features/records/ledger-reads';
import { createVault } from './features/records/vault';
import { createLedgerWriter } from './features/records/writer';

export interface ServiceOptions {
  /** bcrypt's cost factor (tests lower it). */
  readonly bcryptCost?: number;
  /** Where failed background writes and detected tampering are logged (default: stderr). */
  readonly log?: (line: string) => void;
  /** The clock of time-based rules (one access-log entry a visit); tests move it. */
  readonly now?: () => number;
}

export function createServices(context: AppContext, options: ServiceOptions = {}) {
  const { store, custodian, masterKey } = context;
  const { users, bodies, readModel, acts } = store;
  const ledger = facadeOf(context.ledger); // the features' view: no web3, codec, sender or node
  const vault = createVault(bodies, masterKey, options.log, {
    chainId: ledger.chainId,
    contract: ledger.deployment.address,
    formerContracts: ledger.deployment.formerContracts,
  });
  const reads = createLedgerReads(ledger.client);
  const writer = createLedgerWriter(store, vault, events => reads.forget(events));
  const auth = createAuthService(users, store.settings, {
    cost: options.bcryptCost,
    isStaffOnLedger: async address => (await ledger.client.staffOf(address)).organisationId !== 0,
  });
  const background = createBackgroundTasks(options.log);
  const sync = createLedgerSync(store, ledger);
  const openings = createOpenings(acts, options.now); // doctors' and insurers': one visit, one entry
  const doctors = createDoctorService({ ledger, custodian, users, readModel, writer, vault, reads, background, openings });
  const files = createFileService({
    files: store.files,
    blobs: store.blobs,
    masterKey,
    ledger,
    reads,
    vault,
    readModel,
    users,
    maxFileBytes: context.config.maxFileBytes,
    now: options.now,
    // A doctor's opening of a file under a treatment grant is an opening of its report, once a
    // visit (an emergency reader's visit is the break-glass access itself, already on the ledger).
    opened: async (userId, place, access) => {
      if (access?.purpose === 'treatment') await doctors.recordAccess(userId, place.reportId);
    },
  });
  const patients = createPatientService({ ledger, custodian, users, readModel, writer, vault, reads, auth, signups: createSignupLimit(store.throttle) });
  return {
    auth,
    background,
    sync,
    admin: createAdminService({ ledger, custodian, users, readModel, writer, auth, patients }),
    patients,
    doctors,
    files,
    emergencies: createEmergencyService({ ledger, custodian, users, readModel, writer, vault, reads, hours: context.config.emergencyHours, now: options.now }),
    pharmacy: createPharmacyService({ ledger, custodian, users, readModel, writer, vault, reads }),
    insurers: createInsurerService({ ledger, custodian, users, readModel, writer, vault, reads, background, openings }),
    accessLog: createAccessLogService(acts, users, vault, readModel),
    audit: createAuditService(acts, users),
    integrity: createIntegrityCheck(readModel, ledger, vault, file => files.integrityOf(file), () => sync.catchUp()),
    explorer: createExplorerService({ ledger, names: createNames(ledger, users, readModel), readModel, acts }),
    lab: createTamperLab(ledger),
    fhir: createFhirService({ ledger, users, readModel, vault, reads, acts, now: options.now, patients, files }),
  };
}

export type Services = ReturnType<typeof createServices>;
