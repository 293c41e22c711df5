/**
 * The integrity check over every record: each report and prescription the ledger holds (read
 * from the contract's own events, not from the read model) against the body stored here, and
 * against the read model's copy of its commitment. Counts verified / tampered / missing.
 *
 * Each file a verified body lists is checked too: its stored (sealed) bytes must still hash to
 * the SHA-256 the body names, the body whose commitment is on the ledger.
 *
 * Then the read model itself: its reports (owner, commitment) and grants (report, hospital,
 * active) must be what the events say, row for row; each difference — a row changed, added or
 * deleted in SQLite — is a finding, which `npm run reindex` repairs.
 */
import type { Ledger } from '../../ledger';
import { ledgerChangeOf, type LedgerChange } from '../../store/events';
import type { ReadModel } from '../../store/ports';
import type { AttachedFile, Vault } from '../records/vault';

/** One attached file's check: its stored bytes against the hash its record's body names (its id only: a file's name is the patient's). */
export interface FileCheck {
  readonly fileId: string;
  readonly reportId: number;
  /** The prescription's index, for a prescription's file. */
  readonly index?: number;
  readonly integrity: 'verified' | 'tampered' | 'missing';
}

export interface RecordCheck {
  readonly kind: 'report' | 'prescription';
  readonly reportId: number;
  /** The prescription's index on its report. */
  readonly index?: number;
  readonly integrity: 'verified' | 'tampered' | 'missing';
  readonly reason?: string;
  readonly transactionHash: string;
  readonly blockNumber: number;
}

/** A difference between the read model and the ledger's events. */
export interface ReadModelFinding {
  readonly table: 'reports' | 'grants';
  /** `report #3`, or `report #3, hospital 2`. */
  readonly record: string;
  /** What the events say, and what the read model says ("no row" when there is none). */
  readonly ledger: string;
  readonly readModel: string;
}

export interface IntegrityReport {
  readonly checkedAt: Date;
  readonly latestBlock: number;
  readonly total: number;
  readonly verified: number;
  readonly tampered: number;
  readonly missing: number;
  /** Every record that is not verified. */
  readonly problems: readonly RecordCheck[];
  /** Every row of the read model that differs from the events. */
  readonly findings: readonly ReadModelFinding[];
  /** The files the verified bodies list: how many, and each that is not verified. */
  readonly files: { readonly total: number; readonly verified: number; readonly problems: readonly FileCheck[] };
}

interface OnLedger {
  readonly kind: 'report' | 'prescription';
  readonly reportId: number;
  readonly index?: number;
  readonly author: string;
  readonly commitment: string;
  readonly transactionHash: string;
  readonly blockNumber: number;
}

/** The state of one row as text: what a finding shows on each side. */
type RowStates = Map<string, { record: string; state: string }>;

const keyOf = (record: { reportId: number; index?: number }) => `${record.reportId}:${record.index ?? ''}`;
const reportState = (patient: string, commitment: string) => `owner ${patient.toLowerCase()}, commitment ${commitment.toLowerCase()}`;
/** A grant's state: revoked, or active with its end (an active grant past its end has expired, which the contract tells). */
const grantState = (active: boolean, until: number) => (!active ? 'revoked' : until ? `active until ${until}` : 'active');

/** The rows whose state differs between the ledger and the read model, both ways. */
function differences(table: ReadModelFinding['table'], onLedger: RowStates, inReadModel: RowStates): ReadModelFinding[] {
  const keys = [...new Set([...onLedger.keys(), ...inReadModel.keys()])];
  return keys.flatMap(key => {
    const [ledgerRow, modelRow] = [onLedger.get(key), inReadModel.get(key)];
    if (ledgerRow?.state === modelRow?.state) return [];
    const record = (ledgerRow ?? modelRow)?.record ?? key;
    return [{ table, record, ledger: ledgerRow?.state ?? 'no row', readModel: modelRow?.state ?? 'no row' }];
  });
}

/**
 * `catchUp` brings the read model up to the ledger first, so that a block mined a moment ago
 * and not yet followed is not reported as a difference.
 */
export function createIntegrityCheck(
  readModel: ReadModel,
  ledger: Ledger,
  vault: Vault,
  checkFile: (file: AttachedFile) => Promise<FileCheck['integrity']>,
  catchUp: () => Promise<unknown> = async () => undefined,
) {
  /** The files of the verified bodies, one at a time (each is read whole from storage to be hashed). */
  async function fileChecks(listed: readonly { reportId: number; index?: number; files: readonly AttachedFile[] }[]): Promise<FileCheck[]> {
    const checks: FileCheck[] = [];
    for (const { reportId, index, files } of listed) {
      for (const file of files) checks.push({ fileId: file.id, reportId, index, integrity: await checkFile(file) });
    }
    return checks;
  }

  async function eventsUpTo(latest: number) {
    const all = [];
    for await (const { events } of ledger.client.eventWindows(ledger.deployment.blockNumber, latest, { withTimes: false })) all.push(...events);
    return all;
  }

  /** What each event changes, as the read model's projection reads it (added and imported records alike). */
  function changesIn(events: Awaited<ReturnType<typeof eventsUpTo>>) {
    return events.flatMap(({ event, transactionHash, blockNumber }) => {
      const change = ledgerChangeOf(event, { transactionHash, blockNumber, timestamp: 0 });
      return change ? [change] : [];
    });
  }

  function recordsIn(changes: readonly LedgerChange[]): OnLedger[] {
    return changes.flatMap((change): OnLedger[] => {
      const at = { transactionHash: change.txHash, blockNumber: change.blockNumber, commitment: '' };
      if (change.kind === 'report') return [{ ...at, kind: 'report', author: change.patient, commitment: change.commitment, reportId: change.id }];
      if (change.kind === 'prescription') {
        return [{ ...at, kind: 'prescription', author: change.doctor, commitment: change.commitment, reportId: change.reportId, index: change.index }];
      }
      return [];
    });
  }

  /** The read model's reports and grants against the state the events leave, in event order. */
  async function readModelFindings(changes: readonly LedgerChange[], latest: number): Promise<ReadModelFinding[]> {
    const reports: RowStates = new Map();
    const grants: RowStates = new Map();
    const grantRecord = (reportId: number, hospitalId: number) => `report #${reportId}, hospital ${hospitalId}`;
    for (const change of changes) {
      if (change.kind === 'report') reports.set(String(change.id), { record: `report #${change.id}`, state: reportState(change.patient, change.commitment) });
      if (change.kind === 'grant') {
        const { reportId, hospitalId } = change;
        grants.set(`${reportId}:${hospitalId}`, { record: grantRecord(reportId, hospitalId), state: grantState(change.active, change.until) });
      }
    }
    // Rows written after the events were read (block > latest) are left to the next check.
    const [reportRows, grantRows] = await Promise.all([readModel.reportsUpTo(latest), readModel.grantsUpTo(latest)]);
    const modelReports: RowStates = new Map(
      reportRows.map(row => [String(row.id), { record: `report #${row.id}`, state: reportState(row.patient, row.commitment) }]),
    );
    const modelGrants: RowStates = new Map(
      grantRows.map(row => [
        `${row.reportId}:${row.hospitalId}`,
        { record: grantRecord(row.reportId, row.hospitalId), state: grantState(row.active, row.until) },
      ]),
    );
    return [...differences('reports', reports, modelReports), ...differences('grants', grants, modelGrants)];
  }

  return {
    async run(): Promise<IntegrityReport> {
      const latestBlock = await ledger.client.latestBlock();
      // Twice: the first may join a catch-up that began before `latestBlock` was read.
      await catchUp();
      await catchUp();
      const changes = changesIn(await eventsUpTo(latestBlock));
      const records = recordsIn(changes);
      const copies = await readModel.commitments();
      const checked = await Promise.all(
        (['report', 'prescription'] as const).map(async kind => {
          const ofKind = records.filter(record => record.kind === kind);
          return { kind, ofKind, bodies: await vault.readMany(kind, ofKind) };
        }),
      );
      const checks = checked.flatMap(({ kind, ofKind, bodies }) => {
        return ofKind.map((record, i): RecordCheck => {
          const { transactionHash, blockNumber, reportId, index } = record;
          const where = { kind, reportId, index, transactionHash, blockNumber };
          const copy = copies.get(keyOf(record));
          if (copy !== undefined && copy.toLowerCase() !== record.commitment.toLowerCase()) {
            return { ...where, integrity: 'tampered', reason: "the read model's copy of the commitment was changed (npm run reindex rebuilds it)" };
          }
          const body = bodies[i];
          return body.integrity === 'tampered' ? { ...where, integrity: 'tampered', reason: body.reason } : { ...where, integrity: body.integrity };
        });
      });
      const listed = checked.flatMap(({ ofKind, bodies }) =>
        bodies.flatMap((body, i) => (body.integrity === 'verified' && body.body.files?.length ? [{ reportId: ofKind[i].reportId, index: ofKind[i].index, files: body.body.files }] : [])),
      );
      const files = await fileChecks(listed);
      const count = (integrity: RecordCheck['integrity']) => checks.filter(check => check.integrity === integrity).length;
      return {
        checkedAt: new Date(),
        latestBlock,
        total: checks.length,
        verified: count('verified'),
        tampered: count('tampered'),
        missing: count('missing'),
        problems: checks.filter(check => check.integrity !== 'verified'),
        findings: await readModelFindings(changes, latestBlock),
        files: { total: files.length, verified: files.filter(file => file.integrity === 'verified').length, problems: files.filter(file => file.integrity !== 'verified') },
      };
    },
  };
}

export type IntegrityCheck = ReturnType<typeof createIntegrityCheck>;
