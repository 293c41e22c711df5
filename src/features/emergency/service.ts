/**
 * Break-glass access: a doctor of any hospital opens every report of a patient in an emergency,
 * by the patient's username and a reason. The access is written to the ledger before any record
 * is shown (`openEmergency`: the reason sealed off-chain, its commitment on-chain), lasts
 * EMERGENCY_HOURS, is shown first on the patient's dashboard and in the access log with its
 * reason, can be ended early by the patient, and is listed for the admin. Reading under it is
 * the access policy's `emergency` purpose; every opening is recorded on the ledger as such.
 */
import type { LedgerReceipt } from '../../ledger/ehr-client';
import { LedgerRevertError } from '../../ledger/errors';
import type { EmergencyRow, User } from '../../store/ports';
import { Conflict, FieldError, Forbidden, NotFound } from '../../domain/errors';
import { utcMinute } from '../../domain/time';
import type { RecordServiceDeps } from '../records/deps';
import { createRecordPolicy } from '../records/policy';
import type { Checked, EmergencyReasonBody, ReportBody } from '../records/vault';

/** The shortest reason a doctor may give. */
export const MIN_REASON_LENGTH = 20;

export interface EmergencyRequest {
  /** The patient's username. */
  readonly patient: string;
  readonly reason: string;
}

/** A break-glass access as people see it: who, where, why, and until when. */
export interface EmergencyView {
  readonly id: number;
  readonly doctorName: string;
  readonly doctorUsername: string;
  readonly patientName: string;
  readonly patientUsername: string;
  readonly hospitalName: string;
  /** Seconds. */
  readonly start: number;
  readonly end: number;
  readonly endedEarly: boolean;
  /** Live now, by this server's clock (the ledger decides every read). */
  readonly live: boolean;
  readonly reason: Checked<EmergencyReasonBody>;
  readonly transactionHash: string;
}

/** What the doctor sees of a live break-glass access: the patient's reports. */
export interface EmergencyAccess extends EmergencyView {
  readonly reports: readonly { id: number; createdAt: Date; checked: Checked<ReportBody> }[];
}

export interface EmergencyServiceDeps extends RecordServiceDeps {
  /** How long an access lasts (EMERGENCY_HOURS). */
  readonly hours: number;
  readonly now?: () => number;
}

export function createEmergencyService({ ledger, custodian, users, readModel, writer, vault, reads, hours, now = Date.now }: EmergencyServiceDeps) {
  const policy = createRecordPolicy(ledger.client, reads);

  /** The signed-in doctor, whom the ledger still holds as staff (Forbidden once removed). */
  async function doctor(userId: number): Promise<User> {
    const user = policy.member(await users.findById(userId), 'doctor');
    await policy.actor(user, 'doctor');
    return user;
  }

  /** Rows with the names of the people and the reasons, opened for whoever may see them (patient, doctor, admin). */
  async function present(rows: readonly EmergencyRow[]): Promise<EmergencyView[]> {
    const [people, reasons] = await Promise.all([
      users.byAddress([...new Set(rows.flatMap(row => [row.doctor, row.patient]))]),
      vault.readMany('emergency-reason', rows.map(row => ({ author: row.doctor, commitment: row.reasonHash }))),
    ]);
    const seconds = now() / 1000;
    return rows.map((row, i) => ({
      id: row.id,
      doctorName: people.get(row.doctor)?.fullName ?? row.doctor,
      doctorUsername: people.get(row.doctor)?.username ?? '',
      patientName: people.get(row.patient)?.fullName ?? row.patient,
      patientUsername: people.get(row.patient)?.username ?? '',
      hospitalName: row.hospitalName,
      start: row.start,
      end: row.end,
      endedEarly: row.endedEarly,
      live: !row.endedEarly && row.end > seconds,
      reason: reasons[i],
      transactionHash: row.transactionHash,
    }));
  }

  /** Live ones first, then the newest. */
  const liveFirst = (views: EmergencyView[]) => views.sort((a, b) => Number(b.live) - Number(a.live) || b.id - a.id);

  return {
    hours,

    /**
     * Opens break-glass access to the patient's reports, on the ledger, before anything is
     * shown. A doctor who already holds a live access to that patient is sent to it (`existing`).
     */
    async open(userId: number, request: EmergencyRequest): Promise<{ emergencyId: number; existing: boolean; receipt?: LedgerReceipt }> {
      const user = await doctor(userId);
      const patient = await users.findByUsername(request.patient.toLowerCase());
      if (patient?.role !== 'patient') throw new FieldError('patient', 'There is no patient with this username');
      const held = await ledger.client.emergencyOf(patient.address, user.address);
      if (held.live) return { emergencyId: held.emergencyId, existing: true };
      const signer = await custodian.signer(user.address);
      const receipt = await writer.writeWithBody('emergency-reason', user.address, { reason: request.reason }, commitment =>
        ledger.client.openEmergency(signer, patient.address, commitment, hours * 3600),
      );
      return { emergencyId: receipt.emergencyId, existing: false, receipt };
    },

    /**
     * The doctor's own access and, while it is live on the ledger, the patient's reports. Another
     * doctor's access is "not found"; an ended one is refused with when it ended.
     */
    async access(userId: number, emergencyId: number): Promise<EmergencyAccess> {
      const user = await doctor(userId);
      const onLedger = await ledger.client.emergency(emergencyId);
      if (onLedger.doctor !== user.address) throw new NotFound('emergency access');
      const held = await ledger.client.emergencyOf(onLedger.patient, user.address);
      if (held.emergencyId !== emergencyId || !held.live) {
        throw new Forbidden(`This emergency access ended on ${utcMinute(onLedger.end)}. Open a new one if the emergency goes on.`);
      }
      const row = await readModel.emergency(emergencyId);
      if (!row) throw new NotFound('emergency access'); // the read model catches up within a tick
      const [view] = await present([row]);
      const listed = await readModel.reportsOfPatient(onLedger.patient);
      const identities = await reads.identities(listed.map(r => r.id));
      const reports = listed.flatMap((r, i) => (identities[i]?.patient === onLedger.patient ? [{ ...r, commitment: identities[i].commitment }] : []));
      const bodies = await vault.readMany('report', reports.map(r => ({ author: onLedger.patient, commitment: r.commitment })));
      return {
        ...view,
        live: true,
        end: onLedger.end,
        reports: reports.map((r, i) => ({ id: r.id, createdAt: new Date(r.createdAt * 1000), checked: bodies[i] })),
      };
    },

    /** The patient's break-glass accesses, live ones first. */
    async ofPatient(userId: number): Promise<EmergencyView[]> {
      const user = policy.member(await users.findById(userId), 'patient');
      return liveFirst(await present(await readModel.emergencies({ patient: user.address })));
    },

    /** The patient ends a break-glass access to their reports now. */
    async end(userId: number, emergencyId: number): Promise<LedgerReceipt> {
      const user = policy.member(await users.findById(userId), 'patient');
      const onLedger = await ledger.client.emergency(emergencyId);
      if (onLedger.patient !== user.address) throw new NotFound('emergency access');
      const signer = await custodian.signer(user.address);
      try {
        return await writer.write(() => ledger.client.endEmergency(signer, emergencyId));
      } catch (error) {
        if (error instanceof LedgerRevertError && error.error.name === 'EHREmergencyEnded') {
          throw new Conflict(`This emergency access already ended on ${utcMinute(onLedger.end)}.`);
        }
        throw error;
      }
    },

    /** Every break-glass access, for the admin, newest first. */
    all: async (): Promise<EmergencyView[]> => present(await readModel.emergencies()),
  };
}

export type EmergencyService = ReturnType<typeof createEmergencyService>;
