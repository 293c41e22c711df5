/**
 * The typed client of the EHR contract: the only code that knows its functions and events.
 * Writes take the signer of the acting user and resolve once mined; reads are eth_calls.
 * Ids are plain numbers (the contract keeps them below 2^32); commitments are 0x-hex strings.
 */
import type { ContractCodec, DecodedEvent } from './abi';
import type { MinedTransaction, Signer, TransactionSender } from './transactions';

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

  async addHospital(admin: Signer, name: string): Promise<LedgerReceipt & { hospitalId: number }> {
    const receipt = await this.write(admin, 'addHospital', [name]);
    return { ...receipt, hospitalId: toNumber(this.eventArg(receipt, 'HospitalAdded', 'hospitalId')) };
  }

  addDoctor(admin: Signer, doctor: string, hospitalId: number): Promise<LedgerReceipt> {
    return this.write(admin, 'addDoctor', [doctor, hospitalId]);
  }

  registerPatient(patient: Signer): Promise<LedgerReceipt> {
    return this.write(patient, 'registerPatient', []);
  }

  async addReport(patient: Signer, commitment: string, hospitalIds: readonly number[]): Promise<LedgerReceipt & { reportId: number }> {
    const receipt = await this.write(patient, 'addReport', [commitment, hospitalIds]);
    return { ...receipt, reportId: toNumber(this.eventArg(receipt, 'ReportAdded', 'reportId')) };
  }

  shareReport(patient: Signer, reportId: number, hospitalId: number): Promise<LedgerReceipt> {
    return this.write(patient, 'shareReport', [reportId, hospitalId]);
  }

  revokeReport(patient: Signer, reportId: number, hospitalId: number): Promise<LedgerReceipt> {
    return this.write(patient, 'revokeReport', [reportId, hospitalId]);
  }

  async addPrescription(doctor: Signer, reportId: number, commitment: string): Promise<LedgerReceipt & { index: number }> {
    const receipt = await this.write(doctor, 'addPrescription', [reportId, commitment]);
    return { ...receipt, index: toNumber(this.eventArg(receipt, 'PrescriptionAdded', 'index')) };
  }

  recordAccess(doctor: Signer, reportId: number): Promise<LedgerReceipt> {
    return this.write(doctor, 'recordAccess', [reportId]);
  }

  // ─── Reads ─────────────────────────────────────────────────────────────────────────────

  async hospitalCount(): Promise<number> {
    return toNumber(await this.read('hospitalCount', []));
  }

  async hospital(hospitalId: number): Promise<string> {
    return String(await this.read('hospital', [hospitalId]));
  }

  /** The doctor's hospital id, or 0 when the address is not a doctor. */
  async hospitalOf(doctor: string): Promise<number> {
    return toNumber(await this.read('hospitalOf', [doctor]));
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

  async reportHospitals(reportId: number): Promise<number[]> {
    return ((await this.read('reportHospitals', [reportId])) as unknown[]).map(toNumber);
  }

  async canRead(reportId: number, hospitalId: number): Promise<boolean> {
    return Boolean(await this.read('canRead', [reportId, hospitalId]));
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
