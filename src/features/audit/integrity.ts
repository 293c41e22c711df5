/**
 * The integrity check over every record: each report and prescription the ledger holds (read
 * from the contract's own events, not from the read model) against the body stored here, and
 * against the read model's copy of its commitment. Counts verified / tampered / missing.
 */
import type { Ledger } from '../../ledger';
import { LOG_BLOCKS_PER_REQUEST } from '../../ledger/ehr-client';
import type { Db } from '../../store/database';
import type { Vault } from '../records/vault';


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

export interface IntegrityReport {
  readonly checkedAt: Date;
  readonly latestBlock: number;
  readonly total: number;
  readonly verified: number;
  readonly tampered: number;
  readonly missing: number;
  /** Every record that is not verified. */
  readonly problems: readonly RecordCheck[];
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

const keyOf = (record: { reportId: number; index?: number }) => `${record.reportId}:${record.index ?? ''}`;

export function createIntegrityCheck(db: Db, ledger: Ledger, vault: Vault) {
  const readModelCommitments = db.prepare<[], { key: string; commitment: string }>(`
    SELECT id || ':' AS key, commitment FROM ledger_reports
    UNION ALL SELECT report_id || ':' || idx, commitment FROM ledger_prescriptions`);

  async function recordsOnLedger(latest: number): Promise<OnLedger[]> {
    const records: OnLedger[] = [];
    for (let from = ledger.deployment.blockNumber; from <= latest; from += LOG_BLOCKS_PER_REQUEST) {
      const events = await ledger.client.events(from, Math.min(latest, from + LOG_BLOCKS_PER_REQUEST - 1), { withTimes: false });
      for (const { event, transactionHash, blockNumber } of events) {
        const { args } = event;
        const at = { transactionHash, blockNumber, commitment: String(args.commitment), reportId: Number(args.reportId as bigint) };
        if (event.name === 'ReportAdded') records.push({ kind: 'report', author: String(args.patient), ...at });
        if (event.name === 'PrescriptionAdded') records.push({ kind: 'prescription', author: String(args.doctor), index: Number(args.index as bigint), ...at });
      }
    }
    return records;
  }

  return {
    async run(): Promise<IntegrityReport> {
      const latestBlock = await ledger.client.latestBlock();
      const records = await recordsOnLedger(latestBlock);
      const copies = new Map(readModelCommitments.all().map(row => [row.key, row.commitment]));
      const checks = (['report', 'prescription'] as const).flatMap(kind => {
        const ofKind = records.filter(record => record.kind === kind);
        const bodies = vault.readMany(kind, ofKind);
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
      const count = (integrity: RecordCheck['integrity']) => checks.filter(check => check.integrity === integrity).length;
      return {
        checkedAt: new Date(),
        latestBlock,
        total: checks.length,
        verified: count('verified'),
        tampered: count('tampered'),
        missing: count('missing'),
        problems: checks.filter(check => check.integrity !== 'verified'),
      };
    },
  };
}

export type IntegrityCheck = ReturnType<typeof createIntegrityCheck>;
