/**
 * Insurers: a patient files a claim for a report (an amount in whole rupees) with an insurance
 * company; filing grants the insurer's staff read access to that report and its prescriptions,
 * for the purpose "payment", until the claim is decided. Staff see their queue, open a claim
 * (recorded on the ledger, so it is in the patient's access log with its purpose) and approve
 * it (at most the claimed amount) or reject it with a note; the decision is a transaction, made
 * once (a second is 409), after which the insurer reads the report no more.
 */
import type { LedgerReceipt } from '../../ledger/ehr-client';
import { ZERO_COMMITMENT } from '../../ledger/ehr-client';
import { LedgerRevertError } from '../../ledger/errors';
import type { ClaimRow, ClaimStatus, OrganisationRow, User } from '../../store/ports';
import { Conflict, FieldError, NotFound } from '../../domain/errors';
import { utcMinute } from '../../domain/time';
import { recordOpening, type Openings } from '../access-log/openings';
import type { BackgroundTasks } from '../records/background';
import type { RecordServiceDeps } from '../records/deps';
import { createRecordPolicy } from '../records/policy';
import { presentPrescriptions, type PrescriptionView } from '../records/present';
import type { Checked, ClaimNoteBody, ReportBody } from '../records/vault';

/** The largest amount a claim may ask for, in whole rupees (the contract allows up to 2^48 - 1). */
export const MAX_CLAIM_RUPEES = 1_000_000_000_000;

export interface NewClaim {
  readonly reportId: number;
  readonly insurerId: number;
  /** Whole rupees. */
  readonly amount: number;
}

export type Decision = { readonly decision: 'approve'; readonly amount: number; readonly note: string } | { readonly decision: 'reject'; readonly note: string };

/** A claim as people see it. */
export interface ClaimView {
  readonly id: number;
  readonly reportId: number;
  readonly patientName: string;
  readonly insurerName: string;
  readonly amount: number;
  readonly filedAt: number;
  readonly status: ClaimStatus;
  readonly approvedAmount: number | null;
  readonly decidedByName: string | null;
  readonly decidedAt: number | null;
  /** The decision's note, checked against its commitment; undefined when there is none. */
  readonly note: Checked<ClaimNoteBody> | undefined;
  readonly transactionHash: string;
}

/** An open claim as its insurer's staff see it: with the report and prescriptions it covers. */
export interface ClaimDetail extends ClaimView {
  readonly report: { readonly createdAt: Date; readonly checked: Checked<ReportBody> } | undefined;
  readonly prescriptions: readonly PrescriptionView[];
}

export interface InsurerServiceDeps extends RecordServiceDeps {
  readonly background: BackgroundTasks;
  /** Which openings of a report are recorded on the ledger (one a visit). */
  readonly openings: Openings;
}

export function createInsurerService({ ledger, custodian, users, readModel, writer, vault, reads, background, openings }: InsurerServiceDeps) {
  const policy = createRecordPolicy(ledger.client, reads);

  async function staffMember(userId: number): Promise<User & { insurerId: number }> {
    const user = policy.member(await users.findById(userId), 'insurer');
    return { ...user, insurerId: await policy.organisationOf(user, 'insurer') };
  }

  async function present(rows: readonly ClaimRow[]): Promise<ClaimView[]> {
    const [people, notes] = await Promise.all([
      users.byAddress([...new Set(rows.flatMap(row => [row.patient, ...(row.decidedBy ? [row.decidedBy] : [])]))]),
      vault.readMany('claim-note', rows.map(row => ({ author: row.decidedBy ?? '', commitment: row.noteHash ?? '' }))),
    ]);
    return rows.map((row, i) => ({
      id: row.id,
      reportId: row.reportId,
      patientName: people.get(row.patient)?.fullName ?? row.patient,
      insurerName: row.insurerName,
      amount: row.amount,
      filedAt: row.filedAt,
      status: row.status,
      approvedAmount: row.approvedAmount,
      decidedByName: row.decidedBy ? (people.get(row.decidedBy)?.fullName ?? row.decidedBy) : null,
      decidedAt: row.decidedAt,
      note: row.noteHash ? notes[i] : undefined,
      transactionHash: row.transactionHash,
    }));
  }

  /** The claim of the staff member's insurer; another insurer's, or an unknown one, is "not found". */
  async function ownClaim(user: { insurerId: number }, claimId: number): Promise<ClaimRow> {
    const row = await readModel.claim(claimId);
    if (!row || row.insurerId !== user.insurerId) throw new NotFound('claim');
    return row;
  }

  return {
    insurers: (): Promise<OrganisationRow[]> => readModel.organisations('insurer'),

    async insurerName(userId: number): Promise<string> {
      const { insurerId } = await staffMember(userId);
      return (await readModel.hospitalNames()).get(insurerId) ?? '';
    },

    /** The patient files a claim on their own report; the insurer may read it until it decides. */
    async file(userId: number, claim: NewClaim): Promise<LedgerReceipt & { claimId: number }> {
      const user = policy.member(await users.findById(userId), 'patient');
      const report = await ledger.client.report(claim.reportId).catch((error: unknown) => {
        if (error instanceof LedgerRevertError && error.error.name === 'EHRUnknownReport') throw new FieldError('reportId', 'Choose one of your reports');
        throw error;
      });
      if (report.patient !== user.address) throw new FieldError('reportId', 'Choose one of your reports');
      if (!(await readModel.organisations('insurer')).some(insurer => insurer.id === claim.insurerId)) {
        throw new FieldError('insurerId', 'Choose an insurance company from the list');
      }
      const signer = await custodian.signer(user.address);
      return writer.write(() => ledger.client.fileClaim(signer, claim.reportId, claim.insurerId, claim.amount));
    },

    /** The patient's claims, newest first. */
    async ofPatient(userId: number): Promise<ClaimView[]> {
      const user = policy.member(await users.findById(userId), 'patient');
      return present(await readModel.claims({ patient: user.address }));
    },

    /** The claims filed with the staff member's insurer, newest first. */
    async queue(userId: number): Promise<ClaimView[]> {
      const user = await staffMember(userId);
      return present(await readModel.claims({ insurerId: user.insurerId }));
    },

    /**
     * A claim of the staff member's insurer. While it is open (the contract's `canReadClaim`), with
     * the report and its prescriptions, and the opening is recorded on the ledger (purpose
     * payment) without making the page wait; once decided, the decision only.
     */
    async claim(userId: number, claimId: number): Promise<ClaimDetail> {
      const user = await staffMember(userId);
      const row = await ownClaim(user, claimId);
      const [view] = await present([row]);
      if (!(await ledger.client.canReadClaim(claimId, user.address))) return { ...view, report: undefined, prescriptions: [] };
      const [onLedger, prescriptions, names] = await Promise.all([
        ledger.client.report(row.reportId),
        ledger.client.prescriptions(row.reportId),
        readModel.hospitalNames(),
      ]);
      const [checked, presented] = await Promise.all([
        vault.read('report', { author: onLedger.patient, commitment: onLedger.commitment }),
        presentPrescriptions(prescriptions, vault, users, names),
      ]);
      // Once a visit, like a doctor's (a reload records nothing new).
      await recordOpening(openings, background, { reader: user.address, reportId: row.reportId, label: `recordClaimAccess of claim ${claimId}` }, async () => {
        await writer.write(async () => ledger.client.recordClaimAccess(await custodian.signer(user.address), claimId));
      });
      return { ...view, report: { createdAt: onLedger.createdAt, checked }, prescriptions: presented };
    },

    /** Approves (at most the claimed amount) or rejects (with a note) the claim, on the ledger, once. */
    async decide(userId: number, claimId: number, decision: Decision): Promise<LedgerReceipt> {
      const user = await staffMember(userId);
      const row = await ownClaim(user, claimId);
      const decided = (status: string, by: string | null, at: number | null) =>
        new Conflict(`This claim was already ${status}${by ? ` by ${by}` : ''}${at ? ` at ${utcMinute(at)}` : ''}.`);
      if (row.status !== 'open') throw decided(row.status, (await present([row]))[0].decidedByName, row.decidedAt);
      if (decision.decision === 'approve' && decision.amount > row.amount) {
        throw new FieldError('amount', `The approved amount cannot be more than the ₹${row.amount.toLocaleString('en-IN')} claimed`);
      }
      const signer = await custodian.signer(user.address);
      const send = (note: string) =>
        decision.decision === 'approve' ? ledger.client.approveClaim(signer, claimId, decision.amount, note) : ledger.client.rejectClaim(signer, claimId, note);
      try {
        return decision.note
          ? await writer.writeWithBody('claim-note', user.address, { note: decision.note }, send)
          : await writer.write(() => send(ZERO_COMMITMENT));
      } catch (error) {
        if (error instanceof LedgerRevertError && error.error.name === 'EHRClaimAlreadyDecided') {
          const { decidedAt } = error.error.args as { decidedAt: bigint };
          throw decided('decided', null, Number(decidedAt));
        }
        throw error;
      }
    },
  };
}

export type InsurerService = ReturnType<typeof createInsurerService>;
