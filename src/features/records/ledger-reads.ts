/**
 * The ledger's answers to "who may read what", for the pages that list records. The read model
 * (SQLite) says which rows to consider and in what order; the contract decides which of them
 * are shown, so an edited `users.hospital_id`, `ledger_grants` or `ledger_reports` row shows
 * nobody a record the ledger does not give them.
 *
 * The contract has no multi-read, so a page's rows are asked in parallel (one eth_call each) and
 * the answers are kept where keeping them is safe:
 * - a report's owner and commitment never change on this contract: kept (bounded) for good;
 * - a staff member's organisation and role change only by an admin act: kept `ttlMs` (and
 *   forgotten at once when this server wrote the change);
 * - a grant is kept `ttlMs`, and only a "yes": a "no" is asked again, so a share shows at once.
 *   A kept "yes" could outlive a revoke or the grant's end by at most `ttlMs`, and only where the read model still
 *   lists the grant as active (a revoke this server wrote forgets the entry at once, and one
 *   written elsewhere reaches the read model within a sync tick): a short window on a list of
 *   titles, never on a body's page, which asks the contract afresh.
 */
import type { DecodedEvent } from '../../ledger/abi';
import type { EhrClient } from '../../ledger/ehr-client';
import { LedgerRevertError } from '../../ledger/errors';
import type { StaffRole } from '../../domain/organisations';

/** A report as the ledger fixes it when it is added. */
export interface ReportIdentity {
  readonly patient: string;
  readonly commitment: string;
}

export interface LedgerReadsOptions {
  /** How long a doctor's hospital and a granted read are kept (ms). */
  readonly ttlMs?: number;
  /** The most report identities kept; the oldest go first. */
  readonly maxReports?: number;
  readonly now?: () => number;
}

type Reader = Pick<EhrClient, 'staffOf' | 'canRead' | 'report'>;

/** A staff member's organisation and role on the ledger (0 and none: not staff, or removed). */
export interface StaffOnLedger {
  readonly organisationId: number;
  readonly role: StaffRole | undefined;
}

const DEFAULT_TTL_MS = 5_000;
const DEFAULT_MAX_REPORTS = 100_000;

export function createLedgerReads(client: Reader, { ttlMs = DEFAULT_TTL_MS, maxReports = DEFAULT_MAX_REPORTS, now = Date.now }: LedgerReadsOptions = {}) {
  const staff = new Map<string, { found: StaffOnLedger; until: number }>();
  const grants = new Map<string, number>(); // `${reportId}:${hospitalId}` → kept until
  const reports = new Map<number, ReportIdentity>();
  const grantKey = (reportId: number, hospitalId: number) => `${reportId}:${hospitalId}`;

  function keepReport(reportId: number, identity: ReportIdentity): void {
    if (reports.size >= maxReports) reports.delete(reports.keys().next().value as number);
    reports.set(reportId, identity);
  }

  async function granted(reportId: number, hospitalId: number): Promise<boolean> {
    const key = grantKey(reportId, hospitalId);
    if ((grants.get(key) ?? 0) > now()) return true;
    const yes = await client.canRead(reportId, hospitalId);
    grants.delete(key); // re-inserted last: the map's order is the order of expiry
    if (yes) {
      if (grants.size >= maxReports) grants.delete(grants.keys().next().value as string); // bounded, like `reports`
      grants.set(key, now() + ttlMs);
    }
    return yes;
  }

  /** undefined: the ledger has no such report (a row only the read model has). */
  async function identity(reportId: number): Promise<ReportIdentity | undefined> {
    const kept = reports.get(reportId);
    if (kept) return kept;
    const found = await client.report(reportId).catch((error: unknown) => {
      if (error instanceof LedgerRevertError && error.error.name === 'EHRUnknownReport') return undefined;
      throw error;
    });
    if (!found) return undefined;
    const { patient, commitment } = found;
    const fixed = { patient, commitment: commitment.toLowerCase() };
    keepReport(reportId, fixed);
    return fixed;
  }

  async function staffOf(address: string): Promise<StaffOnLedger> {
    const kept = staff.get(address);
    if (kept && kept.until > now()) return kept.found;
    const found = await client.staffOf(address);
    staff.set(address, { found, until: now() + ttlMs });
    return found;
  }

  return {
    /** The staff member's organisation and role on the ledger (kept `ttlMs`). */
    staffOf,

    /** The doctor's hospital on the ledger; 0 when the address is no doctor there. */
    async hospitalOf(address: string): Promise<number> {
      const found = await staffOf(address);
      return found.role === 'doctor' ? found.organisationId : 0;
    },

    /** The ids among `reportIds` that `hospitalId` may read now, per the contract. */
    async grantedOf(reportIds: readonly number[], hospitalId: number): Promise<Set<number>> {
      const answers = await Promise.all(reportIds.map(reportId => granted(reportId, hospitalId)));
      return new Set(reportIds.filter((_, i) => answers[i]));
    },

    /** Each report's owner and commitment as the ledger holds them (undefined: no such report), in the order asked. */
    identities: (reportIds: readonly number[]): Promise<(ReportIdentity | undefined)[]> => Promise.all(reportIds.map(identity)),

    /** Forgets what the app's own writes just changed (a revoke; a doctor's role). */
    forget(events: readonly DecodedEvent[]): void {
      for (const { name, args } of events) {
        if (name === 'ReportRevoked') grants.delete(grantKey(Number(args.reportId as bigint), Number(args.hospitalId as bigint)));
        // Any change of staff: added, removed, or a role granted or revoked.
        if (name === 'StaffAdded' || name === 'StaffRemoved' || name.startsWith('Role')) staff.clear();
      }
    },
  };
}

export type LedgerReads = ReturnType<typeof createLedgerReads>;
