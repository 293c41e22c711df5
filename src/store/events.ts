/**
 * Which rows of the read model an event of the contract makes, whatever the database: the
 * store's implementations (sqlite/projection.ts, postgres/projection.ts) only write them, each in
 * its own SQL. An event makes at most one row of a `ledger_*` table and at most one act.
 */
import { actOfEvent, type ActActor } from '../domain/acts';
import type { DecodedEvent } from '../ledger/abi';
import type { EventOrigin } from './ports';

/** The follower's cursor, a settings key: the first block whose events are not applied yet. */
export const PROJECTION_CURSOR = 'projection.next_block';

/** The read model's tables: the ledger's events as rows, emptied by a reset and rebuilt from the ledger. */
export const READ_MODEL_TABLES = [
  'ledger_hospitals', 'ledger_doctors', 'ledger_patients', 'ledger_reports', 'ledger_grants', 'ledger_prescriptions', 'ledger_acts',
] as const;

type At = [blockNumber: number, txHash: string];

/** A row of a `ledger_*` table (acts aside), its values in the order of the table's columns. */
export type LedgerRow =
  | { readonly table: 'ledger_hospitals'; readonly values: readonly [id: number, name: string, ...At] }
  | { readonly table: 'ledger_doctors'; readonly values: readonly [address: string, hospitalId: number, ...At] }
  | { readonly table: 'ledger_patients'; readonly values: readonly [address: string, ...At] }
  | { readonly table: 'ledger_reports'; readonly values: readonly [id: number, patient: string, commitment: string, createdAt: number, ...At] }
  | { readonly table: 'ledger_grants'; readonly values: readonly [reportId: number, hospitalId: number, active: boolean, changedAt: number, ...At] }
  | {
      readonly table: 'ledger_prescriptions';
      readonly values: readonly [reportId: number, idx: number, doctor: string, hospitalId: number, commitment: string, createdAt: number, ...At];
    };

/** A row of `ledger_acts`. */
export interface ActRecord {
  readonly txHash: string;
  readonly logIndex: number;
  readonly blockNumber: number;
  readonly time: number;
  /** The act's id in the vocabulary (domain/acts.ts). */
  readonly act: string;
  /** The acting account; null for the admin's acts, and for a report owner's until the store finds the owner. */
  readonly actor: string | null;
  /** The actor is the owner of report `reportId`: a share or a revoke names only the report, so the store takes its patient. */
  readonly byReportOwner: boolean;
  /** null: the report's patient, when the act has a report. */
  readonly patient: string | null;
  readonly doctor: string | null;
  readonly reportId: number | null;
  readonly hospitalId: number | null;
}

const num = (value: unknown) => Number(value as bigint);
const addr = (value: unknown) => String(value).toLowerCase();
const optional = <T>(value: unknown, as: (value: unknown) => T): T | null => (value === undefined ? null : as(value));

/** The row `event` makes in a `ledger_*` table; undefined for an event that is only an act (ReportAccessed) or none (role events). */
export function ledgerRowOf(event: DecodedEvent, origin: EventOrigin): LedgerRow | undefined {
  const { args } = event;
  const at: At = [origin.blockNumber, origin.transactionHash];
  switch (event.name) {
    case 'HospitalAdded':
      return { table: 'ledger_hospitals', values: [num(args.hospitalId), String(args.name), ...at] };
    case 'DoctorAdded':
      return { table: 'ledger_doctors', values: [addr(args.doctor), num(args.hospitalId), ...at] };
    case 'PatientRegistered':
      return { table: 'ledger_patients', values: [addr(args.patient), ...at] };
    case 'ReportAdded':
      return { table: 'ledger_reports', values: [num(args.reportId), addr(args.patient), String(args.commitment), origin.timestamp, ...at] };
    case 'ReportShared':
    case 'ReportRevoked':
      return { table: 'ledger_grants', values: [num(args.reportId), num(args.hospitalId), event.name === 'ReportShared', origin.timestamp, ...at] };
    case 'PrescriptionAdded':
      return {
        table: 'ledger_prescriptions',
        values: [num(args.reportId), num(args.index), addr(args.doctor), num(args.hospitalId), String(args.commitment), origin.timestamp, ...at],
      };
    default:
      return undefined;
  }
}

/** Who did it, as the vocabulary says; null for the admin's acts and for those of a report's owner (the store finds the owner). */
function actorOf(event: DecodedEvent, actor: ActActor): string | null {
  switch (actor) {
    case 'patient':
      return addr(event.args.patient);
    case 'doctor':
      return addr(event.args.doctor);
    default:
      return null;
  }
}

/** The act `event` records; undefined for OpenZeppelin's role events, which are not acts of the app. */
export function actRecordOf(event: DecodedEvent, origin: EventOrigin): ActRecord | undefined {
  const definition = actOfEvent(event.name);
  if (!definition) return undefined;
  const { args } = event;
  return {
    txHash: origin.transactionHash,
    logIndex: event.logIndex,
    blockNumber: origin.blockNumber,
    time: origin.timestamp,
    act: definition.act,
    actor: actorOf(event, definition.actor),
    byReportOwner: definition.actor === 'report-owner',
    patient: optional(args.patient, addr),
    doctor: optional(args.doctor, addr),
    reportId: optional(args.reportId, num),
    hospitalId: optional(args.hospitalId, num),
  };
}
