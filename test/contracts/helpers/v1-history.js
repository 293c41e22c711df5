/* global web3 */

/**
 * Reading the history of a first-release EHR contract (not a proxy) and replaying it into an
 * EHRv2 through its import functions, keeping every id. This is the path a data set made by the
 * first release takes to the second; the app's own importer should do the same, in batches.
 */

async function eventsOf(contract, name) {
  return contract.getPastEvents(name, { fromBlock: 0, toBlock: 'latest' });
}

async function blockTime(blockNumber, cache) {
  if (!cache.has(blockNumber)) cache.set(blockNumber, Number((await web3.eth.getBlock(blockNumber)).timestamp));
  return cache.get(blockNumber);
}

/** Events in chain order. */
function byChainOrder(a, b) {
  return Number(a.blockNumber) - Number(b.blockNumber) || Number(a.logIndex) - Number(b.logIndex);
}

/**
 * Everything a first-release contract `v1` knows, in the shapes of EHRv2's import structs:
 * `{ hospitals, doctors, patients, reports, grants, prescriptions, accesses }`.
 * - hospitals, reports, prescriptions: read from the views (ids in order);
 * - doctors, patients, accesses: from their events;
 * - grants: live ones from `reportHospitals` (`until` 0); revoked ones from the latest
 *   `ReportRevoked` of each pair that holds no grant now (`until` = the revoke's block time).
 */
async function readV1History(v1) {
  const times = new Map();
  const hospitals = [];
  const hospitalCount = Number(await v1.hospitalCount());
  for (let id = 1; id <= hospitalCount; ++id) hospitals.push({ id, name: await v1.hospital(id) });

  const doctors = (await eventsOf(v1, 'DoctorAdded'))
    .sort(byChainOrder)
    .map((event) => ({ account: event.args.doctor, hospitalId: Number(event.args.hospitalId) }));
  const patients = (await eventsOf(v1, 'PatientRegistered')).sort(byChainOrder).map((event) => event.args.patient);

  const reports = [];
  const grants = [];
  const prescriptions = [];
  const reportCount = Number(await v1.reportCount());
  const revokes = (await eventsOf(v1, 'ReportRevoked')).sort(byChainOrder);
  for (let id = 1; id <= reportCount; ++id) {
    const entry = await v1.report(id);
    reports.push({ id, patient: entry.patient, commitment: entry.commitment, createdAt: Number(entry.createdAt) });
    const live = (await v1.reportHospitals(id)).map(Number);
    for (const hospitalId of live) grants.push({ reportId: id, hospitalId, until: 0 });
    const ended = new Map();
    for (const event of revokes) {
      if (Number(event.args.reportId) !== id) continue;
      const hospitalId = Number(event.args.hospitalId);
      if (!live.includes(hospitalId)) ended.set(hospitalId, await blockTime(event.blockNumber, times));
    }
    for (const [hospitalId, until] of ended) grants.push({ reportId: id, hospitalId, until });
    (await v1.prescriptions(id)).forEach((prescription, index) => {
      prescriptions.push({
        reportId: id,
        index,
        doctor: prescription.doctor,
        hospitalId: Number(prescription.hospitalId),
        commitment: prescription.commitment,
        createdAt: Number(prescription.createdAt),
      });
    });
  }

  const accesses = [];
  for (const event of (await eventsOf(v1, 'ReportAccessed')).sort(byChainOrder)) {
    accesses.push({
      reportId: Number(event.args.reportId),
      doctor: event.args.doctor,
      hospitalId: Number(event.args.hospitalId),
      accessedAt: await blockTime(event.blockNumber, times),
    });
  }
  return { hospitals, doctors, patients, reports, grants, prescriptions, accesses };
}

function chunks(list, size) {
  const out = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Replays `history` (from {readV1History}) into `v2` as `importer`, in batches of `batchSize`, in
 * the order the imports need: hospitals, doctors, patients, reports, grants, prescriptions,
 * accesses. Returns the Truffle results of every transaction.
 */
async function importV1History(v2, history, importer, batchSize = 50) {
  const results = [];
  const steps = [
    ['importHospitals', history.hospitals],
    ['importDoctors', history.doctors],
    ['importPatients', history.patients],
    ['importReports', history.reports],
    ['importGrants', history.grants],
    ['importPrescriptions', history.prescriptions],
    ['importAccesses', history.accesses],
  ];
  for (const [method, list] of steps) {
    for (const batch of chunks(list, batchSize)) results.push(await v2[method](batch, { from: importer }));
  }
  return results;
}

module.exports = { readV1History, importV1History };
