/**
 * The patient's record in and out as FHIR R4 (issue 18): the export gathers the record from the
 * ledger, the read model and the vault into a snapshot (export.ts makes the bundle of it); the
 * import reads an uploaded bundle whole first (import.ts), then adds each report it holds
 * through the patient service, one ledger write each, as if typed into the report form (shared
 * with no hospital).
 */
import type { Bundle } from '@medplum/fhirtypes';
import { KINDS_OF_ORGANISATION, STAFF_ROLES } from '../../domain/organisations';
import type { Ledger } from '../../ledger';
import type { ActRow, ActStore, ReadModel, User, UserStore } from '../../store/ports';
import { MAX_FILES_PER_RECORD, type FileService } from '../files/service';
import type { PatientService } from '../patient/service';
import type { LedgerReads } from '../records/ledger-reads';
import { createRecordPolicy } from '../records/policy';
import type { AttachedFile, Checked, ReportBody, Vault } from '../records/vault';
import {
  buildBundle,
  type BodyState,
  type LedgerAct,
  type RecordSnapshot,
  type SnapshotFile,
  type SnapshotGrant,
  type SnapshotOrganisation,
  type SnapshotPerson,
  type Withheld,
} from './export';
import { IMPORT_LIMITS, planImport, type ImportLimits, type ImportSkip } from './import';

export interface FhirServiceDeps {
  readonly ledger: Ledger;
  readonly users: UserStore;
  readonly readModel: ReadModel;
  readonly vault: Vault;
  readonly reads: LedgerReads;
  readonly acts: ActStore;
  readonly patients: PatientService;
  readonly files: FileService;
  /** The clock that decides which grants are live (ms). */
  readonly now?: () => number;
  readonly limits?: ImportLimits;
}

/** A report the import added. */
export interface ImportedReport {
  readonly entry: number;
  readonly resourceType: string;
  readonly reportId: number;
  readonly title: string;
  readonly transactionHash: string;
  readonly blockNumber: number;
}

export interface ImportResult {
  readonly entryCount: number;
  readonly imported: readonly ImportedReport[];
  readonly skipped: readonly ImportSkip[];
  /** The error that stopped the writes part-way (the ledger out of reach); the reports before it were imported. */
  readonly stoppedBy: unknown;
  /** How many reports were still to be written when it stopped. */
  readonly notWritten: number;
}


const actOf = (row: Pick<ActRow, 'transactionHash' | 'blockNumber' | 'time'>): LedgerAct => ({ transactionHash: row.transactionHash, blockNumber: row.blockNumber, time: row.time });

function bodyState<T>(checked: Checked<T>): BodyState<T> {
  if (checked.integrity === 'verified') return { ok: true, body: checked.body };
  if (checked.integrity === 'missing') return { ok: false, reason: 'its body is missing from the store' };
  return { ok: false, reason: `its stored body does not match its commitment on the ledger (${checked.reason})` };
}

export function createFhirService({ ledger, users, readModel, vault, reads, acts, patients, files, now = Date.now, limits = IMPORT_LIMITS }: FhirServiceDeps) {
  /** The files of each verified report body, with their bytes (checked), one at a time. */
  async function filesOf(checked: Checked<ReportBody>, author: string): Promise<SnapshotFile[]> {
    if (checked.integrity !== 'verified') return [];
    const out: SnapshotFile[] = [];
    for (const file of checked.body.files ?? []) {
      const read = await files.bytesOf(file, author);
      out.push(
        read.ok
          ? { name: file.name, type: file.type, ok: true, bytes: read.bytes }
          : { name: file.name, type: file.type, ok: false, reason: read.state === 'tampered' ? 'its stored bytes no longer match the hash its report commits to' : 'it is missing from storage' },
      );
    }
    return out;
  }

  const policy = createRecordPolicy(ledger.client, reads);
  const patientOf = async (userId: number): Promise<User> => policy.member(await users.findById(userId), 'patient');

  /** Everything of the patient's record the export shows, each body checked against the ledger. */
  async function snapshot(user: User): Promise<RecordSnapshot> {
    const address = user.address.toLowerCase();
    const listed = await readModel.reportsOfPatient(user.address);
    // The read model proposes; the ledger says which reports are the patient's, with which commitment.
    const identities = await reads.identities(listed.map(r => r.id));
    const own = listed
      .flatMap((row, i) => {
        const identity = identities[i];
        return identity && identity.patient.toLowerCase() === address ? [{ row, commitment: identity.commitment }] : [];
      })
      .reverse(); // oldest first
    const ids = own.map(r => r.row.id);

    const [reportBodies, onLedger, grants, patientActs, organisationActs, staffActs, emergencies] = await Promise.all([
      vault.readMany('report', own.map(r => ({ author: user.address, commitment: r.commitment }))),
      Promise.all(ids.map(id => ledger.client.prescriptions(id))),
      readModel.grants(ids),
      acts.find({ patient: user.address }, 'time', false),
      acts.find({ act: 'organisation-added' }, 'time', false),
      acts.find({ act: 'staff-added' }, 'time', false),
      readModel.emergencies({ patient: user.address }),
    ]);
    const prescriptions = onLedger.flat();
    const [prescriptionBodies, dispatches, reasons, organisationRows, staffRows] = await Promise.all([
      vault.readMany('prescription', prescriptions.map(p => ({ author: p.doctor, commitment: p.commitment, reportId: p.reportId }))),
      readModel.dispatches(prescriptions.map(p => ({ reportId: p.reportId, index: p.index }))),
      vault.readMany('emergency-reason', emergencies.map(e => ({ author: e.doctor, commitment: e.reasonHash }))),
      Promise.all(KINDS_OF_ORGANISATION.map(kind => readModel.organisations(kind))),
      Promise.all(STAFF_ROLES.map(role => readModel.staff(role))),
    ]);

    // The ledger's acts, by what they recorded.
    const prescribed = new Map<number, ActRow[]>(); // report → its prescriptions' acts, in order (the index)
    const grantActs = new Map<string, SnapshotGrant['acts'][number][]>();
    for (const row of patientActs) {
      if (row.reportId === null) continue;
      if (row.act === 'prescribed') prescribed.set(row.reportId, [...(prescribed.get(row.reportId) ?? []), row]);
      if ((row.act === 'report-shared' || row.act === 'report-revoked') && row.hospitalId !== null) {
        const key = `${row.reportId}-${row.hospitalId}`;
        grantActs.set(key, [...(grantActs.get(key) ?? []), { ...actOf(row), kind: row.act === 'report-shared' ? 'shared' : 'revoked' }]);
      }
    }
    const registered = patientActs.find(row => row.act === 'patient-registered');

    const organisations = new Map<number, SnapshotOrganisation>();
    const addedOrganisation = new Map(organisationActs.flatMap(row => (row.hospitalId === null ? [] : [[row.hospitalId, actOf(row)] as const])));
    for (const row of organisationRows.flat()) {
      organisations.set(row.id, { id: row.id, kind: row.kind, name: row.name, address: row.address, phone: row.phone, added: addedOrganisation.get(row.id) });
    }
    const people = new Map<string, SnapshotPerson>();
    const addedStaff = new Map(staffActs.flatMap(row => (row.doctor === null ? [] : [[row.doctor.toLowerCase(), actOf(row)] as const])));
    for (const row of staffRows.flat()) {
      const key = row.address.toLowerCase();
      people.set(key, { address: key, fullName: row.fullName, role: row.role, specialty: row.specialty, removed: row.removedAt !== null, added: addedStaff.get(key) });
    }
    const reasonOf = new Map(emergencies.map((row, i) => [row.id, reasons[i]]));
    const reportFiles: SnapshotFile[][] = [];
    for (const body of reportBodies) reportFiles.push(await filesOf(body, user.address));

    return {
      ledger: { chainId: ledger.chainId, contract: ledger.deployment.address, version: ledger.deployment.version },
      patient: { username: user.username, fullName: user.fullName, email: user.email, phone: user.phone, address, registered: registered && actOf(registered) },
      organisations,
      people,
      reports: own.map(({ row, commitment }, i) => ({
        id: row.id,
        commitment,
        createdAt: row.createdAt,
        recorded: { transactionHash: row.transactionHash, blockNumber: row.blockNumber, time: row.createdAt },
        body: bodyState(reportBodies[i]),
        files: reportFiles[i],
      })),
      prescriptions: prescriptions.map((p, i) => {
        const act = prescribed.get(p.reportId)?.[p.index];
        return {
          reportId: p.reportId,
          index: p.index,
          doctor: p.doctor,
          hospitalId: p.hospitalId,
          commitment: p.commitment,
          createdAt: Math.floor(p.createdAt.getTime() / 1000),
          recorded: act && actOf(act),
          body: bodyState(prescriptionBodies[i]),
          dispensed: (dispatches.get(`${p.reportId}:${p.index}`)?.dispensedAt ?? null) !== null,
        };
      }),
      grants: ids.flatMap(reportId =>
        (grants.get(reportId) ?? []).map(g => ({
          reportId,
          hospitalId: g.hospitalId,
          active: g.active,
          until: g.until,
          acts: grantActs.get(`${reportId}-${g.hospitalId}`) ?? [],
        })),
      ),
      openings: patientActs
        .filter(row => row.act === 'opened' && row.reportId !== null && row.doctor !== null)
        .map(row => {
          const reason = row.purpose === 'emergency' && row.ref !== null ? reasonOf.get(row.ref) : undefined;
          return {
            reportId: row.reportId ?? 0,
            reader: (row.doctor ?? '').toLowerCase(),
            organisationId: row.hospitalId ?? 0,
            purpose: row.purpose ?? 'treatment',
            ref: row.ref,
            reason: reason?.integrity === 'verified' ? reason.body.reason : undefined,
            recorded: actOf(row),
          };
        }),
      now: Math.floor(now() / 1000),
    };
  }

  return {
    /** The patient's whole record as a FHIR R4 Bundle, and what was left out of it (and why). */
    async exportRecord(userId: number): Promise<{ bundle: Bundle; withheld: Withheld[]; username: string }> {
      const user = await patientOf(userId);
      return { ...buildBundle(await snapshot(user)), username: user.username };
    },

    /**
     * Imports the reports of an uploaded bundle (its bytes). The whole file is read and checked
     * first: a malformed or hostile one is an ImportRefused and nothing is written. A report
     * already in the record (same title, disease and details) is skipped, so an import sent
     * twice adds nothing the second time. The writes are one transaction each, in the bundle's
     * order; should the ledger fail part-way, the result says what was written before it.
     */
    async importRecord(userId: number, bytes: Buffer): Promise<ImportResult> {
      const user = await patientOf(userId);
      const plan = planImport(bytes, limits, { maxFileBytes: files.maxFileBytes, maxFiles: MAX_FILES_PER_RECORD });
      const existing = new Map<string, number>();
      for (const report of await patients.dashboard(userId)) {
        if (report.checked.integrity === 'verified') {
          const { title, disease, details } = report.checked.body;
          existing.set(JSON.stringify([title, disease, details]), report.id);
        }
      }
      const skipped = [...plan.skipped];
      const imported: ImportedReport[] = [];
      const toWrite = plan.candidates.filter(candidate => {
        const { title, disease, details } = candidate.report;
        const twin = existing.get(JSON.stringify([title, disease, details]));
        if (twin === undefined) return true;
        skipped.push({ entries: [candidate.entry], resourceType: candidate.resourceType, reason: `already in your record as report #${twin}` });
        return false;
      });
      for (const [i, candidate] of toWrite.entries()) {
        const stored: AttachedFile[] = [];
        try {
          for (const file of candidate.files) {
            stored.push(await files.store(user.address, file.name, (async function* () {
              yield file.bytes;
            })()));
          }
          const receipt = await patients.addReport(userId, { ...candidate.report, hospitalIds: [], files: stored });
          imported.push({
            entry: candidate.entry,
            resourceType: candidate.resourceType,
            reportId: receipt.reportId,
            title: candidate.report.title,
            transactionHash: receipt.transactionHash,
            blockNumber: receipt.blockNumber,
          });
        } catch (error) {
          await files.discardUnlisted(stored.map(file => file.id)).catch(() => undefined);
          if (imported.length === 0) throw error;
          return { entryCount: plan.entryCount, imported, skipped: sortSkips(skipped), stoppedBy: error, notWritten: toWrite.length - i };
        }
      }
      return { entryCount: plan.entryCount, imported, skipped: sortSkips(skipped), stoppedBy: undefined, notWritten: 0 };
    },
  };
}

const sortSkips = (skips: ImportSkip[]) => skips.sort((a, b) => a.entries[0] - b.entries[0]);

export type FhirService = ReturnType<typeof createFhirService>;
