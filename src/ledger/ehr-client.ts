/**
 * The typed client of the EHR contract: the only code that knows its functions and events.
 * Writes take the signer of the acting user and resolve once mined; reads are eth_calls.
 * Ids are plain numbers (the contract keeps them below 2^32); commitments are 0x-hex strings.
 */
import type { ContractCodec, DecodedEvent } from './abi';
import type { MinedTransaction, Signer, TransactionSender } from './transactions';
import { ORGANISATION_KINDS, STAFF_ROLE_IDS, type OrganisationKind, type StaffRole } from '../domain/organisations';

/** Where a write landed: shown to users as "saved on the ledger". */
export interface LedgerReceipt {
  readonly transactionHash: string;
  readonly blockNumber: number;
  /** The block's time, in seconds. */
  readonly timestamp: number;
  readonly gasUsed: number;
  readonly events: readonly DecodedEvent[];
}

/** An event of the contract with where and when it happened. */
export interface LedgerEvent {
  readonly event: DecodedEvent;
  readonly blockNumber: number;
  readonly transactionHash: string;
  /** Block time, in seconds. */
  readonly timestamp: number;
}

export interface ReportOnLedger {
  readonly reportId: number;
  readonly patient: string;
  readonly commitment: string;
  readonly createdAt: Date;
  readonly prescriptionCount: number;
}

export interface PrescriptionOnLedger {
  readonly reportId: number;
  readonly index: number;
  readonly doctor: string;
  readonly hospitalId: number;
  readonly commitment: string;
  readonly createdAt: Date;
}

/** A break-glass access as the ledger holds it; times in seconds, `end` exclusive. */
export interface EmergencyOnLedger {
  readonly emergencyId: number;
  readonly doctor: string;
  readonly patient: string;
  readonly hospitalId: number;
  readonly start: number;
  readonly end: number;
  readonly reasonHash: string;
}

/** A prescription's dispensing grant and dispensing as the ledger holds them; times in seconds. */
export interface DispensingOnLedger {
  /** The pharmacy it was last sent to (0: never sent). */
  readonly pharmacyId: number;
  readonly until: number;
  readonly live: boolean;
  /** 0 while not dispensed. */
  readonly dispensedPharmacyId: number;
  readonly dispensedAt: number;
  readonly pharmacist: string;
}

/** A claim as the ledger holds it; amounts in whole rupees, times in seconds. */
export interface ClaimOnLedger {
  readonly claimId: number;
  readonly reportId: number;
  readonly patient: string;
  readonly insurerId: number;
  readonly amount: number;
  readonly filedAt: number;
  readonly status: 'none' | 'open' | 'approved' | 'rejected';
  readonly approvedAmount: number;
  readonly decidedBy: string;
  readonly decidedAt: number;
}

/** No note: a decision's note commitment when there is none. */
export const ZERO_COMMITMENT = `0x${'0'.repeat(64)}`;

/** The widest block range asked of eth_getLogs at once: external nodes limit it (Besu, Geth's defaults allow this). */
export const LOG_BLOCKS_PER_REQUEST = 2000;

const toNumber = (value: unknown): number => Number(value as bigint);
const toDate = (seconds: unknown): Date => new Date(Number(seconds as bigint) * 1000);
const toAddress = (value: unknown): string => String(value).toLowerCase();

export class EhrClient {
  constructor(
    private readonly sender: TransactionSender,
    private readonly codec: ContractCodec,
    readonly address: string,
  ) {}

  // ─── Writes ────────────────────────────────────────────────────────────────────────────

  async addOrganisation(admin: Signer, kind: OrganisationKind, name: string): Promise<LedgerReceipt & { organisationId: number }> {
    const receipt = await this.write(admin, 'addOrganisation', [ORGANISATION_KINDS.indexOf(kind), name]);
    return { ...receipt, organisationId: toNumber(this.eventArg(receipt, 'OrganisationAdded', 'organisationId')) };
  }

  async addHospital(admin: Signer, name: string): Promise<LedgerReceipt & { hospitalId: number }> {
    const receipt = await this.addOrganisation(admin, 'hospital', name);
    return { ...receipt, hospitalId: receipt.organisationId };
  }

  /** Makes `account` staff of `organisationId`: a doctor of a hospital, a pharmacist of a pharmacy, an insurer's staff. */
  addStaff(admin: Signer, account: string, organisationId: number): Promise<LedgerReceipt> {
    return this.write(admin, 'addStaff', [account, organisationId]);
  }

  /** Revokes a staff member's role: from this block on the contract refuses them. */
  removeStaff(admin: Signer, account: string): Promise<LedgerReceipt> {
    return this.write(admin, 'removeStaff', [account]);
  }

  registerPatient(patient: Signer): Promise<LedgerReceipt> {
    return this.write(patient, 'registerPatient', []);
  }

  /** `until`: seconds, the end of every listed hospital's grant; 0 for none. */
  async addReport(patient: Signer, commitment: string, hospitalIds: readonly number[], until = 0): Promise<LedgerReceipt & { reportId: number }> {
    const receipt = await this.write(patient, 'addReport', [commitment, hospitalIds, until]);
    return { ...receipt, reportId: toNumber(this.eventArg(receipt, 'ReportAdded', 'reportId')) };
  }

  /** Grants (again: a new end) `hospitalId` until `until` (seconds; 0 for none). */
  shareReport(patient: Signer, reportId: number, hospitalId: number, until = 0): Promise<LedgerReceipt> {
    return this.write(patient, 'shareReport', [reportId, hospitalId, until]);
  }

  revokeReport(patient: Signer, reportId: number, hospitalId: number): Promise<LedgerReceipt> {
    return this.write(patient, 'revokeReport', [reportId, hospitalId]);
  }

  async addPrescription(doctor: Signer, reportId: number, commitment: string): Promise<LedgerReceipt & { index: number }> {
    const receipt = await this.write(doctor, 'addPrescription', [reportId, commitment]);
    return { ...receipt, index: toNumber(this.eventArg(receipt, 'PrescriptionAdded', 'index')) };
  }

  /** Records that the doctor opened the report (purpose treatment, or emergency under a break-glass access). */
  recordAccess(doctor: Signer, reportId: number): Promise<LedgerReceipt> {
    return this.write(doctor, 'recordAccess', [reportId]);
  }

  /** Opens break-glass access to every report of `patient` for `durationSeconds`; `reasonHash`: the reason body's commitment. */
  async openEmergency(doctor: Signer, patient: string, reasonHash: string, durationSeconds: number): Promise<LedgerReceipt & { emergencyId: number }> {
    const receipt = await this.write(doctor, 'openEmergency', [patient, reasonHash, durationSeconds]);
    return { ...receipt, emergencyId: toNumber(this.eventArg(receipt, 'EmergencyOpened', 'emergencyId')) };
  }

  /** The patient ends a break-glass access to their reports now. */
  endEmergency(patient: Signer, emergencyId: number): Promise<LedgerReceipt> {
    return this.write(patient, 'endEmergency', [emergencyId]);
  }

  /** Lets `pharmacyId` read and dispense the prescription until `until` (seconds; 0: no end); again: replaces the grant. */
  sendPrescription(patient: Signer, reportId: number, index: number, pharmacyId: number, until = 0): Promise<LedgerReceipt> {
    return this.write(patient, 'sendPrescription', [reportId, index, pharmacyId, until]);
  }

  withdrawPrescription(patient: Signer, reportId: number, index: number): Promise<LedgerReceipt> {
    return this.write(patient, 'withdrawPrescription', [reportId, index]);
  }

  /** Records that the pharmacist opened the prescription (purpose dispensing). */
  recordPrescriptionAccess(pharmacist: Signer, reportId: number, index: number): Promise<LedgerReceipt> {
    return this.write(pharmacist, 'recordPrescriptionAccess', [reportId, index]);
  }

  /** Dispenses the prescription: once, anywhere (a second is the contract's EHRAlreadyDispensed, naming the first). */
  dispensePrescription(pharmacist: Signer, reportId: number, index: number): Promise<LedgerReceipt> {
    return this.write(pharmacist, 'dispensePrescription', [reportId, index]);
  }

  /** Files a claim of `amount` whole rupees on the report with `insurerId`, which may read it until it decides. */
  async fileClaim(patient: Signer, reportId: number, insurerId: number, amount: number): Promise<LedgerReceipt & { claimId: number }> {
    const receipt = await this.write(patient, 'fileClaim', [reportId, insurerId, amount]);
    return { ...receipt, claimId: toNumber(this.eventArg(receipt, 'ClaimFiled', 'claimId')) };
  }

  /** Records that the insurer's staff member opened the claim's report (purpose payment). */
  recordClaimAccess(insurer: Signer, claimId: number): Promise<LedgerReceipt> {
    return this.write(insurer, 'recordClaimAccess', [claimId]);
  }

  /** Approves the claim for `amount` (at most the claimed); `noteCommitment`: an encrypted note's, or zero. */
  approveClaim(insurer: Signer, claimId: number, amount: number, noteCommitment: string = ZERO_COMMITMENT): Promise<LedgerReceipt> {
    return this.write(insurer, 'approveClaim', [claimId, amount, noteCommitment]);
  }

  /** Rejects the claim with an encrypted note's commitment. */
  rejectClaim(insurer: Signer, claimId: number, noteCommitment: string): Promise<LedgerReceipt> {
    return this.write(insurer, 'rejectClaim', [claimId, noteCommitment]);
  }

  // ─── Reads ─────────────────────────────────────────────────────────────────────────────

  /** The implementation's version, e.g. "2.0.0". */
  async version(): Promise<string> {
    return String(await this.read('version', []));
  }

  async organisationCount(): Promise<number> {
    return toNumber(await this.read('organisationCount', []));
  }

  async organisation(organisationId: number): Promise<{ kind: OrganisationKind; name: string }> {
    const entry = (await this.read('organisation', [organisationId])) as Record<string, unknown>;
    return { kind: ORGANISATION_KINDS[toNumber(entry.kind)] as OrganisationKind, name: String(entry.name) };
  }

  /** An organisation's public name (a hospital's, for instance). */
  async hospital(organisationId: number): Promise<string> {
    return (await this.organisation(organisationId)).name;
  }

  /** The staff member's organisation and role; organisationId 0 (and no role) when the account is not staff (never was, or removed). */
  async staffOf(account: string): Promise<{ organisationId: number; role: StaffRole | undefined }> {
    const entry = (await this.read('staffOf', [account])) as Record<string, unknown>;
    return { organisationId: toNumber(entry.organisationId), role: STAFF_ROLE_IDS.get(String(entry.role).toLowerCase()) };
  }

  /** The doctor's hospital id, or 0 when the address is not a doctor (never was, or was removed). */
  async hospitalOf(doctor: string): Promise<number> {
    const staff = await this.staffOf(doctor);
    return staff.role === 'doctor' ? staff.organisationId : 0;
  }

  async isPatient(account: string): Promise<boolean> {
    return Boolean(await this.read('isPatient', [account]));
  }

  async reportCount(): Promise<number> {
    return toNumber(await this.read('reportCount', []));
  }

  async report(reportId: number): Promise<ReportOnLedger> {
    const entry = (await this.read('report', [reportId])) as Record<string, unknown>;
    return {
      reportId,
      patient: toAddress(entry.patient),
      commitment: String(entry.commitment),
      createdAt: toDate(entry.createdAt),
      prescriptionCount: toNumber(entry.prescriptionCount),
    };
  }

  /** The hospitals holding a live treatment grant on the report. */
  async reportHospitals(reportId: number): Promise<number[]> {
    return ((await this.read('reportHospitals', [reportId])) as unknown[]).map(toNumber);
  }

  /**
   * The hospital's treatment grant on the report: `live`, and `until` (seconds) — 0 and live for
   * no end; when it ended (expired or revoked) when not live; 0 and not live when never granted.
   */
  async treatmentGrant(reportId: number, hospitalId: number): Promise<{ live: boolean; until: number }> {
    const entry = (await this.read('treatmentGrant', [reportId, hospitalId])) as Record<string, unknown>;
    return { live: Boolean(entry.live), until: toNumber(entry.until) };
  }

  /** Whether the hospital holds a live treatment grant on the report now. */
  async canRead(reportId: number, hospitalId: number): Promise<boolean> {
    return (await this.treatmentGrant(reportId, hospitalId)).live;
  }

  async prescriptions(reportId: number): Promise<PrescriptionOnLedger[]> {
    const list = (await this.read('prescriptions', [reportId])) as Record<string, unknown>[];
    return list.map((entry, index) => ({
      reportId,
      index,
      doctor: toAddress(entry.doctor),
      hospitalId: toNumber(entry.hospitalId),
      commitment: String(entry.commitment),
      createdAt: toDate(entry.createdAt),
    }));
  }

  /** The patient's report ids, newest first. */
  async reportsOf(patient: string): Promise<number[]> {
    return ((await this.read('reportsOf', [patient])) as unknown[]).map(toNumber);
  }

  /** Break-glass access `emergencyId`; the contract's EHRUnknownEmergency when there is none. */
  async emergency(emergencyId: number): Promise<EmergencyOnLedger> {
    const entry = (await this.read('emergency', [emergencyId])) as Record<string, unknown>;
    return {
      emergencyId,
      doctor: toAddress(entry.doctor),
      patient: toAddress(entry.patient),
      hospitalId: toNumber(entry.hospitalId),
      start: toNumber(entry.start),
      end: toNumber(entry.end),
      reasonHash: String(entry.reasonHash),
    };
  }

  /** Where the prescription was sent, and its dispensing (pharmacist and time; zero when not dispensed). */
  async dispensing(reportId: number, index: number): Promise<DispensingOnLedger> {
    const entry = (await this.read('dispensing', [reportId, index])) as Record<string, unknown>;
    return {
      pharmacyId: toNumber(entry.pharmacyId),
      until: toNumber(entry.until),
      live: Boolean(entry.live),
      dispensedPharmacyId: toNumber(entry.dispensedPharmacyId),
      dispensedAt: toNumber(entry.dispensedAt),
      pharmacist: toAddress(entry.pharmacist),
    };
  }

  /** Whether `account` may read the prescription now (its patient, a doctor who may read the report, the pharmacy it was sent to). */
  async canReadPrescription(reportId: number, index: number, account: string): Promise<boolean> {
    return Boolean(await this.read('canReadPrescription', [reportId, index, account]));
  }

  /** Claim `claimId`; the contract's EHRUnknownClaim when there is none. */
  async claim(claimId: number): Promise<ClaimOnLedger> {
    const entry = (await this.read('claim', [claimId])) as Record<string, unknown>;
    return {
      claimId,
      reportId: toNumber(entry.reportId),
      patient: toAddress(entry.patient),
      insurerId: toNumber(entry.insurerId),
      amount: toNumber(entry.amount),
      filedAt: toNumber(entry.filedAt),
      status: (['none', 'open', 'approved', 'rejected'] as const)[toNumber(entry.status)] ?? 'none',
      approvedAmount: toNumber(entry.approvedAmount),
      decidedBy: toAddress(entry.decidedBy),
      decidedAt: toNumber(entry.decidedAt),
    };
  }

  /** Whether `account` may read the claim's report and prescriptions now (its insurer's staff while it is open). */
  async canReadClaim(claimId: number, account: string): Promise<boolean> {
    return Boolean(await this.read('canReadClaim', [claimId, account]));
  }

  /** The latest break-glass access of `doctor` to `patient`: its id (0: none), its end, and whether it is live. */
  async emergencyOf(patient: string, doctor: string): Promise<{ emergencyId: number; end: number; live: boolean }> {
    const entry = (await this.read('emergencyOf', [patient, doctor])) as Record<string, unknown>;
    return { emergencyId: toNumber(entry.emergencyId), end: toNumber(entry.end), live: Boolean(entry.live) };
  }

  // ─── Events ────────────────────────────────────────────────────────────────────────────

  /**
   * The contract's events in a block range, in the order they happened, with where and when.
   * `withTimes: false` skips reading each block's time (one node call per block) and gives 0.
   */
  async events(fromBlock: number, toBlock: number, { withTimes = true } = {}): Promise<LedgerEvent[]> {
    const logs = await this.sender.logs(this.address, fromBlock, toBlock);
    const times = new Map<number, number>();
    for (const blockNumber of withTimes ? new Set(logs.map(log => Number(log.blockNumber))) : []) {
      times.set(blockNumber, await this.sender.blockTime(blockNumber));
    }
    return logs.flatMap(log =>
      this.codec.decodeLogs([log], this.address).map(event => ({
        event,
        blockNumber: Number(log.blockNumber),
        transactionHash: log.transactionHash,
        timestamp: times.get(Number(log.blockNumber)) ?? 0,
      })),
    );
  }

  /**
   * The events of blocks `fromBlock`..`toBlock`, one window of LOG_BLOCKS_PER_REQUEST blocks at a
   * time (nodes cap eth_getLogs), each with the last block it covers.
   */
  async *eventWindows(fromBlock: number, toBlock: number, options: { withTimes?: boolean } = {}): AsyncGenerator<{ toBlock: number; events: LedgerEvent[] }> {
    for (let from = fromBlock; from <= toBlock; from += LOG_BLOCKS_PER_REQUEST) {
      const to = Math.min(toBlock, from + LOG_BLOCKS_PER_REQUEST - 1);
      yield { toBlock: to, events: await this.events(from, to, options) };
    }
  }

  latestBlock(): Promise<number> {
    return this.sender.blockNumber();
  }

  // ─── Plumbing ──────────────────────────────────────────────────────────────────────────

  private async write(signer: Signer, name: string, args: readonly unknown[]): Promise<LedgerReceipt> {
    const mined: MinedTransaction = await this.sender.send(signer, { to: this.address, data: this.codec.encodeCall(name, args) });
    return {
      transactionHash: mined.hash,
      blockNumber: mined.blockNumber,
      timestamp: mined.timestamp,
      gasUsed: mined.gasUsed,
      events: this.codec.decodeLogs(mined.logs, this.address),
    };
  }

  private async read(name: string, args: readonly unknown[]): Promise<unknown> {
    const data = await this.sender.call({ to: this.address, data: this.codec.encodeCall(name, args) });
    return this.codec.decodeReturn(name, data);
  }

  private eventArg(receipt: LedgerReceipt, event: string, arg: string): unknown {
    const found = receipt.events.find(entry => entry.name === event);
    if (!found) throw new Error(`the transaction emitted no ${event}`);
    return found.args[arg];
  }
}
