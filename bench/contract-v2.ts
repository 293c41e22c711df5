/**
 * Gas of the contract's second version (contracts/EHRv2.sol), called through its UUPS proxy as
 * the app calls it: each act from the account whose act it is, node-signed on the bench's
 * node. The app runs this version too, and its own acts over HTTP are measured in run.ts; these
 * figures are the contract's alone, on an instance of its own, with the acts the HTTP run does
 * not make (a grant with an end, break-glass, a staff member's removal).
 */
import { randomBytes } from 'node:crypto';
import { Web3 } from 'web3';
import type { Chain } from './chain';

/** The contract's organisation kinds (IEHRv2.OrganisationKind). */
const HOSPITAL = 1;
const PHARMACY = 2;
const INSURER = 3;
const DAY = 86_400;

const commitment = () => `0x${randomBytes(32).toString('hex')}`;

export interface V2Accounts {
  readonly admin: string;
  readonly doctor: string;
  readonly patient: string;
  readonly pharmacist: string;
  readonly insurer: string;
}

/** Each act's gas, one sample a round; the first report on the ledger is not measured. */
export async function measureV2Gas(chain: Chain, { admin, doctor, patient, pharmacist, insurer }: V2Accounts, rounds: number): Promise<Record<string, number[]>> {
  const implementation = await chain.deploy(admin, 'EHRv2');
  const initialize = implementation.contract.methods.initialize(admin).encodeABI();
  const { address } = await chain.deploy(admin, 'ERC1967Proxy', [implementation.address, initialize]);
  const ehr = new new Web3().eth.Contract(implementation.contract.options.jsonInterface, address); // encodes calls only
  const send = async (from: string, data: string) => Number((await chain.sendAndWait({ from, to: address, data, gas: 1_000_000 })).gasUsed);
  const call = async (data: string) => BigInt(await chain.rpc<string>('eth_call', [{ to: address, data }, 'latest']));

  for (const name of ['Apollo', 'Care', 'Fortis']) await send(admin, ehr.methods.addOrganisation(HOSPITAL, name).encodeABI());
  await send(admin, ehr.methods.addStaff(doctor, 1).encodeABI());
  await send(admin, ehr.methods.addOrganisation(PHARMACY, 'MedPlus').encodeABI()); // organisation 4
  await send(admin, ehr.methods.addOrganisation(INSURER, 'Star Health').encodeABI()); // organisation 5
  await send(admin, ehr.methods.addStaff(pharmacist, 4).encodeABI());
  await send(admin, ehr.methods.addStaff(insurer, 5).encodeABI());
  await send(patient, ehr.methods.registerPatient().encodeABI());
  await send(patient, ehr.methods.addReport(commitment(), [1, 2], 0).encodeABI()); // not measured: the first report

  const gas = {
    add: [] as number[], share: [] as number[], shareUntil: [] as number[], revoke: [] as number[], prescribe: [] as number[], emergency: [] as number[],
    send: [] as number[], dispense: [] as number[], claim: [] as number[], approve: [] as number[], reject: [] as number[],
  };
  for (let i = 0; i < rounds; i++) {
    gas.add.push(await send(patient, ehr.methods.addReport(commitment(), [1, 2], 0).encodeABI()));
    const reportId = Number(await call(ehr.methods.reportCount().encodeABI()));
    const latest = await chain.rpc<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
    const until = Number(latest.timestamp) + 30 * DAY;
    gas.shareUntil.push(await send(patient, ehr.methods.shareReport(reportId, 3, until).encodeABI()));
    gas.revoke.push(await send(patient, ehr.methods.revokeReport(reportId, 3).encodeABI()));
    gas.share.push(await send(patient, ehr.methods.shareReport(reportId, 3, 0).encodeABI()));
    gas.prescribe.push(await send(doctor, ehr.methods.addPrescription(reportId, commitment()).encodeABI()));
    // The prescription to a pharmacy, dispensed; two claims on the report, one approved, one rejected.
    gas.send.push(await send(patient, ehr.methods.sendPrescription(reportId, 0, 4, 0).encodeABI()));
    gas.dispense.push(await send(pharmacist, ehr.methods.dispensePrescription(reportId, 0).encodeABI()));
    for (const decide of ['approve', 'reject'] as const) {
      gas.claim.push(await send(patient, ehr.methods.fileClaim(reportId, 5, 18_500).encodeABI()));
      const claimId = Number(await call(ehr.methods.claimCount().encodeABI()));
      gas[decide].push(
        await send(insurer, decide === 'approve' ? ehr.methods.approveClaim(claimId, 15_000, commitment()).encodeABI() : ehr.methods.rejectClaim(claimId, commitment()).encodeABI()),
      );
    }
  }
  // Break-glass, once a round: each opening needs the last one ended (one live per doctor and patient).
  for (let i = 0; i < rounds; i++) {
    gas.emergency.push(await send(doctor, ehr.methods.openEmergency(patient, commitment(), DAY).encodeABI()));
    const emergencyId = Number(await call(ehr.methods.emergencyCount().encodeABI()));
    await send(patient, ehr.methods.endEmergency(emergencyId).encodeABI());
  }
  const removal = await send(admin, ehr.methods.removeStaff(doctor).encodeABI());
  return { ...gas, removeStaff: [removal] };
}
