/**
 * Upgrades without losing a record. The second contract (EHRv2) lives behind an ERC-1967 proxy
 * (UUPS, OpenZeppelin 5, its state in ERC-7201 namespaced storage): the app only ever talks to
 * the proxy, whose address, events and storage stay when a later implementation is put behind
 * it. Two paths lead there:
 *
 * - **From the first release** (the contract EHR, not upgradeable): a data set of the first
 *   release is opened by this one with one `npm start`. A second-version proxy is deployed next
 *   to the old contract and the old contract's whole history is replayed into it by the admin
 *   under IMPORTER_ROLE — hospitals, doctors, patients, reports, grants (live or when they
 *   ended), prescriptions and openings — keeping every id, commitment and time; then the import
 *   is closed for ever (`finishImport`). The old contract stays on the chain, unchanged, and its
 *   address is kept as a former contract of the data set (bodies sealed for it still open). The
 *   switch is recorded only once the import finished: a start killed half-way leaves the data set
 *   on the first release, and the next start imports again into a fresh proxy.
 * - **From one second version to the next** (`npm run upgrade -- <Contract>`): the new
 *   implementation is deployed and the proxy pointed at it (`upgradeToAndCall`), by the admin.
 */
import { utils } from 'web3';
import { ContractCodec, loadArtifact, type Decoded } from './abi';
import { LOG_BLOCKS_PER_REQUEST } from './ehr-client';
import type { Signer, TransactionSender } from './transactions';

/** The replayed rows, in the import structs' field order (web3 encodes tuples from arrays). */
export interface FirstReleaseHistory {
  readonly hospitals: readonly [id: number, name: string][];
  readonly doctors: readonly [account: string, hospitalId: number][];
  readonly patients: readonly string[];
  readonly reports: readonly [id: number, patient: string, commitment: string, createdAt: number][];
  readonly grants: readonly [reportId: number, hospitalId: number, until: number][];
  readonly prescriptions: readonly [reportId: number, index: number, doctor: string, hospitalId: number, commitment: string, createdAt: number][];
  readonly accesses: readonly [reportId: number, doctor: string, hospitalId: number, accessedAt: number][];
}

/** Rows per import transaction: a batch of reports costs about 2.5 million gas, well under any block's limit. */
const IMPORT_BATCH = 40;
export const IMPORTER_ROLE = utils.keccak256(Buffer.from('IMPORTER_ROLE', 'utf8'));

const num = (value: unknown) => Number(value as bigint);
const addr = (value: unknown) => String(value).toLowerCase();

/** Reads the first-release contract at `address` through eth_call and its logs from `fromBlock`. */
export async function readFirstRelease(sender: TransactionSender, address: string, fromBlock: number): Promise<FirstReleaseHistory> {
  const codec = new ContractCodec(loadArtifact('EHR').abi);
  const read = async (name: string, args: readonly unknown[] = []) => codec.decodeReturn(name, await sender.call({ to: address, data: codec.encodeCall(name, args) }));
  const events: (Decoded & { blockNumber: number })[] = [];
  const latest = await sender.blockNumber();
  for (let from = fromBlock; from <= latest; from += LOG_BLOCKS_PER_REQUEST) {
    for (const log of await sender.logs(address, from, Math.min(latest, from + LOG_BLOCKS_PER_REQUEST - 1))) {
      for (const event of codec.decodeLogs([log], address)) events.push({ ...event, blockNumber: Number(log.blockNumber) });
    }
  }
  const named = (name: string) => events.filter(event => event.name === name);
  const times = new Map<number, number>();
  const timeOf = async (blockNumber: number) => {
    if (!times.has(blockNumber)) times.set(blockNumber, await sender.blockTime(blockNumber));
    return times.get(blockNumber) as number;
  };

  const hospitals: [number, string][] = [];
  for (let id = 1; id <= num(await read('hospitalCount')); ++id) hospitals.push([id, String(await read('hospital', [id]))]);

  const reports: [number, string, string, number][] = [];
  const grants: [number, number, number][] = [];
  const prescriptions: [number, number, string, number, string, number][] = [];
  for (let id = 1; id <= num(await read('reportCount')); ++id) {
    const entry = (await read('report', [id])) as Record<string, unknown>;
    reports.push([id, addr(entry.patient), String(entry.commitment), num(entry.createdAt)]);
    const live = ((await read('reportHospitals', [id])) as unknown[]).map(num);
    for (const hospitalId of live) grants.push([id, hospitalId, 0]);
    // A grant that is not live ended at its latest revoke (events come in chain order).
    const ended = new Map<number, number>();
    for (const event of named('ReportRevoked')) {
      const hospitalId = num(event.args.hospitalId);
      if (num(event.args.reportId) === id && !live.includes(hospitalId)) ended.set(hospitalId, await timeOf(event.blockNumber));
    }
    for (const [hospitalId, until] of ended) grants.push([id, hospitalId, until]);
    ((await read('prescriptions', [id])) as Record<string, unknown>[]).forEach((p, index) =>
      prescriptions.push([id, index, addr(p.doctor), num(p.hospitalId), String(p.commitment), num(p.createdAt)]),
    );
  }

  const accesses: [number, string, number, number][] = [];
  for (const event of named('ReportAccessed')) {
    accesses.push([num(event.args.reportId), addr(event.args.doctor), num(event.args.hospitalId), await timeOf(event.blockNumber)]);
  }
  return {
    hospitals,
    doctors: named('DoctorAdded').map(event => [addr(event.args.doctor), num(event.args.hospitalId)]),
    patients: named('PatientRegistered').map(event => addr(event.args.patient)),
    reports,
    grants,
    prescriptions,
    accesses,
  };
}

/** Replays `history` into the second-version proxy at `proxy` as `admin`, then closes the import. */
export async function importFirstRelease(sender: TransactionSender, codec: ContractCodec, proxy: string, admin: Signer, history: FirstReleaseHistory): Promise<void> {
  const send = (name: string, args: readonly unknown[]) => sender.send(admin, { to: proxy, data: codec.encodeCall(name, args) });
  await send('grantRole', [IMPORTER_ROLE, admin.address]);
  const steps: [string, readonly unknown[]][] = [
    ['importHospitals', history.hospitals],
    ['importDoctors', history.doctors],
    ['importPatients', history.patients],
    ['importReports', history.reports],
    ['importGrants', history.grants],
    ['importPrescriptions', history.prescriptions],
    ['importAccesses', history.accesses],
  ];
  for (const [name, rows] of steps) {
    for (let i = 0; i < rows.length; i += IMPORT_BATCH) await send(name, [rows.slice(i, i + IMPORT_BATCH)]);
  }
  await send('finishImport', []);
  await send('renounceRole', [IMPORTER_ROLE, admin.address]);
}

/**
 * Deploys the implementation `contractName` (from the build) and points the proxy at it, as the
 * admin; resolves to the new implementation's address. Its constructor takes no arguments (an
 * upgradeable implementation disables its initializers there).
 */
export async function upgradeImplementation(sender: TransactionSender, codec: ContractCodec, proxy: string, admin: Signer, contractName: string): Promise<string> {
  const artifact = loadArtifact(contractName);
  const deployed = await sender.deploy(admin, artifact.bytecode);
  await sender.send(admin, { to: proxy, data: codec.encodeCall('upgradeToAndCall', [deployed, '0x']) });
  return deployed;
}
