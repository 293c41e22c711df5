/* global artifacts, contract, assert, web3 */
const { expectRevert } = require('./helpers/errors');
const { expectEvent, expectEvents } = require('./helpers/events');
const { loadFixture } = require('./helpers/fixture');
const { recordGas, gasOf, printGasTable } = require('./helpers/gas');
const { latestTime, timestampOf, increaseTime, increaseTimeTo } = require('./helpers/clock');
const { deployProxy, implementationOf, erc7201Slot } = require('./helpers/proxy');
const { readV1History, importV1History } = require('./helpers/v1-history');

const EHRv2 = artifacts.require('EHRv2');
const EHRv2_1 = artifacts.require('EHRv2_1');
const ERC1967Proxy = artifacts.require('ERC1967Proxy');
const EHR = artifacts.require('EHR');

const DEFAULT_ADMIN_ROLE = `0x${'00'.repeat(32)}`;
const DOCTOR_ROLE = web3.utils.keccak256('DOCTOR_ROLE');
const PHARMACIST_ROLE = web3.utils.keccak256('PHARMACIST_ROLE');
const INSURER_ROLE = web3.utils.keccak256('INSURER_ROLE');
const IMPORTER_ROLE = web3.utils.keccak256('IMPORTER_ROLE');
const ZERO_ADDRESS = `0x${'00'.repeat(20)}`;
const ZERO_BYTES32 = `0x${'00'.repeat(32)}`;

const Kind = { None: 0, Hospital: 1, Pharmacy: 2, Insurer: 3 };
const Purpose = { None: 0, Treatment: 1, Dispensing: 2, Payment: 3, Emergency: 4 };
const Status = { None: 0, Open: 1, Approved: 2, Rejected: 3 };

const HOUR = 3600;
const DAY = 24 * HOUR;
const MAX_EMERGENCY_DURATION = 7 * DAY;
const MAX_UINT40 = 2 ** 40 - 1;
const MAX_AMOUNT = (2n ** 48n - 1n).toString();

/** Organisations 1..7 of the fixture: ids 1-3 hospitals, 4-5 pharmacies, 6-7 insurers. */
const ORGANISATIONS = [
  [Kind.Hospital, 'St. Mary Hospital'],
  [Kind.Hospital, 'City General'],
  [Kind.Hospital, "Children's Clinic"],
  [Kind.Pharmacy, 'Corner Pharmacy'],
  [Kind.Pharmacy, 'Night Pharmacy'],
  [Kind.Insurer, 'Star Health'],
  [Kind.Insurer, 'Care Mutual'],
];

/** A commitment, as the app makes one: the keccak256 of an encrypted envelope. */
const commitmentOf = (label) => web3.utils.keccak256(label);
const randomCommitment = () => web3.utils.randomHex(32);
const strings = (values) => values.map(String);

/** The named fields of a struct returned by Truffle, every value as a string (booleans kept). */
function fields(entry, names) {
  const out = {};
  for (const name of names) {
    const value = entry[name];
    out[name] = typeof value === 'boolean' ? value : String(value);
  }
  return out;
}

const REPORT_FIELDS = ['patient', 'commitment', 'createdAt', 'prescriptionCount'];
const PRESCRIPTION_FIELDS = ['doctor', 'hospitalId', 'commitment', 'createdAt'];
const DISPENSING_FIELDS = ['pharmacyId', 'live', 'until', 'pharmacist', 'dispensedPharmacyId', 'dispensedAt'];
const CLAIM_FIELDS = [
  'reportId',
  'patient',
  'insurerId',
  'amount',
  'filedAt',
  'status',
  'approvedAmount',
  'decidedBy',
  'decidedAt',
];
const EMERGENCY_FIELDS = ['doctor', 'patient', 'hospitalId', 'start', 'end', 'reasonHash'];

/** A storage word read with `eth_getStorageAt` (Ganache answers `0x` for an empty slot), as a BigInt. */
const wordAt = (hex) => BigInt(hex === '0x' ? 0 : hex);

/** `[live, until]` of a pair of return values, as booleans and strings. */
const pair = (result) => [result[0], String(result[1])];

contract('EHRv2', function (accounts) {
  const [admin, other, doctorA, doctorB, pharmacist, insurer, patient, patient2, newcomer, importer] = accounts;

  // Project targets (see the brief of the second contract version); asserted in `gas` below.
  const GAS_TARGETS = {
    addReport: 120000, // a report (its body ~1 KB off-chain) shared with 2 hospitals
    shareReport: 50000, // one more hospital
    shareReportWithEnd: 60000,
    revokeReport: 40000,
    addPrescription: 90000,
    dispensePrescription: 80000,
    fileClaim: 80000,
    decideClaim: 80000,
  };

  const REPORT_COMMITMENT = commitmentOf('report 1 envelope');
  const PRESCRIPTION_COMMITMENT = commitmentOf('report 1 prescription 0 envelope');
  const REASON_HASH = commitmentOf('emergency reason envelope');
  const NOTE = commitmentOf('claim note envelope');
  const CLAIMED = 5000;

  /** An initialized EHRv2 behind an ERC1967Proxy, and nothing else. */
  async function deployBare() {
    const { instance } = await deployProxy(EHRv2, ERC1967Proxy, [admin], { from: admin });
    return instance;
  }

  /**
   * {ORGANISATIONS}; doctorA at hospital 1, doctorB at hospital 2, pharmacist at pharmacy 4,
   * insurer at insurer 6; patient and patient2 registered.
   */
  async function deployV2() {
    const ehr = await deployBare();
    for (const [kind, name] of ORGANISATIONS) await ehr.addOrganisation(kind, name, { from: admin });
    await ehr.addStaff(doctorA, 1, { from: admin });
    await ehr.addStaff(doctorB, 2, { from: admin });
    await ehr.addStaff(pharmacist, 4, { from: admin });
    await ehr.addStaff(insurer, 6, { from: admin });
    await ehr.registerPatient({ from: patient });
    await ehr.registerPatient({ from: patient2 });
    return ehr;
  }

  /** {deployV2}, plus report 1 of `patient` shared with hospitals 1 and 2, and its prescription 0 by doctorA. */
  async function deployWithReport() {
    const ehr = await deployV2();
    const added = await ehr.addReport(REPORT_COMMITMENT, [1, 2], 0, { from: patient });
    const prescribed = await ehr.addPrescription(1, PRESCRIPTION_COMMITMENT, { from: doctorA });
    return { ehr, added, prescribed };
  }

  /** {deployWithReport}, plus prescription 0 sent to pharmacy 4 without end. */
  async function deployWithSentPrescription() {
    const { ehr } = await deployWithReport();
    const sent = await ehr.sendPrescription(1, 0, 4, 0, { from: patient });
    return { ehr, sent };
  }

  /** {deployWithReport}, plus claim 1 on report 1 to insurer 6 for {CLAIMED}. */
  async function deployWithClaim() {
    const { ehr } = await deployWithReport();
    const filed = await ehr.fileClaim(1, 6, CLAIMED, { from: patient });
    return { ehr, filed };
  }

  /** {deployWithReport}, plus report 2 of `patient` shared with nobody. */
  async function deployWithTwoReports() {
    const { ehr } = await deployWithReport();
    await ehr.addReport(commitmentOf('report 2 envelope'), [], 0, { from: patient });
    return { ehr };
  }

  /** {deployBare}, with `importer` holding IMPORTER_ROLE. */
  async function deployForImport() {
    const ehr = await deployBare();
    await ehr.grantRole(IMPORTER_ROLE, importer, { from: admin });
    return ehr;
  }

  /** {deployForImport}, plus hospitals 1-2, doctorA and doctorB, patient and patient2 imported. */
  async function deployWithImportedPeople() {
    const ehr = await deployForImport();
    await ehr.importHospitals(
      [
        { id: 1, name: 'St. Mary Hospital' },
        { id: 2, name: 'City General' },
      ],
      { from: importer },
    );
    await ehr.importDoctors(
      [
        { account: doctorA, hospitalId: 1 },
        { account: doctorB, hospitalId: 2 },
      ],
      { from: importer },
    );
    await ehr.importPatients([patient, patient2], { from: importer });
    return ehr;
  }

  /** {deployWithImportedPeople}, plus report 1 of `patient` imported as added a day before. */
  async function deployWithImportedReport() {
    const ehr = await deployWithImportedPeople();
    const createdAt = (await latestTime()) - DAY;
    await ehr.importReports([{ id: 1, patient, commitment: commitmentOf('v1 report 1'), createdAt }], {
      from: importer,
    });
    return { ehr, createdAt };
  }

  /**
   * Asserts that `result` decided claim 1 of {deployWithClaim} (insurer 6) as `status`: its event, the
   * stored decision, and the end of the insurer's payment grant.
   */
  async function expectClaimDecided(ehr, result, status, approvedAmount, noteCommitment) {
    expectEvent(result, 'ClaimDecided', {
      claimId: 1,
      insurerId: 6,
      decidedBy: insurer,
      status,
      approvedAmount,
      noteCommitment,
    });
    const claim = fields(await ehr.claim(1), CLAIM_FIELDS);
    assert.deepStrictEqual(
      [claim.status, claim.approvedAmount, claim.decidedBy, claim.decidedAt],
      [String(status), String(approvedAmount), insurer, String(await timestampOf(result))],
    );
    assert.isFalse(await ehr.canReadClaim(1, insurer));
  }

  after(function () {
    printGasTable();
  });

  describe('initialize', function () {
    it('gives DEFAULT_ADMIN_ROLE to the admin only, in the proxy deployment', async function () {
      const { instance, proxy } = await deployProxy(EHRv2, ERC1967Proxy, [admin], { from: admin });
      assert.isTrue(await instance.hasRole(DEFAULT_ADMIN_ROLE, admin));
      for (const account of [other, doctorA, patient]) {
        assert.isFalse(await instance.hasRole(DEFAULT_ADMIN_ROLE, account));
      }
      const granted = await instance.getPastEvents('RoleGranted', { fromBlock: 0 });
      const deployment = granted.filter((event) => event.transactionHash === proxy.transactionHash);
      assert.lengthOf(deployment, 1);
      assert.strictEqual(deployment[0].args.role, DEFAULT_ADMIN_ROLE);
      assert.strictEqual(deployment[0].args.account, admin);
      assert.strictEqual(deployment[0].args.sender, admin);
      const initialized = await instance.getPastEvents('Initialized', { fromBlock: 0 });
      assert.strictEqual(
        initialized.filter((event) => event.transactionHash === proxy.transactionHash).length,
        1,
        'Initialized(1) in the deployment',
      );
    });

    it('starts with no organisation, report, claim or emergency, and the import open', async function () {
      const ehr = await loadFixture(deployBare);
      for (const count of ['organisationCount', 'reportCount', 'claimCount', 'emergencyCount']) {
        assert.strictEqual(String(await ehr[count]()), '0', count);
      }
      assert.isFalse(await ehr.importFinished());
    });

    it('reverts when called a second time', async function () {
      const ehr = await loadFixture(deployBare);
      await expectRevert(ehr.initialize(other, { from: other }), EHRv2, 'InvalidInitialization', []);
    });

    it('reverts on the implementation itself', async function () {
      const implementation = await EHRv2.new({ from: admin });
      await expectRevert(implementation.initialize(admin, { from: admin }), EHRv2, 'InvalidInitialization', []);
    });

    it('reverts on the zero address as admin', async function () {
      const { instance } = await deployProxy(EHRv2, ERC1967Proxy, null, { from: admin });
      await expectRevert(instance.initialize(ZERO_ADDRESS, { from: admin }), EHRv2, 'EHRInvalidAdmin', [ZERO_ADDRESS]);
    });
  });

  describe('version', function () {
    it('is 2.0.0', async function () {
      const ehr = await loadFixture(deployBare);
      assert.strictEqual(await ehr.version(), '2.0.0');
    });
  });

  describe('ERC-7201 storage', function () {
    it("keeps the counters in the namespace ehr.storage.EHR of the proxy, not in the implementation's", async function () {
      const { ehr } = await loadFixture(deployWithClaim);
      const slot = erc7201Slot('ehr.storage.EHR');
      assert.strictEqual(slot, '0x22f049fc6a2feb0106e17a387202f8645094ac88a270faaace9a305e81763a00');
      const word = wordAt(await web3.eth.getStorageAt(ehr.address, slot));
      const field = (index) => String((word >> BigInt(32 * index)) & 0xffffffffn);
      assert.deepStrictEqual(
        [field(0), field(1), field(2), field(3)],
        ['7', '1', '1', '0'],
        'organisation, report, claim and emergency counts',
      );
      const implementation = await implementationOf(ehr.address);
      assert.strictEqual(wordAt(await web3.eth.getStorageAt(implementation, slot)), 0n);
    });
  });

  describe('upgradeToAndCall', function () {
    /** Every record of `ehr` that a view can show, as plain values. */
    async function snapshot(ehr) {
      const out = { organisations: [], reports: [], grants: [], prescriptions: [], dispensings: [] };
      for (let id = 1; id <= Number(await ehr.organisationCount()); ++id) {
        const { kind, name } = await ehr.organisation(id);
        out.organisations.push([String(kind), name]);
      }
      for (let id = 1; id <= Number(await ehr.reportCount()); ++id) {
        out.reports.push(fields(await ehr.report(id), REPORT_FIELDS));
        out.grants.push(strings(await ehr.reportHospitals(id)));
        for (const hospitalId of [1, 2, 3]) out.grants.push(pair(await ehr.treatmentGrant(id, hospitalId)));
        const list = await ehr.prescriptions(id);
        out.prescriptions.push(list.map((entry) => fields(entry, PRESCRIPTION_FIELDS)));
        for (let index = 0; index < list.length; ++index) {
          out.dispensings.push(fields(await ehr.dispensing(id, index), DISPENSING_FIELDS));
        }
      }
      out.claims = [];
      for (let id = 1; id <= Number(await ehr.claimCount()); ++id) {
        out.claims.push(fields(await ehr.claim(id), CLAIM_FIELDS));
      }
      out.emergencies = [];
      for (let id = 1; id <= Number(await ehr.emergencyCount()); ++id) {
        out.emergencies.push(fields(await ehr.emergency(id), EMERGENCY_FIELDS));
      }
      out.staff = [];
      for (const account of [doctorA, doctorB, pharmacist, insurer, patient]) {
        out.staff.push(strings(Object.values(await ehr.staffOf(account)).slice(0, 2)));
      }
      out.reportsOf = strings(await ehr.reportsOf(patient));
      out.emergencyOf = strings(Object.values(await ehr.emergencyOf(patient2, doctorB)).slice(0, 3));
      return out;
    }

    /** {deployWithReport} plus one of every record: a grant with an end, a revoke, dispensing, claims, emergencies. */
    async function deployWithHistory() {
      const { ehr } = await deployWithReport();
      const until = (await latestTime()) + 30 * DAY;
      await ehr.addReport(commitmentOf('report 2 envelope'), [1], 0, { from: patient2 });
      await ehr.shareReport(2, 3, until, { from: patient2 });
      await ehr.revokeReport(1, 2, { from: patient });
      await ehr.addPrescription(2, commitmentOf('report 2 prescription 0'), { from: doctorA });
      await ehr.sendPrescription(1, 0, 4, 0, { from: patient });
      await ehr.dispensePrescription(1, 0, { from: pharmacist });
      await ehr.sendPrescription(2, 0, 4, until, { from: patient2 });
      await ehr.fileClaim(1, 6, CLAIMED, { from: patient });
      await ehr.fileClaim(2, 6, 700, { from: patient2 });
      await ehr.approveClaim(1, 4000, NOTE, { from: insurer });
      await ehr.openEmergency(patient2, REASON_HASH, DAY, { from: doctorB });
      await ehr.openEmergency(patient, REASON_HASH, HOUR, { from: doctorB });
      await ehr.endEmergency(2, { from: patient });
      return { ehr, until };
    }

    it('lets the admin upgrade to EHRv2_1, which has the new function and version', async function () {
      const { ehr } = await loadFixture(deployWithHistory);
      const next = await EHRv2_1.new({ from: admin });
      const result = await ehr.upgradeToAndCall(next.address, '0x', { from: admin });
      expectEvent(result, 'Upgraded', { implementation: next.address });
      assert.strictEqual(await implementationOf(ehr.address), next.address);
      const upgraded = await EHRv2_1.at(ehr.address);
      assert.strictEqual(await upgraded.version(), '2.1.0');
      assert.strictEqual(await upgraded.hello(), 'hello from 2.1.0');
    });

    it('keeps every organisation, report, grant, prescription, dispensing, claim and emergency', async function () {
      const { ehr } = await loadFixture(deployWithHistory);
      const before = await snapshot(ehr);
      const next = await EHRv2_1.new({ from: admin });
      await ehr.upgradeToAndCall(next.address, '0x', { from: admin });
      const upgraded = await EHRv2_1.at(ehr.address);
      assert.deepStrictEqual(await snapshot(upgraded), before);
      assert.lengthOf(before.reports, 2);
      assert.lengthOf(before.claims, 2);
      assert.lengthOf(before.emergencies, 2);
    });

    it('keeps enforcing roles and ends after the upgrade, and keeps counting ids', async function () {
      const { ehr, until } = await loadFixture(deployWithHistory);
      const next = await EHRv2_1.new({ from: admin });
      await ehr.upgradeToAndCall(next.address, '0x', { from: admin });
      const upgraded = await EHRv2_1.at(ehr.address);
      assert.isTrue(await upgraded.hasRole(DEFAULT_ADMIN_ROLE, admin));
      await expectRevert(upgraded.addPrescription(1, randomCommitment(), { from: doctorB }), EHRv2_1, 'EHRGrantEnded', [
        1,
        2,
        (await upgraded.treatmentGrant(1, 2))[1],
      ]);
      assert.isTrue(await upgraded.canRead(2, doctorB), 'the emergency of doctorB on patient2 is live');
      await expectRevert(upgraded.approveClaim(1, 1, NOTE, { from: insurer }), EHRv2_1, 'EHRClaimAlreadyDecided', [
        1,
        Status.Approved,
        insurer,
        (await upgraded.claim(1)).decidedAt,
      ]);
      const added = await upgraded.addReport(randomCommitment(), [3], 0, { from: patient });
      assert.strictEqual(String(added.logs[0].args.reportId), '3');
      await increaseTimeTo(until);
      assert.isFalse(await upgraded.canRead(2, doctorB));
      assert.deepStrictEqual(pair(await upgraded.treatmentGrant(2, 3)), [false, String(until)]);
    });

    it('reverts when the caller is not the admin', async function () {
      const ehr = await loadFixture(deployV2);
      const next = await EHRv2_1.new({ from: admin });
      for (const account of [other, doctorA, patient]) {
        await expectRevert(
          ehr.upgradeToAndCall(next.address, '0x', { from: account }),
          EHRv2,
          'AccessControlUnauthorizedAccount',
          [account, DEFAULT_ADMIN_ROLE],
        );
      }
      assert.strictEqual(await ehr.version(), '2.0.0');
    });

    it('reverts on an implementation that is not UUPS (the first release)', async function () {
      const ehr = await loadFixture(deployV2);
      const v1 = await EHR.new({ from: admin });
      await expectRevert(
        ehr.upgradeToAndCall(v1.address, '0x', { from: admin }),
        EHRv2,
        'ERC1967InvalidImplementation',
        [v1.address],
      );
    });

    it('reverts when called on the implementation rather than the proxy', async function () {
      const ehr = await loadFixture(deployV2);
      const implementation = await EHRv2.at(await implementationOf(ehr.address));
      const next = await EHRv2_1.new({ from: admin });
      await expectRevert(
        implementation.upgradeToAndCall(next.address, '0x', { from: admin }),
        EHRv2,
        'UUPSUnauthorizedCallContext',
        [],
      );
    });
  });

  describe('addOrganisation', function () {
    let ehr;

    beforeEach(async function () {
      ehr = await loadFixture(deployBare);
    });

    it('returns ids counting from 1 across every kind, and stores kind and name', async function () {
      for (const [i, [kind, name]] of ORGANISATIONS.entries()) {
        assert.strictEqual(String(await ehr.addOrganisation.call(kind, name, { from: admin })), String(i + 1));
        await ehr.addOrganisation(kind, name, { from: admin });
      }
      assert.strictEqual(String(await ehr.organisationCount()), String(ORGANISATIONS.length));
      for (const [i, [kind, name]] of ORGANISATIONS.entries()) {
        const found = await ehr.organisation(i + 1);
        assert.deepStrictEqual([String(found.kind), found.name], [String(kind), name]);
      }
    });

    it('emits OrganisationAdded with the id, the kind, the admin and the name', async function () {
      await ehr.addOrganisation(Kind.Hospital, 'St. Mary Hospital', { from: admin });
      const result = await ehr.addOrganisation(Kind.Insurer, 'Star Health', { from: admin });
      expectEvent(result, 'OrganisationAdded', {
        organisationId: 2,
        kind: Kind.Insurer,
        admin,
        name: 'Star Health',
      });
    });

    it('reverts when the caller is not the admin', async function () {
      for (const account of [other, patient]) {
        await expectRevert(
          ehr.addOrganisation(Kind.Pharmacy, 'Corner Pharmacy', { from: account }),
          EHRv2,
          'AccessControlUnauthorizedAccount',
          [account, DEFAULT_ADMIN_ROLE],
        );
      }
    });

    it('reverts on an empty name', async function () {
      await expectRevert(
        ehr.addOrganisation(Kind.Hospital, '', { from: admin }),
        EHRv2,
        'EHREmptyOrganisationName',
        [],
      );
    });

    it('reverts on the kind None', async function () {
      await expectRevert(
        ehr.addOrganisation(Kind.None, 'Nobody', { from: admin }),
        EHRv2,
        'EHRInvalidOrganisationKind',
        [Kind.None],
      );
      assert.strictEqual(String(await ehr.organisationCount()), '0');
    });
  });

  describe('addStaff', function () {
    let ehr;

    beforeEach(async function () {
      ehr = await loadFixture(deployV2);
    });

    it('binds the account to the organisation with the role of its kind', async function () {
      for (const [organisationId, role] of [
        [3, DOCTOR_ROLE],
        [5, PHARMACIST_ROLE],
        [7, INSURER_ROLE],
      ]) {
        const account = web3.utils.toChecksumAddress(web3.utils.keccak256(`staff ${organisationId}`).slice(0, 42));
        await ehr.addStaff(account, organisationId, { from: admin });
        assert.isTrue(await ehr.hasRole(role, account));
        assert.deepStrictEqual(strings(Object.values(await ehr.staffOf(account)).slice(0, 2)), [
          String(organisationId),
          role,
        ]);
      }
    });

    it('emits RoleGranted, then StaffAdded with the account, the organisation, the role and the admin', async function () {
      const result = await ehr.addStaff(newcomer, 5, { from: admin });
      expectEvents(result, [
        ['RoleGranted', { role: PHARMACIST_ROLE, account: newcomer, sender: admin }],
        ['StaffAdded', { account: newcomer, organisationId: 5, role: PHARMACIST_ROLE, admin }],
      ]);
    });

    it('reverts when the caller is not the admin', async function () {
      for (const account of [other, doctorA]) {
        await expectRevert(ehr.addStaff(newcomer, 1, { from: account }), EHRv2, 'AccessControlUnauthorizedAccount', [
          account,
          DEFAULT_ADMIN_ROLE,
        ]);
      }
    });

    it('reverts on an unknown organisation', async function () {
      for (const organisationId of [0, 8]) {
        await expectRevert(ehr.addStaff(newcomer, organisationId, { from: admin }), EHRv2, 'EHRUnknownOrganisation', [
          organisationId,
        ]);
      }
    });

    it('reverts on the zero address, a patient, and staff of any organisation', async function () {
      for (const account of [ZERO_ADDRESS, patient, doctorA, pharmacist, insurer]) {
        await expectRevert(ehr.addStaff(account, 3, { from: admin }), EHRv2, 'EHRAccountHasRole', [account]);
      }
      assert.strictEqual(String((await ehr.staffOf(doctorA))[0]), '1');
    });
  });

  describe('removeStaff', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithClaim));
      await ehr.sendPrescription(1, 0, 4, 0, { from: patient });
    });

    it('revokes the role and unbinds the account', async function () {
      await ehr.removeStaff(doctorA, { from: admin });
      assert.isFalse(await ehr.hasRole(DOCTOR_ROLE, doctorA));
      assert.deepStrictEqual(strings(Object.values(await ehr.staffOf(doctorA)).slice(0, 2)), ['0', ZERO_BYTES32]);
    });

    it('emits RoleRevoked, then StaffRemoved with the account, the organisation, the role and the admin', async function () {
      const result = await ehr.removeStaff(pharmacist, { from: admin });
      expectEvents(result, [
        ['RoleRevoked', { role: PHARMACIST_ROLE, account: pharmacist, sender: admin }],
        ['StaffRemoved', { account: pharmacist, organisationId: 4, role: PHARMACIST_ROLE, sender: admin }],
      ]);
    });

    it('makes every doctor function refuse a removed doctor from that block on', async function () {
      await ehr.recordAccess(1, { from: doctorA });
      await ehr.removeStaff(doctorA, { from: admin });
      const refused = ['EHRNotStaff', [doctorA, DOCTOR_ROLE]];
      await expectRevert(ehr.addPrescription(1, randomCommitment(), { from: doctorA }), EHRv2, ...refused);
      await expectRevert(ehr.recordAccess(1, { from: doctorA }), EHRv2, ...refused);
      await expectRevert(ehr.openEmergency(patient, REASON_HASH, HOUR, { from: doctorA }), EHRv2, ...refused);
      assert.isFalse(await ehr.canRead(1, doctorA));
    });

    it('makes every pharmacist and insurer function refuse removed staff from that block on', async function () {
      await ehr.removeStaff(pharmacist, { from: admin });
      await ehr.removeStaff(insurer, { from: admin });
      await expectRevert(ehr.dispensePrescription(1, 0, { from: pharmacist }), EHRv2, 'EHRNotStaff', [
        pharmacist,
        PHARMACIST_ROLE,
      ]);
      await expectRevert(ehr.recordPrescriptionAccess(1, 0, { from: pharmacist }), EHRv2, 'EHRNotStaff', [
        pharmacist,
        PHARMACIST_ROLE,
      ]);
      for (const call of [
        () => ehr.approveClaim(1, 1, NOTE, { from: insurer }),
        () => ehr.rejectClaim(1, NOTE, { from: insurer }),
        () => ehr.recordClaimAccess(1, { from: insurer }),
      ]) {
        await expectRevert(call(), EHRv2, 'EHRNotStaff', [insurer, INSURER_ROLE]);
      }
      assert.isFalse(await ehr.canReadPrescription(1, 0, pharmacist));
      assert.isFalse(await ehr.canReadClaim(1, insurer));
    });

    it('lets the admin add a removed member again, to another organisation', async function () {
      await ehr.removeStaff(doctorA, { from: admin });
      await ehr.addStaff(doctorA, 3, { from: admin });
      assert.strictEqual(String((await ehr.staffOf(doctorA))[0]), '3');
      await expectRevert(ehr.recordAccess(1, { from: doctorA }), EHRv2, 'EHRNotGranted', [1, 3]);
      await ehr.shareReport(1, 3, 0, { from: patient });
      await ehr.recordAccess(1, { from: doctorA });
    });

    it('reverts when the caller is not the admin', async function () {
      await expectRevert(ehr.removeStaff(doctorA, { from: doctorB }), EHRv2, 'AccessControlUnauthorizedAccount', [
        doctorB,
        DEFAULT_ADMIN_ROLE,
      ]);
    });

    it('reverts on an account that is not staff', async function () {
      for (const account of [patient, newcomer, admin]) {
        await expectRevert(ehr.removeStaff(account, { from: admin }), EHRv2, 'EHRUnknownStaff', [account]);
      }
      await ehr.removeStaff(doctorA, { from: admin });
      await expectRevert(ehr.removeStaff(doctorA, { from: admin }), EHRv2, 'EHRUnknownStaff', [doctorA]);
    });
  });

  describe('grantRole, revokeRole and renounceRole on staff roles', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithReport));
    });

    it('refuses a staff role given without an organisation, or of another kind', async function () {
      for (const role of [DOCTOR_ROLE, PHARMACIST_ROLE, INSURER_ROLE]) {
        await expectRevert(ehr.grantRole(role, newcomer, { from: admin }), EHRv2, 'EHRStaffRoleNeedsOrganisation', [
          role,
          newcomer,
        ]);
      }
      await expectRevert(
        ehr.grantRole(PHARMACIST_ROLE, doctorA, { from: admin }),
        EHRv2,
        'EHRStaffRoleNeedsOrganisation',
        [PHARMACIST_ROLE, doctorA],
      );
    });

    it('lets revokeRole remove a staff member as removeStaff does', async function () {
      const result = await ehr.revokeRole(DOCTOR_ROLE, doctorA, { from: admin });
      expectEvents(result, [
        ['RoleRevoked', { role: DOCTOR_ROLE, account: doctorA, sender: admin }],
        ['StaffRemoved', { account: doctorA, organisationId: 1, role: DOCTOR_ROLE, sender: admin }],
      ]);
      await expectRevert(ehr.recordAccess(1, { from: doctorA }), EHRv2, 'EHRNotStaff', [doctorA, DOCTOR_ROLE]);
    });

    it('lets a staff member renounce its role, naming itself as the sender', async function () {
      const result = await ehr.renounceRole(DOCTOR_ROLE, doctorB, { from: doctorB });
      expectEvents(result, [
        ['RoleRevoked', { role: DOCTOR_ROLE, account: doctorB, sender: doctorB }],
        ['StaffRemoved', { account: doctorB, organisationId: 2, role: DOCTOR_ROLE, sender: doctorB }],
      ]);
      assert.strictEqual(String((await ehr.staffOf(doctorB))[0]), '0');
    });

    it('leaves other roles alone', async function () {
      const result = await ehr.grantRole(IMPORTER_ROLE, other, { from: admin });
      expectEvent(result, 'RoleGranted', { role: IMPORTER_ROLE, account: other, sender: admin });
      const revoked = await ehr.revokeRole(IMPORTER_ROLE, other, { from: admin });
      expectEvent(revoked, 'RoleRevoked', { role: IMPORTER_ROLE, account: other, sender: admin });
    });
  });

  describe('registerPatient', function () {
    let ehr;

    beforeEach(async function () {
      ehr = await loadFixture(deployV2);
    });

    it('registers the caller, and emits PatientRegistered', async function () {
      assert.isFalse(await ehr.isPatient(newcomer));
      const result = await ehr.registerPatient({ from: newcomer });
      expectEvent(result, 'PatientRegistered', { patient: newcomer });
      assert.isTrue(await ehr.isPatient(newcomer));
    });

    it('reverts when the caller is a patient or staff', async function () {
      for (const account of [patient, doctorA, pharmacist, insurer]) {
        await expectRevert(ehr.registerPatient({ from: account }), EHRv2, 'EHRAccountHasRole', [account]);
      }
    });

    it('accepts a removed staff member', async function () {
      await ehr.removeStaff(insurer, { from: admin });
      await ehr.registerPatient({ from: insurer });
      assert.isTrue(await ehr.isPatient(insurer));
    });
  });

  describe('addReport', function () {
    let ehr;

    beforeEach(async function () {
      ehr = await loadFixture(deployV2);
    });

    it('returns report ids counting from 1, across patients', async function () {
      assert.strictEqual(String(await ehr.addReport.call(randomCommitment(), [1], 0, { from: patient })), '1');
      await ehr.addReport(randomCommitment(), [1], 0, { from: patient });
      assert.strictEqual(String(await ehr.addReport.call(randomCommitment(), [], 0, { from: patient2 })), '2');
    });

    it('stores the patient, the commitment and the block timestamp', async function () {
      const commitment = commitmentOf('a blood test');
      const result = await ehr.addReport(commitment, [2], 0, { from: patient });
      assert.deepStrictEqual(fields(await ehr.report(1), REPORT_FIELDS), {
        patient,
        commitment,
        createdAt: String(await timestampOf(result)),
        prescriptionCount: '0',
      });
    });

    it('emits ReportAdded, then ReportShared without end for each hospital in the order given', async function () {
      const commitment = randomCommitment();
      const result = await ehr.addReport(commitment, [3, 1], 0, { from: patient });
      expectEvents(result, [
        ['ReportAdded', { reportId: 1, patient, commitment }],
        ['ReportShared', { reportId: 1, hospitalId: 3, patient, until: 0 }],
        ['ReportShared', { reportId: 1, hospitalId: 1, patient, until: 0 }],
      ]);
    });

    it('grants the listed hospitals without end, and only them', async function () {
      await ehr.addReport(randomCommitment(), [3, 1], 0, { from: patient });
      assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['1', '3']);
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 1)), [true, '0']);
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 2)), [false, '0']);
    });

    it('accepts an empty list of hospitals', async function () {
      const commitment = randomCommitment();
      const result = await ehr.addReport(commitment, [], 0, { from: patient });
      expectEvent(result, 'ReportAdded', { reportId: 1, patient, commitment });
    });

    it('grants every listed hospital until `until`, in the same transaction, and the grants end then', async function () {
      const until = (await latestTime()) + DAY;
      const commitment = randomCommitment();
      const result = await ehr.addReport(commitment, [3, 1], until, { from: patient });
      expectEvents(result, [
        ['ReportAdded', { reportId: 1, patient, commitment }],
        ['ReportShared', { reportId: 1, hospitalId: 3, patient, until }],
        ['ReportShared', { reportId: 1, hospitalId: 1, patient, until }],
      ]);
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 1)), [true, String(until)]);
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 3)), [true, String(until)]);
      await increaseTimeTo(until);
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 1)), [false, String(until)]);
      assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), []);
      await expectRevert(ehr.addPrescription(1, randomCommitment(), { from: doctorA }), EHRv2, 'EHRGrantEnded', [1, 1, until]);
    });

    it('reverts when `until` is not later than the block time, even with no hospital', async function () {
      const now = await latestTime();
      for (const hospitalIds of [[1], []]) {
        await expectRevert(ehr.addReport(randomCommitment(), hospitalIds, now, { from: patient }), EHRv2, 'EHRInvalidEnd', [now]);
      }
      assert.strictEqual(String(await ehr.reportCount()), '0');
    });

    it('reverts when the caller is not a patient', async function () {
      for (const account of [newcomer, doctorA, admin]) {
        await expectRevert(ehr.addReport(randomCommitment(), [1], 0, { from: account }), EHRv2, 'EHRNotPatient', [
          account,
        ]);
      }
    });

    it('reverts on a zero commitment', async function () {
      await expectRevert(ehr.addReport(ZERO_BYTES32, [1], 0, { from: patient }), EHRv2, 'EHREmptyCommitment', []);
    });

    it('reverts on an unknown organisation', async function () {
      for (const id of [0, 8]) {
        await expectRevert(
          ehr.addReport(randomCommitment(), [1, id], 0, { from: patient }),
          EHRv2,
          'EHRUnknownOrganisation',
          [id],
        );
      }
    });

    it('reverts on an organisation that is not a hospital', async function () {
      await expectRevert(ehr.addReport(randomCommitment(), [4], 0, { from: patient }), EHRv2, 'EHRWrongOrganisationKind', [
        4,
        Kind.Hospital,
        Kind.Pharmacy,
      ]);
      await expectRevert(ehr.addReport(randomCommitment(), [6], 0, { from: patient }), EHRv2, 'EHRWrongOrganisationKind', [
        6,
        Kind.Hospital,
        Kind.Insurer,
      ]);
    });

    it('reverts when a hospital is listed twice', async function () {
      await expectRevert(
        ehr.addReport(randomCommitment(), [2, 1, 2], 0, { from: patient }),
        EHRv2,
        'EHRAlreadyGranted',
        [1, 2],
      );
      assert.strictEqual(String(await ehr.reportCount()), '0');
    });
  });

  describe('shareReport', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithReport));
    });

    it('grants the hospital without end', async function () {
      const result = await ehr.shareReport(1, 3, 0, { from: patient });
      expectEvent(result, 'ReportShared', { reportId: 1, hospitalId: 3, patient, until: 0 });
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 3)), [true, '0']);
      assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['1', '2', '3']);
    });

    it('grants the hospital until an end, after which reads and prescriptions are refused', async function () {
      const until = (await latestTime()) + DAY;
      const result = await ehr.shareReport(1, 3, until, { from: patient });
      expectEvent(result, 'ReportShared', { reportId: 1, hospitalId: 3, patient, until });
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 3)), [true, String(until)]);
      await ehr.addStaff(newcomer, 3, { from: admin });
      await ehr.addPrescription(1, randomCommitment(), { from: newcomer });
      assert.isTrue(await ehr.canRead(1, newcomer));

      await increaseTimeTo(until);
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 3)), [false, String(until)]);
      assert.isFalse(await ehr.canRead(1, newcomer));
      assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['1', '2']);
      await expectRevert(ehr.addPrescription(1, randomCommitment(), { from: newcomer }), EHRv2, 'EHRGrantEnded', [
        1,
        3,
        until,
      ]);
      await expectRevert(ehr.recordAccess(1, { from: newcomer }), EHRv2, 'EHRGrantEnded', [1, 3, until]);
    });

    it('sets a new end when granting again: shorter, longer, none, and after the grant ended', async function () {
      const now = await latestTime();
      for (const until of [now + 2 * DAY, now + HOUR, 0, now + DAY]) {
        await ehr.shareReport(1, 2, until, { from: patient });
        assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 2)), [true, String(until)]);
      }
      await increaseTime(DAY + 1);
      assert.isFalse((await ehr.treatmentGrant(1, 2))[0]);
      const until = (await latestTime()) + DAY;
      await ehr.shareReport(1, 2, until, { from: patient });
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 2)), [true, String(until)]);
      await ehr.revokeReport(1, 2, { from: patient });
      await ehr.shareReport(1, 2, 0, { from: patient });
      await ehr.recordAccess(1, { from: doctorB });
    });

    it('reverts on an end that is not in the future, or too large', async function () {
      const past = (await latestTime()) - 1;
      for (const until of [1, past, MAX_UINT40, (2n ** 256n - 1n).toString()]) {
        await expectRevert(ehr.shareReport(1, 3, until, { from: patient }), EHRv2, 'EHRInvalidEnd', [until]);
      }
    });

    it('reverts on an organisation that is not a hospital', async function () {
      await expectRevert(ehr.shareReport(1, 7, 0, { from: patient }), EHRv2, 'EHRWrongOrganisationKind', [
        7,
        Kind.Hospital,
        Kind.Insurer,
      ]);
      await expectRevert(ehr.shareReport(1, 8, 0, { from: patient }), EHRv2, 'EHRUnknownOrganisation', [8]);
    });

    it('reverts when the caller does not own the report', async function () {
      for (const account of [patient2, doctorA, admin]) {
        await expectRevert(ehr.shareReport(1, 3, 0, { from: account }), EHRv2, 'EHRNotReportOwner', [1, account]);
      }
    });

    it('reverts on an unknown report', async function () {
      for (const reportId of [0, 2]) {
        await expectRevert(ehr.shareReport(reportId, 3, 0, { from: patient }), EHRv2, 'EHRUnknownReport', [reportId]);
      }
    });
  });

  describe('revokeReport', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithReport));
    });

    it('ends the grant of that hospital now, and tells when', async function () {
      const result = await ehr.revokeReport(1, 1, { from: patient });
      expectEvent(result, 'ReportRevoked', { reportId: 1, hospitalId: 1, patient });
      const endedAt = await timestampOf(result);
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 1)), [false, String(endedAt)]);
      assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['2']);
      await expectRevert(ehr.recordAccess(1, { from: doctorA }), EHRv2, 'EHRGrantEnded', [1, 1, endedAt]);
      await ehr.recordAccess(1, { from: doctorB });
    });

    it('keeps the prescriptions written before', async function () {
      await ehr.revokeReport(1, 1, { from: patient });
      const list = await ehr.prescriptions(1);
      assert.lengthOf(list, 1);
      assert.strictEqual(list[0].commitment, PRESCRIPTION_COMMITMENT);
    });

    it('reverts on a hospital never granted', async function () {
      await expectRevert(ehr.revokeReport(1, 3, { from: patient }), EHRv2, 'EHRNotGranted', [1, 3]);
    });

    it('reverts on a grant already revoked or expired', async function () {
      const revoked = await ehr.revokeReport(1, 1, { from: patient });
      await expectRevert(ehr.revokeReport(1, 1, { from: patient }), EHRv2, 'EHRGrantEnded', [
        1,
        1,
        await timestampOf(revoked),
      ]);
      const until = (await latestTime()) + HOUR;
      await ehr.shareReport(1, 3, until, { from: patient });
      await increaseTime(HOUR + 1);
      await expectRevert(ehr.revokeReport(1, 3, { from: patient }), EHRv2, 'EHRGrantEnded', [1, 3, until]);
    });

    it('reverts when the caller does not own the report, or on an unknown report', async function () {
      await expectRevert(ehr.revokeReport(1, 1, { from: patient2 }), EHRv2, 'EHRNotReportOwner', [1, patient2]);
      await expectRevert(ehr.revokeReport(2, 1, { from: patient }), EHRv2, 'EHRUnknownReport', [2]);
    });
  });

  describe('addPrescription', function () {
    let ehr;
    let prescribed;

    beforeEach(async function () {
      ({ ehr, prescribed } = await loadFixture(deployWithReport));
    });

    it('returns indexes counting from 0 within the report', async function () {
      assert.strictEqual(String(await ehr.addPrescription.call(1, randomCommitment(), { from: doctorB })), '1');
    });

    it('stores the doctor, the hospital, the commitment and the block timestamp', async function () {
      assert.deepStrictEqual(
        (await ehr.prescriptions(1)).map((entry) => fields(entry, PRESCRIPTION_FIELDS)),
        [
          {
            doctor: doctorA,
            hospitalId: '1',
            commitment: PRESCRIPTION_COMMITMENT,
            createdAt: String(await timestampOf(prescribed)),
          },
        ],
      );
      assert.strictEqual(String((await ehr.report(1)).prescriptionCount), '1');
    });

    it('emits PrescriptionAdded', async function () {
      const commitment = randomCommitment();
      const result = await ehr.addPrescription(1, commitment, { from: doctorB });
      expectEvent(result, 'PrescriptionAdded', { reportId: 1, doctor: doctorB, hospitalId: 2, index: 1, commitment });
    });

    it('reverts when the caller is not a doctor', async function () {
      for (const account of [pharmacist, insurer, patient, admin]) {
        await expectRevert(ehr.addPrescription(1, randomCommitment(), { from: account }), EHRv2, 'EHRNotStaff', [
          account,
          DOCTOR_ROLE,
        ]);
      }
    });

    it('reverts on an unknown report', async function () {
      await expectRevert(ehr.addPrescription(2, randomCommitment(), { from: doctorA }), EHRv2, 'EHRUnknownReport', [2]);
    });

    it('reverts when the hospital holds no grant, even with a live emergency access', async function () {
      await ehr.addReport(randomCommitment(), [1], 0, { from: patient2 });
      await ehr.openEmergency(patient2, REASON_HASH, HOUR, { from: doctorB });
      assert.isTrue(await ehr.canRead(2, doctorB));
      await expectRevert(ehr.addPrescription(2, randomCommitment(), { from: doctorB }), EHRv2, 'EHRNotGranted', [2, 2]);
    });

    it('reverts on a zero commitment', async function () {
      await expectRevert(ehr.addPrescription(1, ZERO_BYTES32, { from: doctorA }), EHRv2, 'EHREmptyCommitment', []);
    });
  });

  describe('recordAccess', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithTwoReports));
    });

    it('emits ReportAccessed for treatment when the hospital holds a live grant', async function () {
      const result = await ehr.recordAccess(1, { from: doctorB });
      expectEvent(result, 'ReportAccessed', {
        reportId: 1,
        patient,
        reader: doctorB,
        organisationId: 2,
        purpose: Purpose.Treatment,
        ref: 0,
      });
    });

    it('emits ReportAccessed for an emergency, naming it, when only a break-glass access is live', async function () {
      await ehr.openEmergency(patient, REASON_HASH, HOUR, { from: doctorB });
      const result = await ehr.recordAccess(2, { from: doctorB });
      expectEvent(result, 'ReportAccessed', {
        reportId: 2,
        patient,
        reader: doctorB,
        organisationId: 2,
        purpose: Purpose.Emergency,
        ref: 1,
      });
    });

    it('reverts when the caller is not a doctor', async function () {
      await expectRevert(ehr.recordAccess(1, { from: pharmacist }), EHRv2, 'EHRNotStaff', [pharmacist, DOCTOR_ROLE]);
    });

    it('reverts on an unknown report, or one the doctor may not read', async function () {
      await expectRevert(ehr.recordAccess(3, { from: doctorA }), EHRv2, 'EHRUnknownReport', [3]);
      await expectRevert(ehr.recordAccess(2, { from: doctorA }), EHRv2, 'EHRNotGranted', [2, 1]);
    });
  });

  describe('openEmergency', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithTwoReports));
    });

    it('returns emergency ids counting from 1', async function () {
      assert.strictEqual(String(await ehr.openEmergency.call(patient, REASON_HASH, HOUR, { from: doctorA })), '1');
      await ehr.openEmergency(patient, REASON_HASH, HOUR, { from: doctorA });
      assert.strictEqual(String(await ehr.openEmergency.call(patient2, REASON_HASH, HOUR, { from: doctorA })), '2');
    });

    it('stores the doctor, the patient, the hospital, the start, the end and the reason hash, and emits EmergencyOpened', async function () {
      const result = await ehr.openEmergency(patient, REASON_HASH, 24 * HOUR, { from: doctorB });
      const start = await timestampOf(result);
      const end = start + 24 * HOUR;
      expectEvent(result, 'EmergencyOpened', {
        emergencyId: 1,
        patient,
        doctor: doctorB,
        hospitalId: 2,
        start,
        end,
        reasonHash: REASON_HASH,
      });
      assert.deepStrictEqual(fields(await ehr.emergency(1), EMERGENCY_FIELDS), {
        doctor: doctorB,
        patient,
        hospitalId: '2',
        start: String(start),
        end: String(end),
        reasonHash: REASON_HASH,
      });
      assert.deepStrictEqual(strings(Object.values(await ehr.emergencyOf(patient, doctorB)).slice(0, 3)), [
        '1',
        String(end),
        'true',
      ]);
      assert.strictEqual(String(await ehr.emergencyCount()), '1');
    });

    it("lets the doctor read every report of that patient until the end, and no one else's", async function () {
      await ehr.addReport(randomCommitment(), [], 0, { from: patient2 });
      const result = await ehr.openEmergency(patient, REASON_HASH, HOUR, { from: doctorA });
      const end = (await timestampOf(result)) + HOUR;
      assert.isTrue(await ehr.canRead(2, doctorA));
      assert.isFalse(await ehr.canRead(3, doctorA));
      assert.isFalse(await ehr.canRead(2, doctorB));
      await ehr.recordAccess(2, { from: doctorA });
      await increaseTimeTo(end);
      assert.isFalse(await ehr.canRead(2, doctorA));
      assert.isFalse((await ehr.emergencyOf(patient, doctorA)).live);
      await expectRevert(ehr.recordAccess(2, { from: doctorA }), EHRv2, 'EHRNotGranted', [2, 1]);
    });

    it('accepts the longest duration, and a new emergency once the previous one ended', async function () {
      await ehr.openEmergency(patient, REASON_HASH, MAX_EMERGENCY_DURATION, { from: doctorA });
      await increaseTime(MAX_EMERGENCY_DURATION);
      const result = await ehr.openEmergency(patient, REASON_HASH, HOUR, { from: doctorA });
      assert.strictEqual(String(result.logs[0].args.emergencyId), '2');
      assert.strictEqual(String((await ehr.emergencyOf(patient, doctorA)).emergencyId), '2');
    });

    it('reverts when the caller is not a doctor', async function () {
      for (const account of [pharmacist, insurer, patient2]) {
        await expectRevert(ehr.openEmergency(patient, REASON_HASH, HOUR, { from: account }), EHRv2, 'EHRNotStaff', [
          account,
          DOCTOR_ROLE,
        ]);
      }
    });

    it('reverts when the account is not a patient', async function () {
      for (const account of [newcomer, doctorB, ZERO_ADDRESS]) {
        await expectRevert(ehr.openEmergency(account, REASON_HASH, HOUR, { from: doctorA }), EHRv2, 'EHRNotPatient', [
          account,
        ]);
      }
    });

    it('reverts on a zero reason hash', async function () {
      await expectRevert(
        ehr.openEmergency(patient, ZERO_BYTES32, HOUR, { from: doctorA }),
        EHRv2,
        'EHREmptyReason',
        [],
      );
    });

    it('reverts on a duration of 0 or more than 7 days', async function () {
      for (const duration of [0, MAX_EMERGENCY_DURATION + 1]) {
        await expectRevert(
          ehr.openEmergency(patient, REASON_HASH, duration, { from: doctorA }),
          EHRv2,
          'EHRInvalidDuration',
          [duration, MAX_EMERGENCY_DURATION],
        );
      }
    });

    it('reverts while the same doctor holds a live emergency on the same patient', async function () {
      const result = await ehr.openEmergency(patient, REASON_HASH, HOUR, { from: doctorA });
      const end = (await timestampOf(result)) + HOUR;
      await expectRevert(
        ehr.openEmergency(patient, REASON_HASH, DAY, { from: doctorA }),
        EHRv2,
        'EHREmergencyAlreadyOpen',
        [1, end],
      );
      await ehr.openEmergency(patient, REASON_HASH, HOUR, { from: doctorB });
      await ehr.openEmergency(patient2, REASON_HASH, HOUR, { from: doctorA });
    });
  });

  describe('endEmergency', function () {
    let ehr;
    let opened;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithTwoReports));
      opened = await ehr.openEmergency(patient, REASON_HASH, DAY, { from: doctorB });
    });

    it('ends the access now, and emits EmergencyEnded', async function () {
      const start = await timestampOf(opened);
      const result = await ehr.endEmergency(1, { from: patient });
      const end = await timestampOf(result);
      expectEvent(result, 'EmergencyEnded', {
        emergencyId: 1,
        patient,
        doctor: doctorB,
        hospitalId: 2,
        start,
        end,
        reasonHash: REASON_HASH,
      });
      assert.strictEqual(String((await ehr.emergency(1)).end), String(end));
      assert.deepStrictEqual(strings(Object.values(await ehr.emergencyOf(patient, doctorB)).slice(0, 3)), [
        '1',
        String(end),
        'false',
      ]);
      assert.isFalse(await ehr.canRead(2, doctorB));
      await expectRevert(ehr.recordAccess(2, { from: doctorB }), EHRv2, 'EHRNotGranted', [2, 2]);
      await ehr.recordAccess(1, { from: doctorB }); // its treatment grant stays
    });

    it('reverts on an unknown emergency', async function () {
      for (const id of [0, 2]) {
        await expectRevert(ehr.endEmergency(id, { from: patient }), EHRv2, 'EHRUnknownEmergency', [id]);
      }
    });

    it('reverts when the caller is not its patient', async function () {
      for (const account of [patient2, doctorB, admin]) {
        await expectRevert(ehr.endEmergency(1, { from: account }), EHRv2, 'EHRNotEmergencyPatient', [1, account]);
      }
    });

    it('reverts on an emergency already ended, early or at its end', async function () {
      const ended = await ehr.endEmergency(1, { from: patient });
      await expectRevert(ehr.endEmergency(1, { from: patient }), EHRv2, 'EHREmergencyEnded', [
        1,
        await timestampOf(ended),
      ]);
      const second = await ehr.openEmergency(patient, REASON_HASH, HOUR, { from: doctorB });
      const end = (await timestampOf(second)) + HOUR;
      await increaseTimeTo(end);
      await expectRevert(ehr.endEmergency(2, { from: patient }), EHRv2, 'EHREmergencyEnded', [2, end]);
    });
  });

  describe('sendPrescription', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithReport));
    });

    it('grants the pharmacy that prescription, not the report, and emits PrescriptionSent', async function () {
      const result = await ehr.sendPrescription(1, 0, 4, 0, { from: patient });
      expectEvent(result, 'PrescriptionSent', { reportId: 1, pharmacyId: 4, patient, index: 0, until: 0 });
      assert.deepStrictEqual(fields(await ehr.dispensing(1, 0), DISPENSING_FIELDS), {
        pharmacyId: '4',
        live: true,
        until: '0',
        pharmacist: ZERO_ADDRESS,
        dispensedPharmacyId: '0',
        dispensedAt: '0',
      });
      assert.isTrue(await ehr.canReadPrescription(1, 0, pharmacist));
      assert.isFalse(await ehr.canRead(1, pharmacist));
    });

    it('grants until an end, after which the pharmacy is refused', async function () {
      const until = (await latestTime()) + DAY;
      const result = await ehr.sendPrescription(1, 0, 4, until, { from: patient });
      expectEvent(result, 'PrescriptionSent', { reportId: 1, pharmacyId: 4, patient, index: 0, until });
      await increaseTimeTo(until);
      assert.isFalse(await ehr.canReadPrescription(1, 0, pharmacist));
      assert.isFalse((await ehr.dispensing(1, 0)).live);
      await expectRevert(ehr.dispensePrescription(1, 0, { from: pharmacist }), EHRv2, 'EHRGrantEnded', [1, 4, until]);
    });

    it('replaces the grant when sent again, to another pharmacy', async function () {
      await ehr.sendPrescription(1, 0, 4, 0, { from: patient });
      await ehr.addStaff(other, 5, { from: admin });
      await ehr.sendPrescription(1, 0, 5, 0, { from: patient });
      assert.isTrue(await ehr.canReadPrescription(1, 0, other));
      assert.isFalse(await ehr.canReadPrescription(1, 0, pharmacist));
      await expectRevert(ehr.dispensePrescription(1, 0, { from: pharmacist }), EHRv2, 'EHRNotGranted', [1, 4]);
    });

    it('reverts on a dispensed prescription, naming the dispensing', async function () {
      await ehr.sendPrescription(1, 0, 4, 0, { from: patient });
      const done = await ehr.dispensePrescription(1, 0, { from: pharmacist });
      await expectRevert(ehr.sendPrescription(1, 0, 5, 0, { from: patient }), EHRv2, 'EHRAlreadyDispensed', [
        1,
        0,
        pharmacist,
        4,
        await timestampOf(done),
      ]);
    });

    it('reverts on an organisation that is not a pharmacy', async function () {
      await expectRevert(ehr.sendPrescription(1, 0, 1, 0, { from: patient }), EHRv2, 'EHRWrongOrganisationKind', [
        1,
        Kind.Pharmacy,
        Kind.Hospital,
      ]);
      await expectRevert(ehr.sendPrescription(1, 0, 0, 0, { from: patient }), EHRv2, 'EHRUnknownOrganisation', [0]);
    });

    it('reverts on an end in the past', async function () {
      const past = (await latestTime()) - 1;
      await expectRevert(ehr.sendPrescription(1, 0, 4, past, { from: patient }), EHRv2, 'EHRInvalidEnd', [past]);
    });

    it('reverts when the caller does not own the report, or on an unknown report or prescription', async function () {
      await expectRevert(ehr.sendPrescription(1, 0, 4, 0, { from: patient2 }), EHRv2, 'EHRNotReportOwner', [
        1,
        patient2,
      ]);
      await expectRevert(ehr.sendPrescription(2, 0, 4, 0, { from: patient }), EHRv2, 'EHRUnknownReport', [2]);
      await expectRevert(ehr.sendPrescription(1, 1, 4, 0, { from: patient }), EHRv2, 'EHRUnknownPrescription', [1, 1]);
    });
  });

  describe('withdrawPrescription', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithSentPrescription));
    });

    it('ends the dispensing grant now, and emits PrescriptionWithdrawn', async function () {
      const result = await ehr.withdrawPrescription(1, 0, { from: patient });
      expectEvent(result, 'PrescriptionWithdrawn', { reportId: 1, pharmacyId: 4, patient, index: 0 });
      const endedAt = await timestampOf(result);
      const view = await ehr.dispensing(1, 0);
      assert.deepStrictEqual([view.live, String(view.until)], [false, String(endedAt)]);
      await expectRevert(ehr.recordPrescriptionAccess(1, 0, { from: pharmacist }), EHRv2, 'EHRGrantEnded', [
        1,
        4,
        endedAt,
      ]);
      await expectRevert(ehr.withdrawPrescription(1, 0, { from: patient }), EHRv2, 'EHRGrantEnded', [1, 4, endedAt]);
    });

    it('reverts on a prescription never sent', async function () {
      await ehr.addPrescription(1, randomCommitment(), { from: doctorB });
      await expectRevert(ehr.withdrawPrescription(1, 1, { from: patient }), EHRv2, 'EHRNotGranted', [1, 0]);
    });

    it('reverts when the caller does not own the report, or on an unknown prescription', async function () {
      await expectRevert(ehr.withdrawPrescription(1, 0, { from: pharmacist }), EHRv2, 'EHRNotReportOwner', [
        1,
        pharmacist,
      ]);
      await expectRevert(ehr.withdrawPrescription(1, 3, { from: patient }), EHRv2, 'EHRUnknownPrescription', [1, 3]);
    });
  });

  describe('recordPrescriptionAccess', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithSentPrescription));
    });

    it('emits ReportAccessed for dispensing, naming the prescription', async function () {
      const result = await ehr.recordPrescriptionAccess(1, 0, { from: pharmacist });
      expectEvent(result, 'ReportAccessed', {
        reportId: 1,
        patient,
        reader: pharmacist,
        organisationId: 4,
        purpose: Purpose.Dispensing,
        ref: 0,
      });
    });

    it('reverts when the caller is not a pharmacist', async function () {
      for (const account of [doctorA, insurer, patient]) {
        await expectRevert(ehr.recordPrescriptionAccess(1, 0, { from: account }), EHRv2, 'EHRNotStaff', [
          account,
          PHARMACIST_ROLE,
        ]);
      }
    });

    it('reverts for a pharmacy that was not sent the prescription, or on what it cannot know', async function () {
      await ehr.addStaff(other, 5, { from: admin });
      await expectRevert(ehr.recordPrescriptionAccess(1, 0, { from: other }), EHRv2, 'EHRNotGranted', [1, 5]);
      await expectRevert(ehr.recordPrescriptionAccess(1, 1, { from: pharmacist }), EHRv2, 'EHRNotGranted', [1, 4]);
      await expectRevert(ehr.recordPrescriptionAccess(9, 0, { from: pharmacist }), EHRv2, 'EHRNotGranted', [9, 4]);
    });
  });

  describe('dispensePrescription', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithSentPrescription));
    });

    it('records the pharmacist, its pharmacy and the time, and emits PrescriptionDispensed', async function () {
      const result = await ehr.dispensePrescription(1, 0, { from: pharmacist });
      expectEvent(result, 'PrescriptionDispensed', { reportId: 1, pharmacyId: 4, pharmacist, index: 0 });
      assert.deepStrictEqual(fields(await ehr.dispensing(1, 0), DISPENSING_FIELDS), {
        pharmacyId: '4',
        live: true,
        until: '0',
        pharmacist,
        dispensedPharmacyId: '4',
        dispensedAt: String(await timestampOf(result)),
      });
    });

    it('reverts on a second dispensing, by anyone, naming the first', async function () {
      const done = await ehr.dispensePrescription(1, 0, { from: pharmacist });
      const first = [1, 0, pharmacist, 4, await timestampOf(done)];
      await expectRevert(ehr.dispensePrescription(1, 0, { from: pharmacist }), EHRv2, 'EHRAlreadyDispensed', first);
      await ehr.addStaff(other, 4, { from: admin });
      await expectRevert(ehr.dispensePrescription(1, 0, { from: other }), EHRv2, 'EHRAlreadyDispensed', first);
    });

    it('reverts when the caller is not a pharmacist', async function () {
      await expectRevert(ehr.dispensePrescription(1, 0, { from: doctorA }), EHRv2, 'EHRNotStaff', [
        doctorA,
        PHARMACIST_ROLE,
      ]);
    });

    it('reverts for a pharmacy without a live grant on the prescription', async function () {
      await ehr.addStaff(other, 5, { from: admin });
      await expectRevert(ehr.dispensePrescription(1, 0, { from: other }), EHRv2, 'EHRNotGranted', [1, 5]);
      const withdrawn = await ehr.withdrawPrescription(1, 0, { from: patient });
      await expectRevert(ehr.dispensePrescription(1, 0, { from: pharmacist }), EHRv2, 'EHRGrantEnded', [
        1,
        4,
        await timestampOf(withdrawn),
      ]);
    });
  });

  describe('fileClaim', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithReport));
    });

    it('returns claim ids counting from 1', async function () {
      assert.strictEqual(String(await ehr.fileClaim.call(1, 6, CLAIMED, { from: patient })), '1');
      await ehr.fileClaim(1, 6, CLAIMED, { from: patient });
      assert.strictEqual(String(await ehr.fileClaim.call(1, 7, CLAIMED, { from: patient })), '2');
    });

    it('stores an open claim, grants its insurer for payment, and emits ClaimFiled', async function () {
      const result = await ehr.fileClaim(1, 6, CLAIMED, { from: patient });
      expectEvent(result, 'ClaimFiled', { claimId: 1, reportId: 1, insurerId: 6, patient, amount: CLAIMED });
      assert.deepStrictEqual(fields(await ehr.claim(1), CLAIM_FIELDS), {
        reportId: '1',
        patient,
        insurerId: '6',
        amount: String(CLAIMED),
        filedAt: String(await timestampOf(result)),
        status: String(Status.Open),
        approvedAmount: '0',
        decidedBy: ZERO_ADDRESS,
        decidedAt: '0',
      });
      assert.isTrue(await ehr.canReadClaim(1, insurer));
      assert.isFalse(await ehr.canRead(1, insurer), 'an insurer reads through its claim');
      assert.strictEqual(String(await ehr.claimCount()), '1');
    });

    it('accepts the largest amount', async function () {
      await ehr.fileClaim(1, 6, MAX_AMOUNT, { from: patient });
      assert.strictEqual(String((await ehr.claim(1)).amount), MAX_AMOUNT);
    });

    it('reverts on an amount of 0 or too large', async function () {
      const tooLarge = (2n ** 48n).toString();
      for (const amount of [0, tooLarge]) {
        await expectRevert(ehr.fileClaim(1, 6, amount, { from: patient }), EHRv2, 'EHRInvalidAmount', [amount]);
      }
    });

    it('reverts on an organisation that is not an insurer', async function () {
      await expectRevert(ehr.fileClaim(1, 4, CLAIMED, { from: patient }), EHRv2, 'EHRWrongOrganisationKind', [
        4,
        Kind.Insurer,
        Kind.Pharmacy,
      ]);
      await expectRevert(ehr.fileClaim(1, 8, CLAIMED, { from: patient }), EHRv2, 'EHRUnknownOrganisation', [8]);
    });

    it('reverts when the caller does not own the report, or on an unknown report', async function () {
      await expectRevert(ehr.fileClaim(1, 6, CLAIMED, { from: insurer }), EHRv2, 'EHRNotReportOwner', [1, insurer]);
      await expectRevert(ehr.fileClaim(2, 6, CLAIMED, { from: patient }), EHRv2, 'EHRUnknownReport', [2]);
    });
  });

  describe('recordClaimAccess', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithClaim));
    });

    it('emits ReportAccessed for payment, naming the claim', async function () {
      const result = await ehr.recordClaimAccess(1, { from: insurer });
      expectEvent(result, 'ReportAccessed', {
        reportId: 1,
        patient,
        reader: insurer,
        organisationId: 6,
        purpose: Purpose.Payment,
        ref: 1,
      });
    });

    it('reverts when the caller is not insurer staff, or of another insurer', async function () {
      await expectRevert(ehr.recordClaimAccess(1, { from: doctorA }), EHRv2, 'EHRNotStaff', [doctorA, INSURER_ROLE]);
      await ehr.addStaff(other, 7, { from: admin });
      await expectRevert(ehr.recordClaimAccess(1, { from: other }), EHRv2, 'EHRNotClaimInsurer', [1, 6, other]);
    });

    it('reverts on an unknown claim', async function () {
      for (const id of [0, 2]) {
        await expectRevert(ehr.recordClaimAccess(id, { from: insurer }), EHRv2, 'EHRUnknownClaim', [id]);
      }
    });

    it('reverts once the claim is decided: the payment grant ended', async function () {
      const decided = await ehr.rejectClaim(1, NOTE, { from: insurer });
      await expectRevert(ehr.recordClaimAccess(1, { from: insurer }), EHRv2, 'EHRClaimAlreadyDecided', [
        1,
        Status.Rejected,
        insurer,
        await timestampOf(decided),
      ]);
    });
  });

  describe('approveClaim', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithClaim));
    });

    it('records the approval, ends the payment grant, and emits ClaimDecided', async function () {
      const result = await ehr.approveClaim(1, 4000, NOTE, { from: insurer });
      await expectClaimDecided(ehr, result, Status.Approved, 4000, NOTE);
    });

    it('accepts the claimed amount and no note', async function () {
      const result = await ehr.approveClaim(1, CLAIMED, ZERO_BYTES32, { from: insurer });
      expectEvent(result, 'ClaimDecided', {
        claimId: 1,
        insurerId: 6,
        decidedBy: insurer,
        status: Status.Approved,
        approvedAmount: CLAIMED,
        noteCommitment: ZERO_BYTES32,
      });
    });

    it('reverts on an amount of 0 or above the claimed one', async function () {
      await expectRevert(ehr.approveClaim(1, 0, NOTE, { from: insurer }), EHRv2, 'EHRInvalidAmount', [0]);
      await expectRevert(ehr.approveClaim(1, CLAIMED + 1, NOTE, { from: insurer }), EHRv2, 'EHRAmountAboveClaim', [
        1,
        CLAIMED + 1,
        CLAIMED,
      ]);
    });

    it('reverts on a second decision, naming the first', async function () {
      const decided = await ehr.approveClaim(1, 4000, NOTE, { from: insurer });
      const first = [1, Status.Approved, insurer, await timestampOf(decided)];
      await ehr.addStaff(other, 6, { from: admin });
      await expectRevert(ehr.approveClaim(1, 4000, NOTE, { from: other }), EHRv2, 'EHRClaimAlreadyDecided', first);
      await expectRevert(ehr.rejectClaim(1, NOTE, { from: insurer }), EHRv2, 'EHRClaimAlreadyDecided', first);
    });

    it('reverts when the caller is not staff of the claim insurer, or on an unknown claim', async function () {
      await expectRevert(ehr.approveClaim(1, 1, NOTE, { from: patient }), EHRv2, 'EHRNotStaff', [
        patient,
        INSURER_ROLE,
      ]);
      await ehr.addStaff(other, 7, { from: admin });
      await expectRevert(ehr.approveClaim(1, 1, NOTE, { from: other }), EHRv2, 'EHRNotClaimInsurer', [1, 6, other]);
      await expectRevert(ehr.approveClaim(2, 1, NOTE, { from: insurer }), EHRv2, 'EHRUnknownClaim', [2]);
    });
  });

  describe('rejectClaim', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithClaim));
    });

    it('records the rejection, ends the payment grant, and emits ClaimDecided', async function () {
      const result = await ehr.rejectClaim(1, NOTE, { from: insurer });
      await expectClaimDecided(ehr, result, Status.Rejected, 0, NOTE);
    });

    it('reverts without a note', async function () {
      await expectRevert(ehr.rejectClaim(1, ZERO_BYTES32, { from: insurer }), EHRv2, 'EHREmptyCommitment', []);
    });

    it('reverts on a second decision, naming the first', async function () {
      const decided = await ehr.rejectClaim(1, NOTE, { from: insurer });
      await expectRevert(ehr.approveClaim(1, 1, NOTE, { from: insurer }), EHRv2, 'EHRClaimAlreadyDecided', [
        1,
        Status.Rejected,
        insurer,
        await timestampOf(decided),
      ]);
    });

    it('reverts when the caller is not staff of the claim insurer', async function () {
      await expectRevert(ehr.rejectClaim(1, NOTE, { from: pharmacist }), EHRv2, 'EHRNotStaff', [
        pharmacist,
        INSURER_ROLE,
      ]);
    });
  });

  describe('importHospitals', function () {
    let ehr;

    beforeEach(async function () {
      ehr = await loadFixture(deployForImport);
    });

    it('keeps the ids and names, and emits OrganisationAdded naming the importer', async function () {
      const result = await ehr.importHospitals(
        [
          { id: 1, name: 'St. Mary Hospital' },
          { id: 2, name: 'City General' },
        ],
        { from: importer },
      );
      expectEvents(result, [
        ['OrganisationAdded', { organisationId: 1, kind: Kind.Hospital, admin: importer, name: 'St. Mary Hospital' }],
        ['OrganisationAdded', { organisationId: 2, kind: Kind.Hospital, admin: importer, name: 'City General' }],
      ]);
      const second = await ehr.organisation(2);
      assert.deepStrictEqual([String(second.kind), second.name], [String(Kind.Hospital), 'City General']);
      assert.strictEqual(String(await ehr.organisationCount()), '2');
    });

    it('reverts on a second import of an id, and on a gap', async function () {
      await ehr.importHospitals([{ id: 1, name: 'St. Mary Hospital' }], { from: importer });
      await expectRevert(
        ehr.importHospitals([{ id: 1, name: 'Again' }], { from: importer }),
        EHRv2,
        'EHROrganisationExists',
        [1],
      );
      for (const id of [0, 3]) {
        await expectRevert(
          ehr.importHospitals([{ id, name: 'Gap' }], { from: importer }),
          EHRv2,
          'EHRImportOutOfOrder',
          [id, 2],
        );
      }
    });

    it('reverts on an empty name', async function () {
      await expectRevert(
        ehr.importHospitals([{ id: 1, name: '' }], { from: importer }),
        EHRv2,
        'EHREmptyOrganisationName',
        [],
      );
    });

    it('reverts when the caller is not an importer, the admin included', async function () {
      for (const account of [admin, other]) {
        await expectRevert(
          ehr.importHospitals([{ id: 1, name: 'X' }], { from: account }),
          EHRv2,
          'AccessControlUnauthorizedAccount',
          [account, IMPORTER_ROLE],
        );
      }
    });
  });

  describe('importDoctors', function () {
    it('binds each doctor to its hospital, and emits RoleGranted and StaffAdded naming the importer', async function () {
      const ehr = await loadFixture(deployForImport);
      await ehr.importHospitals([{ id: 1, name: 'St. Mary Hospital' }], { from: importer });
      const result = await ehr.importDoctors([{ account: doctorA, hospitalId: 1 }], { from: importer });
      expectEvents(result, [
        ['RoleGranted', { role: DOCTOR_ROLE, account: doctorA, sender: importer }],
        ['StaffAdded', { account: doctorA, organisationId: 1, role: DOCTOR_ROLE, admin: importer }],
      ]);
      assert.deepStrictEqual(strings(Object.values(await ehr.staffOf(doctorA)).slice(0, 2)), ['1', DOCTOR_ROLE]);
    });

    it('reverts on a second import of a doctor, and on an unknown hospital', async function () {
      const ehr = await loadFixture(deployWithImportedPeople);
      await expectRevert(
        ehr.importDoctors([{ account: doctorA, hospitalId: 2 }], { from: importer }),
        EHRv2,
        'EHRAccountHasRole',
        [doctorA],
      );
      await expectRevert(
        ehr.importDoctors([{ account: other, hospitalId: 3 }], { from: importer }),
        EHRv2,
        'EHRUnknownOrganisation',
        [3],
      );
      await expectRevert(
        ehr.importDoctors([{ account: other, hospitalId: 1 }], { from: other }),
        EHRv2,
        'AccessControlUnauthorizedAccount',
        [other, IMPORTER_ROLE],
      );
    });
  });

  describe('importPatients', function () {
    it('registers each patient, and emits PatientRegistered', async function () {
      const ehr = await loadFixture(deployForImport);
      const result = await ehr.importPatients([patient, patient2], { from: importer });
      expectEvents(result, [
        ['PatientRegistered', { patient }],
        ['PatientRegistered', { patient: patient2 }],
      ]);
      assert.isTrue(await ehr.isPatient(patient2));
    });

    it('reverts on a second import of a patient', async function () {
      const ehr = await loadFixture(deployWithImportedPeople);
      await expectRevert(ehr.importPatients([newcomer, patient], { from: importer }), EHRv2, 'EHRAccountHasRole', [
        patient,
      ]);
      assert.isFalse(await ehr.isPatient(newcomer), 'the whole batch is refused');
    });
  });

  describe('importReports', function () {
    let ehr;
    let createdAt;

    beforeEach(async function () {
      ehr = await loadFixture(deployWithImportedPeople);
      createdAt = (await latestTime()) - DAY;
    });

    it('keeps the ids, patients, commitments and times, and emits ReportImported', async function () {
      const reports = [
        { id: 1, patient, commitment: commitmentOf('v1 report 1'), createdAt },
        { id: 2, patient: patient2, commitment: commitmentOf('v1 report 2'), createdAt: createdAt + 1 },
        { id: 3, patient, commitment: commitmentOf('v1 report 3'), createdAt: createdAt + 2 },
      ];
      const result = await ehr.importReports(reports, { from: importer });
      expectEvents(
        result,
        reports.map((entry) => [
          'ReportImported',
          {
            reportId: entry.id,
            patient: entry.patient,
            importer,
            commitment: entry.commitment,
            createdAt: entry.createdAt,
          },
        ]),
      );
      assert.deepStrictEqual(fields(await ehr.report(2), REPORT_FIELDS), {
        patient: patient2,
        commitment: reports[1].commitment,
        createdAt: String(createdAt + 1),
        prescriptionCount: '0',
      });
      assert.deepStrictEqual(strings(await ehr.reportsOf(patient)), ['3', '1']);
      assert.strictEqual(String(await ehr.reportCount()), '3');
    });

    it('reverts on a second import of an id, and on a gap', async function () {
      const first = { id: 1, patient, commitment: commitmentOf('v1 report 1'), createdAt };
      await ehr.importReports([first], { from: importer });
      await expectRevert(ehr.importReports([first], { from: importer }), EHRv2, 'EHRReportExists', [1]);
      await expectRevert(
        ehr.importReports([{ ...first, id: 3 }], { from: importer }),
        EHRv2,
        'EHRImportOutOfOrder',
        [3, 2],
      );
    });

    it('reverts on an unknown patient, a zero commitment, and a time of 0 or in the future', async function () {
      const entry = { id: 1, patient, commitment: commitmentOf('v1 report 1'), createdAt };
      await expectRevert(
        ehr.importReports([{ ...entry, patient: newcomer }], { from: importer }),
        EHRv2,
        'EHRNotPatient',
        [newcomer],
      );
      await expectRevert(
        ehr.importReports([{ ...entry, commitment: ZERO_BYTES32 }], { from: importer }),
        EHRv2,
        'EHREmptyCommitment',
        [],
      );
      const future = (await latestTime()) + DAY;
      for (const time of [0, future]) {
        await expectRevert(
          ehr.importReports([{ ...entry, createdAt: time }], { from: importer }),
          EHRv2,
          'EHRInvalidTimestamp',
          [time],
        );
      }
    });
  });

  describe('importGrants', function () {
    let ehr;
    let createdAt;

    beforeEach(async function () {
      ({ ehr, createdAt } = await loadFixture(deployWithImportedReport));
    });

    it('replays live grants and ended ones, and emits GrantImported', async function () {
      const endedAt = createdAt + HOUR;
      const result = await ehr.importGrants(
        [
          { reportId: 1, hospitalId: 1, until: 0 },
          { reportId: 1, hospitalId: 2, until: endedAt },
        ],
        { from: importer },
      );
      expectEvents(result, [
        ['GrantImported', { reportId: 1, hospitalId: 1, importer, until: 0 }],
        ['GrantImported', { reportId: 1, hospitalId: 2, importer, until: endedAt }],
      ]);
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 1)), [true, '0']);
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 2)), [false, String(endedAt)]);
      await ehr.recordAccess(1, { from: doctorA });
      await expectRevert(ehr.recordAccess(1, { from: doctorB }), EHRv2, 'EHRGrantEnded', [1, 2, endedAt]);
    });

    it('reverts on a second import of a pair', async function () {
      await ehr.importGrants([{ reportId: 1, hospitalId: 1, until: 0 }], { from: importer });
      await expectRevert(
        ehr.importGrants([{ reportId: 1, hospitalId: 1, until: 0 }], { from: importer }),
        EHRv2,
        'EHRAlreadyGranted',
        [1, 1],
      );
    });

    it('reverts on an unknown report or hospital, and an end in the future', async function () {
      await expectRevert(
        ehr.importGrants([{ reportId: 2, hospitalId: 1, until: 0 }], { from: importer }),
        EHRv2,
        'EHRUnknownReport',
        [2],
      );
      await expectRevert(
        ehr.importGrants([{ reportId: 1, hospitalId: 3, until: 0 }], { from: importer }),
        EHRv2,
        'EHRUnknownOrganisation',
        [3],
      );
      const future = (await latestTime()) + DAY;
      await expectRevert(
        ehr.importGrants([{ reportId: 1, hospitalId: 1, until: future }], { from: importer }),
        EHRv2,
        'EHRInvalidTimestamp',
        [future],
      );
    });
  });

  describe('importPrescriptions', function () {
    let ehr;
    let createdAt;
    let entry;

    beforeEach(async function () {
      ({ ehr, createdAt } = await loadFixture(deployWithImportedReport));
      entry = { reportId: 1, index: 0, doctor: doctorA, hospitalId: 1, commitment: commitmentOf('v1 p0'), createdAt };
    });

    it('keeps the indexes, doctors, hospitals, commitments and times, and emits PrescriptionImported', async function () {
      const second = { ...entry, index: 1, doctor: doctorB, hospitalId: 2, commitment: commitmentOf('v1 p1') };
      const result = await ehr.importPrescriptions([entry, second], { from: importer });
      const expected = (item) => ({
        reportId: item.reportId,
        doctor: item.doctor,
        hospitalId: item.hospitalId,
        index: item.index,
        commitment: item.commitment,
        createdAt: item.createdAt,
      });
      expectEvents(result, [
        ['PrescriptionImported', expected(entry)],
        ['PrescriptionImported', expected(second)],
      ]);
      assert.deepStrictEqual(
        (await ehr.prescriptions(1)).map((item) => fields(item, PRESCRIPTION_FIELDS)),
        [
          { doctor: doctorA, hospitalId: '1', commitment: entry.commitment, createdAt: String(createdAt) },
          { doctor: doctorB, hospitalId: '2', commitment: second.commitment, createdAt: String(createdAt) },
        ],
      );
    });

    it('reverts on a second import of an index, and on a gap', async function () {
      await ehr.importPrescriptions([entry], { from: importer });
      await expectRevert(ehr.importPrescriptions([entry], { from: importer }), EHRv2, 'EHRPrescriptionExists', [1, 0]);
      await expectRevert(
        ehr.importPrescriptions([{ ...entry, index: 2 }], { from: importer }),
        EHRv2,
        'EHRImportOutOfOrder',
        [2, 1],
      );
    });

    it('reverts on an unknown report, no doctor, a zero commitment, and a bad time', async function () {
      await expectRevert(
        ehr.importPrescriptions([{ ...entry, reportId: 2 }], { from: importer }),
        EHRv2,
        'EHRUnknownReport',
        [2],
      );
      await expectRevert(
        ehr.importPrescriptions([{ ...entry, doctor: ZERO_ADDRESS }], { from: importer }),
        EHRv2,
        'EHRNotStaff',
        [ZERO_ADDRESS, DOCTOR_ROLE],
      );
      await expectRevert(
        ehr.importPrescriptions([{ ...entry, commitment: ZERO_BYTES32 }], { from: importer }),
        EHRv2,
        'EHREmptyCommitment',
        [],
      );
      await expectRevert(
        ehr.importPrescriptions([{ ...entry, createdAt: 0 }], { from: importer }),
        EHRv2,
        'EHRInvalidTimestamp',
        [0],
      );
    });
  });

  describe('importAccesses', function () {
    it('emits AccessImported for each opening, and stores nothing', async function () {
      const { ehr, createdAt } = await loadFixture(deployWithImportedReport);
      const access = { reportId: 1, doctor: doctorB, hospitalId: 2, accessedAt: createdAt + 60 };
      const result = await ehr.importAccesses([access], { from: importer });
      expectEvent(result, 'AccessImported', {
        reportId: 1,
        patient,
        doctor: doctorB,
        hospitalId: 2,
        accessedAt: createdAt + 60,
      });
      await expectRevert(
        ehr.importAccesses([{ ...access, reportId: 2 }], { from: importer }),
        EHRv2,
        'EHRUnknownReport',
        [2],
      );
      await expectRevert(
        ehr.importAccesses([{ ...access, accessedAt: 0 }], { from: importer }),
        EHRv2,
        'EHRInvalidTimestamp',
        [0],
      );
    });
  });

  describe('finishImport', function () {
    let ehr;

    beforeEach(async function () {
      ehr = await loadFixture(deployWithImportedPeople);
    });

    it('closes the import for ever, and emits ImportFinished with the counts', async function () {
      const result = await ehr.finishImport({ from: importer });
      expectEvent(result, 'ImportFinished', { sender: importer, organisationCount: 2, reportCount: 0 });
      assert.isTrue(await ehr.importFinished());
      for (const call of [
        () => ehr.importHospitals([{ id: 3, name: 'Late' }], { from: importer }),
        () => ehr.importPatients([newcomer], { from: importer }),
        () => ehr.importAccesses([], { from: importer }),
      ]) {
        await expectRevert(call(), EHRv2, 'EHRImportFinished', []);
      }
      await expectRevert(ehr.finishImport({ from: admin }), EHRv2, 'EHRImportFinished', []);
    });

    it('may be called by the admin', async function () {
      const result = await ehr.finishImport({ from: admin });
      expectEvent(result, 'ImportFinished', { sender: admin, organisationCount: 2, reportCount: 0 });
    });

    it('reverts when the caller is neither the importer nor the admin', async function () {
      for (const account of [other, doctorA, patient]) {
        await expectRevert(ehr.finishImport({ from: account }), EHRv2, 'EHRNotImporter', [account]);
      }
    });
  });

  describe('import of a first release (EHR v1, not a proxy)', function () {
    /** A first-release contract with some of every record, and the times of its revokes. */
    async function deployV1WithHistory() {
      const v1 = await EHR.new({ from: admin });
      for (const name of ['St. Mary Hospital', 'City General', "Children's Clinic"]) {
        await v1.addHospital(name, { from: admin });
      }
      await v1.addDoctor(doctorA, 1, { from: admin });
      await v1.addDoctor(doctorB, 2, { from: admin });
      await v1.registerPatient({ from: patient });
      await v1.registerPatient({ from: patient2 });
      await v1.addReport(commitmentOf('v1 report 1'), [1, 2], { from: patient });
      await v1.addReport(commitmentOf('v1 report 2'), [2], { from: patient2 });
      await v1.addReport(commitmentOf('v1 report 3'), [1, 3], { from: patient });
      await v1.addPrescription(1, commitmentOf('v1 r1 p0'), { from: doctorA });
      await v1.addPrescription(1, commitmentOf('v1 r1 p1'), { from: doctorB });
      await v1.addPrescription(2, commitmentOf('v1 r2 p0'), { from: doctorB });
      await v1.recordAccess(1, { from: doctorA });
      await v1.recordAccess(2, { from: doctorB });
      await v1.revokeReport(1, 2, { from: patient });
      await v1.revokeReport(3, 1, { from: patient });
      await v1.shareReport(3, 1, { from: patient }); // shared again: live
      const revoked = await v1.revokeReport(3, 3, { from: patient });
      return { v1, revokedAt: await timestampOf(revoked) };
    }

    async function deployImported() {
      const { v1, revokedAt } = await deployV1WithHistory();
      const history = await readV1History(v1);
      const ehr = await deployForImport();
      const results = await importV1History(ehr, history, importer, 2);
      return { v1, ehr, history, results, revokedAt };
    }

    it('replays every hospital, doctor, patient, report, grant and prescription with the same ids', async function () {
      const { v1, ehr, revokedAt } = await loadFixture(deployImported);
      assert.strictEqual(String(await ehr.organisationCount()), String(await v1.hospitalCount()));
      for (let id = 1; id <= 3; ++id) {
        const found = await ehr.organisation(id);
        assert.deepStrictEqual([String(found.kind), found.name], [String(Kind.Hospital), await v1.hospital(id)]);
      }
      for (const doctor of [doctorA, doctorB]) {
        assert.strictEqual(String((await ehr.staffOf(doctor))[0]), String(await v1.hospitalOf(doctor)));
        assert.isTrue(await ehr.hasRole(DOCTOR_ROLE, doctor));
      }
      for (const account of [patient, patient2]) {
        assert.isTrue(await ehr.isPatient(account));
        assert.deepStrictEqual(strings(await ehr.reportsOf(account)), strings(await v1.reportsOf(account)));
      }
      assert.strictEqual(String(await ehr.reportCount()), '3');
      for (let id = 1; id <= 3; ++id) {
        assert.deepStrictEqual(fields(await ehr.report(id), REPORT_FIELDS), fields(await v1.report(id), REPORT_FIELDS));
        assert.deepStrictEqual(strings(await ehr.reportHospitals(id)), strings(await v1.reportHospitals(id)));
        assert.deepStrictEqual(
          (await ehr.prescriptions(id)).map((entry) => fields(entry, PRESCRIPTION_FIELDS)),
          (await v1.prescriptions(id)).map((entry) => fields(entry, PRESCRIPTION_FIELDS)),
        );
      }
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(3, 3)), [false, String(revokedAt)]);
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(3, 1)), [true, '0']);
      assert.isFalse((await ehr.treatmentGrant(1, 2))[0]);
    });

    it("emits enough for a follower to rebuild its read model from the second version's events alone", async function () {
      const { v1, ehr } = await loadFixture(deployImported);
      const events = async (contract, name) => contract.getPastEvents(name, { fromBlock: 0 });
      const reports = (await events(ehr, 'ReportImported')).map((event) => [
        String(event.args.reportId),
        event.args.patient,
        event.args.commitment,
      ]);
      const v1Reports = (await events(v1, 'ReportAdded')).map((event) => [
        String(event.args.reportId),
        event.args.patient,
        event.args.commitment,
      ]);
      assert.deepStrictEqual(reports, v1Reports);
      const prescriptionsOf = (list) =>
        list.map((event) => [String(event.args.reportId), String(event.args.index), event.args.commitment]);
      assert.deepStrictEqual(
        prescriptionsOf(await events(ehr, 'PrescriptionImported')),
        prescriptionsOf(await events(v1, 'PrescriptionAdded')),
      );
      const accessesOf = (list) =>
        list.map((event) => [String(event.args.reportId), event.args.patient, event.args.doctor]);
      assert.deepStrictEqual(
        accessesOf(await events(ehr, 'AccessImported')),
        accessesOf(await events(v1, 'ReportAccessed')),
      );
      assert.lengthOf(await events(ehr, 'GrantImported'), 5, 'three live grants and two ended ones');
    });

    it('refuses a second replay of the same history, batch by batch', async function () {
      const { ehr, history } = await loadFixture(deployImported);
      await expectRevert(
        ehr.importHospitals(history.hospitals.slice(0, 1), { from: importer }),
        EHRv2,
        'EHROrganisationExists',
        [1],
      );
      await expectRevert(ehr.importDoctors(history.doctors, { from: importer }), EHRv2, 'EHRAccountHasRole', [doctorA]);
      await expectRevert(ehr.importPatients(history.patients, { from: importer }), EHRv2, 'EHRAccountHasRole', [
        patient,
      ]);
      await expectRevert(ehr.importReports(history.reports, { from: importer }), EHRv2, 'EHRReportExists', [1]);
      await expectRevert(ehr.importGrants(history.grants, { from: importer }), EHRv2, 'EHRAlreadyGranted', [
        history.grants[0].reportId,
        history.grants[0].hospitalId,
      ]);
      await expectRevert(
        ehr.importPrescriptions(history.prescriptions, { from: importer }),
        EHRv2,
        'EHRPrescriptionExists',
        [1, 0],
      );
    });

    it('works on after the import: new ids follow the first release, its doctors prescribe on its reports', async function () {
      const { ehr } = await loadFixture(deployImported);
      await ehr.finishImport({ from: importer });
      await ehr.renounceRole(IMPORTER_ROLE, importer, { from: importer });
      assert.isFalse(await ehr.hasRole(IMPORTER_ROLE, importer));
      const pharmacy = await ehr.addOrganisation(Kind.Pharmacy, 'Corner Pharmacy', { from: admin });
      assert.strictEqual(String(pharmacy.logs[0].args.organisationId), '4');
      const prescribed = await ehr.addPrescription(1, randomCommitment(), { from: doctorA });
      assert.strictEqual(String(prescribed.logs[0].args.index), '2');
      const added = await ehr.addReport(randomCommitment(), [1], 0, { from: patient2 });
      assert.strictEqual(String(added.logs[0].args.reportId), '4');
      await expectRevert(ehr.recordAccess(1, { from: doctorB }), EHRv2, 'EHRGrantEnded', [
        1,
        2,
        (await ehr.treatmentGrant(1, 2))[1],
      ]);
    });

    it('then upgrades to EHRv2_1 keeping the imported records', async function () {
      const { ehr } = await loadFixture(deployImported);
      const before = (await ehr.prescriptions(1)).map((entry) => fields(entry, PRESCRIPTION_FIELDS));
      const next = await EHRv2_1.new({ from: admin });
      await ehr.upgradeToAndCall(next.address, '0x', { from: admin });
      const upgraded = await EHRv2_1.at(ehr.address);
      assert.deepStrictEqual(
        (await upgraded.prescriptions(1)).map((entry) => fields(entry, PRESCRIPTION_FIELDS)),
        before,
      );
      assert.strictEqual(String(await upgraded.reportCount()), '3');
    });
  });

  describe('organisation and staffOf', function () {
    it('reverts on an unknown organisation; staffOf is (0, 0) for anyone not staff', async function () {
      const ehr = await loadFixture(deployV2);
      for (const id of [0, 8, (2n ** 256n - 1n).toString()]) {
        await expectRevert(ehr.organisation(id), EHRv2, 'EHRUnknownOrganisation', [id]);
      }
      for (const account of [patient, admin, ZERO_ADDRESS]) {
        assert.deepStrictEqual(strings(Object.values(await ehr.staffOf(account)).slice(0, 2)), ['0', ZERO_BYTES32]);
      }
    });
  });

  describe('report, reportsOf and prescriptions', function () {
    it('revert on an unknown report; reportsOf lists newest first', async function () {
      const { ehr } = await loadFixture(deployWithTwoReports);
      for (const id of [0, 3]) {
        await expectRevert(ehr.report(id), EHRv2, 'EHRUnknownReport', [id]);
        await expectRevert(ehr.prescriptions(id), EHRv2, 'EHRUnknownReport', [id]);
        await expectRevert(ehr.reportHospitals(id), EHRv2, 'EHRUnknownReport', [id]);
      }
      assert.deepStrictEqual(strings(await ehr.reportsOf(patient)), ['2', '1']);
      assert.deepStrictEqual(strings(await ehr.reportsOf(patient2)), []);
    });
  });

  describe('reportHospitals and treatmentGrant', function () {
    it('follow grants across several words of lanes (6 hospitals per word)', async function () {
      const ehr = await loadFixture(deployV2);
      for (let id = 8; id <= 14; ++id) await ehr.addOrganisation(Kind.Hospital, `Hospital ${id}`, { from: admin });
      await ehr.addReport(randomCommitment(), [1, 11, 12, 13], 0, { from: patient });
      const until = (await latestTime()) + HOUR;
      await ehr.shareReport(1, 8, until, { from: patient });
      await ehr.revokeReport(1, 12, { from: patient });
      assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['1', '8', '11', '13']);
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 8)), [true, String(until)]);
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 11)), [true, '0']);
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(1, 14)), [false, '0']);
      await increaseTimeTo(until);
      assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['1', '11', '13']);
      assert.deepStrictEqual(pair(await ehr.treatmentGrant(9, 1)), [false, '0'], 'an unknown report');
    });
  });

  describe('canRead, canReadPrescription and canReadClaim', function () {
    it('answer as the contract enforces, and false for unknown ids', async function () {
      const { ehr } = await loadFixture(deployWithClaim);
      await ehr.sendPrescription(1, 0, 4, 0, { from: patient });
      const cases = [
        [patient, true, true, false],
        [doctorA, true, true, false],
        [doctorB, true, true, false],
        [pharmacist, false, true, false],
        [insurer, false, false, true],
        [patient2, false, false, false],
        [admin, false, false, false],
      ];
      for (const [account, report, prescription, claim] of cases) {
        assert.strictEqual(await ehr.canRead(1, account), report, `canRead ${account}`);
        assert.strictEqual(
          await ehr.canReadPrescription(1, 0, account),
          prescription,
          `canReadPrescription ${account}`,
        );
        assert.strictEqual(await ehr.canReadClaim(1, account), claim, `canReadClaim ${account}`);
      }
      for (const account of [patient, doctorA, pharmacist]) {
        assert.isFalse(await ehr.canRead(0, account));
        assert.isFalse(await ehr.canRead(2, account));
        assert.isFalse(await ehr.canReadPrescription(1, 1, account));
      }
      assert.isFalse(await ehr.canReadClaim(2, insurer));
    });
  });

  describe('dispensing, claim and emergency', function () {
    it('revert on unknown ids', async function () {
      const { ehr } = await loadFixture(deployWithReport);
      await expectRevert(ehr.dispensing(1, 1), EHRv2, 'EHRUnknownPrescription', [1, 1]);
      await expectRevert(ehr.dispensing(2, 0), EHRv2, 'EHRUnknownReport', [2]);
      await expectRevert(ehr.claim(1), EHRv2, 'EHRUnknownClaim', [1]);
      await expectRevert(ehr.emergency(1), EHRv2, 'EHRUnknownEmergency', [1]);
      assert.deepStrictEqual(strings(Object.values(await ehr.emergencyOf(patient, doctorA)).slice(0, 3)), [
        '0',
        '0',
        'false',
      ]);
    });
  });

  describe('gas', function () {
    // Calldata costs 4 gas per zero byte and 16 per other byte: fixed inputs keep the table stable.
    let counter = 0;
    /** The commitment of a ~1 KB encrypted body, as the app computes it. */
    const nextCommitment = () => web3.utils.keccak256(web3.utils.padLeft(web3.utils.toHex(`body ${++counter}`), 2048));
    let ehr;

    beforeEach(async function () {
      ehr = await loadFixture(deployV2);
    });

    async function addReports(count, account, hospitalIds) {
      const ids = [];
      for (let i = 0; i < count; ++i) {
        const result = await ehr.addReport(nextCommitment(), hospitalIds, 0, { from: account });
        ids.push(Number(result.logs[0].args.reportId));
      }
      return ids;
    }

    it(`addReport with 2 hospitals stays within ${GAS_TARGETS.addReport} gas`, async function () {
      recordGas(
        'v2 addReport, 2 hospitals (first report on the ledger)',
        await ehr.addReport(nextCommitment(), [1, 2], 0, { from: patient }),
      );
      const firstOfPatient = await ehr.addReport(nextCommitment(), [1, 2], 0, { from: patient2 });
      recordGas("v2 addReport, 2 hospitals (patient's first report)", firstOfPatient);
      for (let i = 0; i < 5; ++i) {
        recordGas(
          'v2 addReport, 2 hospitals (later report)',
          await ehr.addReport(nextCommitment(), [1, 2], 0, { from: patient }),
        );
      }
      assert.isAtMost(gasOf("v2 addReport, 2 hospitals (patient's first report)"), GAS_TARGETS.addReport);
      assert.isAtMost(gasOf('v2 addReport, 2 hospitals (later report)'), GAS_TARGETS.addReport);
    });

    it(`shareReport: one more hospital within ${GAS_TARGETS.shareReport}, with an end within ${GAS_TARGETS.shareReportWithEnd}`, async function () {
      const until = (await latestTime()) + 30 * DAY;
      for (const reportId of await addReports(3, patient, [1, 2])) {
        recordGas('v2 shareReport, one more hospital', await ehr.shareReport(reportId, 3, 0, { from: patient }));
        recordGas('v2 shareReport, a new end', await ehr.shareReport(reportId, 3, until, { from: patient }));
      }
      for (const reportId of await addReports(3, patient, [])) {
        recordGas(
          'v2 shareReport with an end, first grant of a report',
          await ehr.shareReport(reportId, 3, until, { from: patient }),
        );
      }
      assert.isAtMost(gasOf('v2 shareReport, one more hospital'), GAS_TARGETS.shareReport);
      assert.isAtMost(gasOf('v2 shareReport, a new end'), GAS_TARGETS.shareReportWithEnd);
      assert.isAtMost(gasOf('v2 shareReport with an end, first grant of a report'), GAS_TARGETS.shareReportWithEnd);
    });

    it(`revokeReport stays within ${GAS_TARGETS.revokeReport} gas`, async function () {
      for (const reportId of await addReports(3, patient, [1, 2])) {
        recordGas('v2 revokeReport', await ehr.revokeReport(reportId, 1, { from: patient }));
      }
      assert.isAtMost(gasOf('v2 revokeReport'), GAS_TARGETS.revokeReport);
    });

    it(`addPrescription stays within ${GAS_TARGETS.addPrescription} gas`, async function () {
      for (const reportId of await addReports(3, patient, [1, 2])) {
        recordGas(
          'v2 addPrescription (first of a report)',
          await ehr.addPrescription(reportId, nextCommitment(), { from: doctorA }),
        );
        recordGas(
          'v2 addPrescription (later)',
          await ehr.addPrescription(reportId, nextCommitment(), { from: doctorB }),
        );
      }
      assert.isAtMost(gasOf('v2 addPrescription (first of a report)'), GAS_TARGETS.addPrescription);
      assert.isAtMost(gasOf('v2 addPrescription (later)'), GAS_TARGETS.addPrescription);
    });

    it(`dispensing, filing and deciding a claim stay within ${GAS_TARGETS.fileClaim} gas`, async function () {
      for (const reportId of await addReports(3, patient, [1])) {
        await ehr.addPrescription(reportId, nextCommitment(), { from: doctorA });
        recordGas('v2 sendPrescription', await ehr.sendPrescription(reportId, 0, 4, 0, { from: patient }));
        recordGas('v2 dispensePrescription', await ehr.dispensePrescription(reportId, 0, { from: pharmacist }));
        recordGas('v2 fileClaim', await ehr.fileClaim(reportId, 6, 12000, { from: patient }));
      }
      recordGas('v2 approveClaim', await ehr.approveClaim(1, 10000, nextCommitment(), { from: insurer }));
      recordGas('v2 approveClaim', await ehr.approveClaim(2, 12000, ZERO_BYTES32, { from: insurer }));
      recordGas('v2 rejectClaim', await ehr.rejectClaim(3, nextCommitment(), { from: insurer }));
      assert.isAtMost(gasOf('v2 dispensePrescription'), GAS_TARGETS.dispensePrescription);
      assert.isAtMost(gasOf('v2 fileClaim'), GAS_TARGETS.fileClaim);
      assert.isAtMost(gasOf('v2 approveClaim'), GAS_TARGETS.decideClaim);
      assert.isAtMost(gasOf('v2 rejectClaim'), GAS_TARGETS.decideClaim);
    });

    it('measures the other writes', async function () {
      const [reportId] = await addReports(1, patient, [1]);
      await ehr.addPrescription(reportId, nextCommitment(), { from: doctorA });
      await ehr.sendPrescription(reportId, 0, 4, 0, { from: patient });
      recordGas('v2 recordAccess', await ehr.recordAccess(reportId, { from: doctorA }));
      recordGas('v2 recordPrescriptionAccess', await ehr.recordPrescriptionAccess(reportId, 0, { from: pharmacist }));
      recordGas('v2 withdrawPrescription', await ehr.withdrawPrescription(reportId, 0, { from: patient }));
      await ehr.fileClaim(reportId, 6, 100, { from: patient });
      recordGas('v2 recordClaimAccess', await ehr.recordClaimAccess(1, { from: insurer }));
      recordGas('v2 openEmergency', await ehr.openEmergency(patient, REASON_HASH, DAY, { from: doctorB }));
      recordGas('v2 recordAccess (emergency)', await ehr.recordAccess(reportId, { from: doctorB }));
      recordGas('v2 endEmergency', await ehr.endEmergency(1, { from: patient }));
      recordGas('v2 registerPatient', await ehr.registerPatient({ from: newcomer }));
      recordGas('v2 addOrganisation', await ehr.addOrganisation(Kind.Hospital, 'Northside Hospital', { from: admin }));
      recordGas('v2 addStaff', await ehr.addStaff(other, 8, { from: admin }));
      recordGas('v2 removeStaff', await ehr.removeStaff(other, { from: admin }));
      for (const label of ['v2 recordAccess', 'v2 openEmergency', 'v2 addStaff']) {
        assert.isAbove(gasOf(label), 21000, label);
      }
    });
  });
});
