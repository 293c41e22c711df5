/* global artifacts, contract, assert, web3 */
const { expectRevert, extractRevertData } = require('./helpers/errors');
const { expectEvent, expectEvents } = require('./helpers/events');
const { loadFixture } = require('./helpers/fixture');
const { recordGas, gasOf, printGasTable } = require('./helpers/gas');

const EHR = artifacts.require('EHR');

const DEFAULT_ADMIN_ROLE = `0x${'00'.repeat(32)}`;
const ZERO_ADDRESS = `0x${'00'.repeat(20)}`;
const ZERO_COMMITMENT = `0x${'00'.repeat(32)}`;

const HOSPITALS = ['St. Mary Hospital', 'City General', "Children's Clinic"];
const MANY_HOSPITALS = 260; // more than one 256-bit word of grants

/** A commitment, as the app makes one: the keccak256 of an encrypted body. */
const commitmentOf = (label) => web3.utils.keccak256(label);
const randomCommitment = () => web3.utils.randomHex(32);

const strings = (values) => values.map(String);

async function timestampOf(result) {
  const block = await web3.eth.getBlock(result.receipt.blockNumber);
  return String(block.timestamp);
}

/** A report as returned by `report()`, with every field as a string. */
function reportFields(entry) {
  return {
    patient: entry.patient,
    commitment: entry.commitment,
    createdAt: String(entry.createdAt),
    prescriptionCount: String(entry.prescriptionCount),
  };
}

/** A prescription as returned by `prescriptions()`, with every field as a string. */
function prescriptionFields(entry) {
  return {
    doctor: entry.doctor,
    hospitalId: String(entry.hospitalId),
    commitment: entry.commitment,
    createdAt: String(entry.createdAt),
  };
}

contract('EHR', function (accounts) {
  const [admin, other, doctorA, doctorB, doctorC, patient, patient2, newcomer, spare1, spare2] = accounts;

  // Project targets (see the brief of the contract); asserted below.
  const GAS_TARGETS = {
    addReport: 120000, // with 2 hospitals
    shareReport: 50000,
    revokeReport: 40000,
    addPrescription: 90000,
  };

  /** Hospitals 1..3, doctorA/B/C at hospitals 1/2/3, patient and patient2 registered. */
  async function deployEHR() {
    const ehr = await EHR.new({ from: admin });
    for (const name of HOSPITALS) await ehr.addHospital(name, { from: admin });
    await ehr.addDoctor(doctorA, 1, { from: admin });
    await ehr.addDoctor(doctorB, 2, { from: admin });
    await ehr.addDoctor(doctorC, 3, { from: admin });
    await ehr.registerPatient({ from: patient });
    await ehr.registerPatient({ from: patient2 });
    return ehr;
  }

  const REPORT_COMMITMENT = commitmentOf('report 1 envelope');

  /** {deployEHR}, plus report 1 of `patient`, shared with hospitals 1 and 2. */
  async function deployWithReport() {
    const ehr = await deployEHR();
    const added = await ehr.addReport(REPORT_COMMITMENT, [1, 2], { from: patient });
    return { ehr, added };
  }

  /** {deployEHR}, with {MANY_HOSPITALS} hospitals in all. */
  async function deployWithManyHospitals() {
    const ehr = await deployEHR();
    for (let id = HOSPITALS.length + 1; id <= MANY_HOSPITALS; ++id) {
      await ehr.addHospital(`Hospital ${id}`, { from: admin });
    }
    return ehr;
  }

  after(function () {
    printGasTable();
  });

  describe('expectRevert (test helper)', function () {
    let ehr;

    beforeEach(async function () {
      ehr = await loadFixture(deployEHR);
    });

    /** Asserts that the helper call `promise` fails with an assertion matching `pattern`. */
    async function expectHelperToFail(promise, pattern) {
      let error;
      try {
        await promise;
      } catch (caught) {
        error = caught;
      }
      assert.isDefined(error, 'the helper should have failed');
      assert.strictEqual(error.name, 'AssertionError', `unexpected failure: ${error.message}`);
      assert.match(error.message, pattern);
    }

    it('passes when the error name and every argument match', async function () {
      await expectRevert(ehr.hospital(4), EHR, 'EHRUnknownHospital', [4]);
      await expectRevert(ehr.addHospital('X', { from: other }), ehr, 'AccessControlUnauthorizedAccount', [
        other,
        DEFAULT_ADMIN_ROLE,
      ]);
    });

    it('fails when the error name differs', async function () {
      await expectHelperToFail(
        expectRevert(ehr.hospital(4), EHR, 'EHRUnknownReport', [4]),
        /expected a revert with EHRUnknownReport\(4\), got EHRUnknownHospital\(4\): the selector differs/,
      );
    });

    it('fails when a number argument differs', async function () {
      await expectHelperToFail(
        expectRevert(ehr.hospital(4), EHR, 'EHRUnknownHospital', [5]),
        /got EHRUnknownHospital\(4\): argument 0 \(uint256 hospitalId\) differs/,
      );
    });

    it('fails when an address argument differs', async function () {
      await expectHelperToFail(
        expectRevert(ehr.addHospital('X', { from: other }), EHR, 'AccessControlUnauthorizedAccount', [
          newcomer,
          DEFAULT_ADMIN_ROLE,
        ]),
        /got AccessControlUnauthorizedAccount\(.*\): argument 0 \(address account\) differs/,
      );
    });

    it('fails when a bytes32 argument differs', async function () {
      await expectHelperToFail(
        expectRevert(ehr.addHospital('X', { from: other }), EHR, 'AccessControlUnauthorizedAccount', [
          other,
          web3.utils.keccak256('ANOTHER_ROLE'),
        ]),
        /got AccessControlUnauthorizedAccount\(.*\): argument 1 \(bytes32 neededRole\) differs/,
      );
    });

    it('fails when the selector matches but the data carries extra bytes', async function () {
      const selector = web3.eth.abi.encodeFunctionSignature('EHRUnknownHospital(uint256)');
      const data = selector + web3.eth.abi.encodeParameters(['uint256', 'uint256'], [4, 5]).slice(2);
      const error = Object.assign(new Error('revert'), { data });
      await expectHelperToFail(
        expectRevert(Promise.reject(error), EHR, 'EHRUnknownHospital', [4]),
        /the revert data differs/,
      );
    });

    it('fails on a revert that is not a custom error', async function () {
      const error = Object.assign(new Error('revert'), { data: '0x' });
      await expectHelperToFail(
        expectRevert(Promise.reject(error), EHR, 'EHRUnknownHospital', [4]),
        /got a revert without data/,
      );
    });

    it('fails when the call does not revert', async function () {
      await expectHelperToFail(
        expectRevert(ehr.hospital(1), EHR, 'EHRUnknownHospital', [1]),
        /but it did not revert/,
      );
    });

    it('refuses an error that the ABI does not declare', async function () {
      let error;
      try {
        await expectRevert(ehr.hospital(4), EHR, 'EHRNoSuchError', []);
      } catch (caught) {
        error = caught;
      }
      assert.match(error && error.message, /no custom error named EHRNoSuchError/);
    });

    it('refuses a number of arguments that the error does not take', async function () {
      let error;
      try {
        await expectRevert(ehr.hospital(4), EHR, 'EHRUnknownHospital', []);
      } catch (caught) {
        error = caught;
      }
      assert.match(error && error.message, /EHRUnknownHospital takes 1 argument\(s\), 0 given/);
    });

    /** The error that `promise` rejects with; fails when it resolves. */
    async function rejectionOf(promise) {
      return promise.then(
        () => assert.fail('expected a rejection'),
        (error) => error,
      );
    }

    it('reads the revert data of a view call', async function () {
      const error = await rejectionOf(ehr.report(7));
      assert.isString(error.data, 'the shape this case covers');
      const selector = web3.eth.abi.encodeFunctionSignature('EHRUnknownReport(uint256)');
      const argument = web3.eth.abi.encodeParameter('uint256', 7).slice(2);
      assert.strictEqual(await extractRevertData(error), selector + argument);
    });

    it('reads the revert data of a transaction whose gas Truffle estimates', async function () {
      const error = await rejectionOf(ehr.addHospital('', { from: admin }));
      assert.isString(error.data.result, 'the shape this case covers');
      await expectRevert(Promise.reject(error), EHR, 'EHREmptyHospitalName', []);
    });

    it('reads the revert data of a mined, failed transaction by replaying it', async function () {
      const error = await rejectionOf(ehr.registerPatient({ from: doctorB, gas: 200000 }));
      assert.isFalse(error.receipt.status, 'the shape this case covers: a mined, failed transaction');
      assert.isUndefined(error.data, 'the shape this case covers: no revert data');
      await expectRevert(Promise.reject(error), EHR, 'EHRAccountHasRole', [doctorB]);
    });

    it('reads the revert data of a raw web3 transaction and call', async function () {
      const tx = {
        from: patient,
        to: ehr.address,
        data: ehr.contract.methods.addReport(ZERO_COMMITMENT, []).encodeABI(),
        gas: 200000,
      };
      await expectRevert(web3.eth.sendTransaction(tx), EHR, 'EHREmptyCommitment', []);
      await expectRevert(web3.eth.call(tx), EHR, 'EHREmptyCommitment', []);
    });
  });

  describe('constructor', function () {
    let ehr;

    beforeEach(async function () {
      ehr = await EHR.new({ from: admin });
    });

    it('grants DEFAULT_ADMIN_ROLE to the deployer only', async function () {
      assert.isTrue(await ehr.hasRole(DEFAULT_ADMIN_ROLE, admin));
      for (const account of [other, doctorA, patient]) {
        assert.isFalse(await ehr.hasRole(DEFAULT_ADMIN_ROLE, account));
      }
    });

    it('emits RoleGranted for the deployer', async function () {
      const events = await ehr.getPastEvents('RoleGranted', { fromBlock: 0 });
      assert.lengthOf(events, 1);
      assert.strictEqual(events[0].transactionHash, ehr.transactionHash);
      assert.strictEqual(events[0].args.role, DEFAULT_ADMIN_ROLE);
      assert.strictEqual(events[0].args.account, admin);
      assert.strictEqual(events[0].args.sender, admin);
    });

    it('makes DEFAULT_ADMIN_ROLE its own admin role', async function () {
      assert.strictEqual(await ehr.getRoleAdmin(DEFAULT_ADMIN_ROLE), DEFAULT_ADMIN_ROLE);
    });

    it('starts without hospitals or reports', async function () {
      assert.strictEqual(String(await ehr.hospitalCount()), '0');
      assert.strictEqual(String(await ehr.reportCount()), '0');
    });

    it('lets the admin share the admin role, and nobody else', async function () {
      await expectRevert(
        ehr.grantRole(DEFAULT_ADMIN_ROLE, other, { from: other }),
        EHR,
        'AccessControlUnauthorizedAccount',
        [other, DEFAULT_ADMIN_ROLE],
      );
      await ehr.grantRole(DEFAULT_ADMIN_ROLE, other, { from: admin });
      await ehr.addHospital(HOSPITALS[0], { from: other });
      assert.strictEqual(await ehr.hospital(1), HOSPITALS[0]);
    });
  });

  describe('addHospital', function () {
    let ehr;

    beforeEach(async function () {
      ehr = await EHR.new({ from: admin });
    });

    it('returns hospital ids counting from 1', async function () {
      assert.strictEqual(String(await ehr.addHospital.call(HOSPITALS[0], { from: admin })), '1');
      await ehr.addHospital(HOSPITALS[0], { from: admin });
      assert.strictEqual(String(await ehr.addHospital.call(HOSPITALS[1], { from: admin })), '2');
    });

    it('stores the name and counts the hospital', async function () {
      await ehr.addHospital(HOSPITALS[0], { from: admin });
      await ehr.addHospital('Hôpital Saint-Louis', { from: admin });
      assert.strictEqual(String(await ehr.hospitalCount()), '2');
      assert.strictEqual(await ehr.hospital(1), HOSPITALS[0]);
      assert.strictEqual(await ehr.hospital(2), 'Hôpital Saint-Louis');
    });

    it('emits HospitalAdded with the id and the name', async function () {
      await ehr.addHospital(HOSPITALS[0], { from: admin });
      const result = await ehr.addHospital(HOSPITALS[1], { from: admin });
      expectEvent(result, 'HospitalAdded', { hospitalId: 2, name: HOSPITALS[1] });
    });

    it('reverts when the caller is not the admin', async function () {
      for (const account of [other, doctorA, patient]) {
        await expectRevert(
          ehr.addHospital(HOSPITALS[0], { from: account }),
          EHR,
          'AccessControlUnauthorizedAccount',
          [account, DEFAULT_ADMIN_ROLE],
        );
      }
    });

    it('reverts on an empty name', async function () {
      await expectRevert(ehr.addHospital('', { from: admin }), EHR, 'EHREmptyHospitalName', []);
      assert.strictEqual(String(await ehr.hospitalCount()), '0');
    });
  });

  describe('addDoctor', function () {
    let ehr;

    beforeEach(async function () {
      ehr = await loadFixture(deployEHR);
    });

    it('makes the account a doctor of the hospital', async function () {
      assert.strictEqual(String(await ehr.hospitalOf(newcomer)), '0');
      await ehr.addDoctor(newcomer, 3, { from: admin });
      assert.strictEqual(String(await ehr.hospitalOf(newcomer)), '3');
    });

    it('emits DoctorAdded with the doctor and the hospital', async function () {
      const result = await ehr.addDoctor(newcomer, 2, { from: admin });
      expectEvent(result, 'DoctorAdded', { doctor: newcomer, hospitalId: 2 });
    });

    it('reverts when the caller is not the admin', async function () {
      for (const account of [other, doctorA, patient]) {
        await expectRevert(
          ehr.addDoctor(newcomer, 1, { from: account }),
          EHR,
          'AccessControlUnauthorizedAccount',
          [account, DEFAULT_ADMIN_ROLE],
        );
      }
    });

    it('reverts on hospital id 0', async function () {
      await expectRevert(ehr.addDoctor(newcomer, 0, { from: admin }), EHR, 'EHRUnknownHospital', [0]);
    });

    it('reverts on a hospital id beyond hospitalCount', async function () {
      await expectRevert(ehr.addDoctor(newcomer, 4, { from: admin }), EHR, 'EHRUnknownHospital', [4]);
    });

    it('reverts on the zero address', async function () {
      await expectRevert(ehr.addDoctor(ZERO_ADDRESS, 1, { from: admin }), EHR, 'EHRAccountHasRole', [ZERO_ADDRESS]);
    });

    it('reverts when the account is already a doctor, of any hospital', async function () {
      for (const hospitalId of [1, 2]) {
        await expectRevert(ehr.addDoctor(doctorA, hospitalId, { from: admin }), EHR, 'EHRAccountHasRole', [doctorA]);
      }
      assert.strictEqual(String(await ehr.hospitalOf(doctorA)), '1');
    });

    it('reverts when the account is a patient', async function () {
      await expectRevert(ehr.addDoctor(patient, 1, { from: admin }), EHR, 'EHRAccountHasRole', [patient]);
      assert.strictEqual(String(await ehr.hospitalOf(patient)), '0');
    });
  });

  describe('registerPatient', function () {
    let ehr;

    beforeEach(async function () {
      ehr = await loadFixture(deployEHR);
    });

    it('registers the caller as a patient', async function () {
      assert.isFalse(await ehr.isPatient(newcomer));
      await ehr.registerPatient({ from: newcomer });
      assert.isTrue(await ehr.isPatient(newcomer));
    });

    it('emits PatientRegistered with the caller', async function () {
      const result = await ehr.registerPatient({ from: newcomer });
      expectEvent(result, 'PatientRegistered', { patient: newcomer });
    });

    it('reverts when the caller is already a patient', async function () {
      await expectRevert(ehr.registerPatient({ from: patient }), EHR, 'EHRAccountHasRole', [patient]);
    });

    it('reverts when the caller is a doctor', async function () {
      await expectRevert(ehr.registerPatient({ from: doctorB }), EHR, 'EHRAccountHasRole', [doctorB]);
      assert.isFalse(await ehr.isPatient(doctorB));
    });
  });

  describe('addReport', function () {
    let ehr;

    beforeEach(async function () {
      ehr = await loadFixture(deployEHR);
    });

    it('returns report ids counting from 1, across patients', async function () {
      assert.strictEqual(String(await ehr.addReport.call(randomCommitment(), [1], { from: patient })), '1');
      await ehr.addReport(randomCommitment(), [1], { from: patient });
      assert.strictEqual(String(await ehr.addReport.call(randomCommitment(), [1], { from: patient2 })), '2');
      await ehr.addReport(randomCommitment(), [1], { from: patient2 });
      assert.strictEqual(String(await ehr.reportCount()), '2');
    });

    it('stores the patient, the commitment and the block timestamp', async function () {
      const commitment = commitmentOf('a blood test');
      const result = await ehr.addReport(commitment, [2], { from: patient });
      assert.deepStrictEqual(reportFields(await ehr.report(1)), {
        patient,
        commitment,
        createdAt: await timestampOf(result),
        prescriptionCount: '0',
      });
    });

    it('emits ReportAdded, then ReportShared for each hospital in the order given', async function () {
      const commitment = randomCommitment();
      const result = await ehr.addReport(commitment, [3, 1], { from: patient });
      expectEvents(result, [
        ['ReportAdded', { reportId: 1, patient, commitment }],
        ['ReportShared', { reportId: 1, hospitalId: 3 }],
        ['ReportShared', { reportId: 1, hospitalId: 1 }],
      ]);
    });

    it('grants the listed hospitals, and only them', async function () {
      await ehr.addReport(randomCommitment(), [3, 1], { from: patient });
      assert.isTrue(await ehr.canRead(1, 1));
      assert.isFalse(await ehr.canRead(1, 2));
      assert.isTrue(await ehr.canRead(1, 3));
      assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['1', '3']);
    });

    it('accepts an empty list of hospitals', async function () {
      const commitment = randomCommitment();
      const result = await ehr.addReport(commitment, [], { from: patient });
      expectEvent(result, 'ReportAdded', { reportId: 1, patient, commitment });
      assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), []);
    });

    it('reverts when the caller is not a patient', async function () {
      for (const account of [newcomer, doctorA, admin]) {
        await expectRevert(ehr.addReport(randomCommitment(), [1], { from: account }), EHR, 'EHRNotPatient', [
          account,
        ]);
      }
    });

    it('reverts on a zero commitment', async function () {
      await expectRevert(ehr.addReport(ZERO_COMMITMENT, [1], { from: patient }), EHR, 'EHREmptyCommitment', []);
    });

    it('reverts on hospital id 0', async function () {
      await expectRevert(ehr.addReport(randomCommitment(), [1, 0], { from: patient }), EHR, 'EHRUnknownHospital', [
        0,
      ]);
    });

    it('reverts on a hospital id beyond hospitalCount', async function () {
      await expectRevert(ehr.addReport(randomCommitment(), [4], { from: patient }), EHR, 'EHRUnknownHospital', [4]);
      assert.strictEqual(String(await ehr.reportCount()), '0');
    });

    it('reverts when a hospital is listed twice', async function () {
      await expectRevert(
        ehr.addReport(randomCommitment(), [2, 1, 2], { from: patient }),
        EHR,
        'EHRAlreadyGranted',
        [1, 2],
      );
    });
  });

  describe('shareReport', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithReport));
    });

    it('grants the hospital', async function () {
      assert.isFalse(await ehr.canRead(1, 3));
      await ehr.shareReport(1, 3, { from: patient });
      assert.isTrue(await ehr.canRead(1, 3));
      assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['1', '2', '3']);
    });

    it('emits ReportShared with the report and the hospital', async function () {
      const result = await ehr.shareReport(1, 3, { from: patient });
      expectEvent(result, 'ReportShared', { reportId: 1, hospitalId: 3 });
    });

    it('shares again after a revoke', async function () {
      await ehr.revokeReport(1, 2, { from: patient });
      const result = await ehr.shareReport(1, 2, { from: patient });
      expectEvent(result, 'ReportShared', { reportId: 1, hospitalId: 2 });
      assert.isTrue(await ehr.canRead(1, 2));
      await ehr.recordAccess(1, { from: doctorB });
    });

    it('reverts when the hospital already holds a grant', async function () {
      await expectRevert(ehr.shareReport(1, 2, { from: patient }), EHR, 'EHRAlreadyGranted', [1, 2]);
    });

    it('reverts on hospital id 0', async function () {
      await expectRevert(ehr.shareReport(1, 0, { from: patient }), EHR, 'EHRUnknownHospital', [0]);
    });

    it('reverts on a hospital id beyond hospitalCount', async function () {
      await expectRevert(ehr.shareReport(1, 4, { from: patient }), EHR, 'EHRUnknownHospital', [4]);
    });

    it('reverts when the caller does not own the report', async function () {
      for (const account of [patient2, doctorC, admin]) {
        await expectRevert(ehr.shareReport(1, 3, { from: account }), EHR, 'EHRNotReportOwner', [1, account]);
      }
    });

    it('reverts on report id 0', async function () {
      await expectRevert(ehr.shareReport(0, 3, { from: patient }), EHR, 'EHRUnknownReport', [0]);
    });

    it('reverts on a report id beyond reportCount', async function () {
      await expectRevert(ehr.shareReport(2, 3, { from: patient }), EHR, 'EHRUnknownReport', [2]);
    });
  });

  describe('revokeReport', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithReport));
    });

    it('removes the grant of that hospital only', async function () {
      await ehr.revokeReport(1, 1, { from: patient });
      assert.isFalse(await ehr.canRead(1, 1));
      assert.isTrue(await ehr.canRead(1, 2));
      assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['2']);
    });

    it('emits ReportRevoked with the report and the hospital', async function () {
      const result = await ehr.revokeReport(1, 1, { from: patient });
      expectEvent(result, 'ReportRevoked', { reportId: 1, hospitalId: 1 });
    });

    it('keeps the prescriptions written before the revoke', async function () {
      const commitment = randomCommitment();
      const written = await ehr.addPrescription(1, commitment, { from: doctorA });
      await ehr.revokeReport(1, 1, { from: patient });
      assert.deepStrictEqual((await ehr.prescriptions(1)).map(prescriptionFields), [
        { doctor: doctorA, hospitalId: '1', commitment, createdAt: await timestampOf(written) },
      ]);
      assert.strictEqual(reportFields(await ehr.report(1)).prescriptionCount, '1');
    });

    it('reverts when the hospital holds no grant', async function () {
      await expectRevert(ehr.revokeReport(1, 3, { from: patient }), EHR, 'EHRNotGranted', [1, 3]);
    });

    it('reverts when the grant was already revoked', async function () {
      await ehr.revokeReport(1, 1, { from: patient });
      await expectRevert(ehr.revokeReport(1, 1, { from: patient }), EHR, 'EHRNotGranted', [1, 1]);
    });

    it('reverts on an unknown hospital, which holds no grant', async function () {
      await expectRevert(ehr.revokeReport(1, 0, { from: patient }), EHR, 'EHRNotGranted', [1, 0]);
      await expectRevert(ehr.revokeReport(1, 4, { from: patient }), EHR, 'EHRNotGranted', [1, 4]);
    });

    it('reverts when the caller does not own the report', async function () {
      for (const account of [patient2, doctorA, admin]) {
        await expectRevert(ehr.revokeReport(1, 1, { from: account }), EHR, 'EHRNotReportOwner', [1, account]);
      }
    });

    it('reverts on report id 0', async function () {
      await expectRevert(ehr.revokeReport(0, 1, { from: patient }), EHR, 'EHRUnknownReport', [0]);
    });

    it('reverts on a report id beyond reportCount', async function () {
      await expectRevert(ehr.revokeReport(2, 1, { from: patient }), EHR, 'EHRUnknownReport', [2]);
    });
  });

  describe('addPrescription', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithReport));
    });

    it('returns indexes counting from 0, per report', async function () {
      assert.strictEqual(String(await ehr.addPrescription.call(1, randomCommitment(), { from: doctorA })), '0');
      await ehr.addPrescription(1, randomCommitment(), { from: doctorA });
      assert.strictEqual(String(await ehr.addPrescription.call(1, randomCommitment(), { from: doctorB })), '1');

      await ehr.addReport(randomCommitment(), [1], { from: patient2 });
      assert.strictEqual(String(await ehr.addPrescription.call(2, randomCommitment(), { from: doctorA })), '0');
    });

    it('stores the doctor, the hospital, the commitment and the block timestamp, oldest first', async function () {
      const first = randomCommitment();
      const second = randomCommitment();
      const written1 = await ehr.addPrescription(1, first, { from: doctorA });
      const written2 = await ehr.addPrescription(1, second, { from: doctorB });
      assert.deepStrictEqual((await ehr.prescriptions(1)).map(prescriptionFields), [
        { doctor: doctorA, hospitalId: '1', commitment: first, createdAt: await timestampOf(written1) },
        { doctor: doctorB, hospitalId: '2', commitment: second, createdAt: await timestampOf(written2) },
      ]);
      assert.strictEqual(reportFields(await ehr.report(1)).prescriptionCount, '2');
    });

    it('emits PrescriptionAdded with the index, 0 then 1', async function () {
      const first = randomCommitment();
      const second = randomCommitment();
      expectEvent(await ehr.addPrescription(1, first, { from: doctorA }), 'PrescriptionAdded', {
        reportId: 1,
        doctor: doctorA,
        hospitalId: 1,
        index: 0,
        commitment: first,
      });
      expectEvent(await ehr.addPrescription(1, second, { from: doctorB }), 'PrescriptionAdded', {
        reportId: 1,
        doctor: doctorB,
        hospitalId: 2,
        index: 1,
        commitment: second,
      });
    });

    it('lets any doctor of a granted hospital prescribe', async function () {
      await ehr.addDoctor(newcomer, 1, { from: admin });
      const commitment = randomCommitment();
      const result = await ehr.addPrescription(1, commitment, { from: newcomer });
      expectEvent(result, 'PrescriptionAdded', { reportId: 1, doctor: newcomer, hospitalId: 1, index: 0, commitment });
    });

    it('reverts when the caller is not a doctor', async function () {
      for (const account of [patient, newcomer, admin]) {
        await expectRevert(ehr.addPrescription(1, randomCommitment(), { from: account }), EHR, 'EHRNotDoctor', [
          account,
        ]);
      }
    });

    it("reverts when the doctor's hospital holds no grant", async function () {
      await expectRevert(ehr.addPrescription(1, randomCommitment(), { from: doctorC }), EHR, 'EHRNotGranted', [1, 3]);
    });

    it('reverts after the grant was revoked', async function () {
      await ehr.addPrescription(1, randomCommitment(), { from: doctorA });
      await ehr.revokeReport(1, 1, { from: patient });
      await expectRevert(ehr.addPrescription(1, randomCommitment(), { from: doctorA }), EHR, 'EHRNotGranted', [1, 1]);
    });

    it('reverts on report id 0', async function () {
      await expectRevert(ehr.addPrescription(0, randomCommitment(), { from: doctorA }), EHR, 'EHRUnknownReport', [0]);
    });

    it('reverts on a report id beyond reportCount', async function () {
      await expectRevert(ehr.addPrescription(2, randomCommitment(), { from: doctorA }), EHR, 'EHRUnknownReport', [2]);
    });

    it('reverts on a zero commitment', async function () {
      await expectRevert(ehr.addPrescription(1, ZERO_COMMITMENT, { from: doctorA }), EHR, 'EHREmptyCommitment', []);
    });
  });

  describe('recordAccess', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithReport));
    });

    it('emits ReportAccessed with the patient, the doctor and the hospital', async function () {
      const result = await ehr.recordAccess(1, { from: doctorB });
      expectEvent(result, 'ReportAccessed', { reportId: 1, patient, doctor: doctorB, hospitalId: 2 });
    });

    it('stores nothing', async function () {
      const before = reportFields(await ehr.report(1));
      await ehr.recordAccess(1, { from: doctorA });
      assert.deepStrictEqual(reportFields(await ehr.report(1)), before);
      assert.lengthOf(await ehr.prescriptions(1), 0);
    });

    it('reverts when the caller is not a doctor', async function () {
      for (const account of [patient, newcomer, admin]) {
        await expectRevert(ehr.recordAccess(1, { from: account }), EHR, 'EHRNotDoctor', [account]);
      }
    });

    it("reverts when the doctor's hospital holds no grant", async function () {
      await expectRevert(ehr.recordAccess(1, { from: doctorC }), EHR, 'EHRNotGranted', [1, 3]);
    });

    it('reverts after the grant was revoked', async function () {
      await ehr.revokeReport(1, 2, { from: patient });
      await expectRevert(ehr.recordAccess(1, { from: doctorB }), EHR, 'EHRNotGranted', [1, 2]);
    });

    it('reverts on report id 0', async function () {
      await expectRevert(ehr.recordAccess(0, { from: doctorA }), EHR, 'EHRUnknownReport', [0]);
    });

    it('reverts on a report id beyond reportCount', async function () {
      await expectRevert(ehr.recordAccess(2, { from: doctorA }), EHR, 'EHRUnknownReport', [2]);
    });
  });

  describe('hospitalCount', function () {
    it('counts the hospitals added', async function () {
      const ehr = await loadFixture(deployEHR);
      assert.strictEqual(String(await ehr.hospitalCount()), String(HOSPITALS.length));
      await ehr.addHospital('Another', { from: admin });
      assert.strictEqual(String(await ehr.hospitalCount()), String(HOSPITALS.length + 1));
    });
  });

  describe('hospital', function () {
    let ehr;

    beforeEach(async function () {
      ehr = await loadFixture(deployEHR);
    });

    it('returns the name of each hospital', async function () {
      for (const [i, name] of HOSPITALS.entries()) {
        assert.strictEqual(await ehr.hospital(i + 1), name);
      }
    });

    it('reverts on hospital id 0', async function () {
      await expectRevert(ehr.hospital(0), EHR, 'EHRUnknownHospital', [0]);
    });

    it('reverts on a hospital id beyond hospitalCount', async function () {
      await expectRevert(ehr.hospital(4), EHR, 'EHRUnknownHospital', [4]);
    });
  });

  describe('hospitalOf', function () {
    it("returns a doctor's hospital, and 0 for anyone else", async function () {
      const ehr = await loadFixture(deployEHR);
      assert.strictEqual(String(await ehr.hospitalOf(doctorA)), '1');
      assert.strictEqual(String(await ehr.hospitalOf(doctorB)), '2');
      assert.strictEqual(String(await ehr.hospitalOf(doctorC)), '3');
      for (const account of [patient, newcomer, admin, ZERO_ADDRESS]) {
        assert.strictEqual(String(await ehr.hospitalOf(account)), '0');
      }
    });
  });

  describe('isPatient', function () {
    it('is true for registered patients only', async function () {
      const ehr = await loadFixture(deployEHR);
      assert.isTrue(await ehr.isPatient(patient));
      assert.isTrue(await ehr.isPatient(patient2));
      for (const account of [doctorA, newcomer, admin, ZERO_ADDRESS]) {
        assert.isFalse(await ehr.isPatient(account));
      }
    });
  });

  describe('reportCount', function () {
    it('counts the reports of every patient', async function () {
      const ehr = await loadFixture(deployEHR);
      assert.strictEqual(String(await ehr.reportCount()), '0');
      await ehr.addReport(randomCommitment(), [], { from: patient });
      await ehr.addReport(randomCommitment(), [1], { from: patient2 });
      await ehr.addReport(randomCommitment(), [1, 2], { from: patient });
      assert.strictEqual(String(await ehr.reportCount()), '3');
    });
  });

  describe('report', function () {
    let ehr;
    let added;

    beforeEach(async function () {
      ({ ehr, added } = await loadFixture(deployWithReport));
    });

    it('returns the patient, the commitment, the block timestamp and the prescription count', async function () {
      assert.deepStrictEqual(reportFields(await ehr.report(1)), {
        patient,
        commitment: REPORT_COMMITMENT,
        createdAt: await timestampOf(added),
        prescriptionCount: '0',
      });
      await ehr.addPrescription(1, randomCommitment(), { from: doctorA });
      assert.strictEqual(reportFields(await ehr.report(1)).prescriptionCount, '1');
    });

    it('reverts on report id 0', async function () {
      await expectRevert(ehr.report(0), EHR, 'EHRUnknownReport', [0]);
    });

    it('reverts on a report id beyond reportCount', async function () {
      await expectRevert(ehr.report(2), EHR, 'EHRUnknownReport', [2]);
    });
  });

  describe('reportHospitals', function () {
    describe('with a few hospitals', function () {
      let ehr;

      beforeEach(async function () {
        ({ ehr } = await loadFixture(deployWithReport));
      });

      it('returns the granted hospitals in increasing id order, whatever the order of the grants', async function () {
        await ehr.addReport(randomCommitment(), [3], { from: patient2 });
        await ehr.shareReport(2, 1, { from: patient2 });
        assert.deepStrictEqual(strings(await ehr.reportHospitals(2)), ['1', '3']);
      });

      it('follows revokes and shares', async function () {
        await ehr.revokeReport(1, 1, { from: patient });
        await ehr.revokeReport(1, 2, { from: patient });
        assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), []);
        await ehr.shareReport(1, 3, { from: patient });
        await ehr.shareReport(1, 1, { from: patient });
        assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['1', '3']);
      });

      it('reverts on report id 0', async function () {
        await expectRevert(ehr.reportHospitals(0), EHR, 'EHRUnknownReport', [0]);
      });

      it('reverts on a report id beyond reportCount', async function () {
        await expectRevert(ehr.reportHospitals(2), EHR, 'EHRUnknownReport', [2]);
      });
    });

    describe(`with ${MANY_HOSPITALS} hospitals (two words of grants)`, function () {
      let ehr;

      beforeEach(async function () {
        ehr = await loadFixture(deployWithManyHospitals);
      });

      it('lists hospitals on both sides of the word boundary', async function () {
        await ehr.addReport(randomCommitment(), [258, 3], { from: patient });
        assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['3', '258']);
        await ehr.shareReport(1, 257, { from: patient });
        assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['3', '257', '258']);
      });

      it('handles ids 255, 256 and 257 exactly', async function () {
        await ehr.addReport(randomCommitment(), [], { from: patient });
        for (const hospitalId of [256, 257, 255]) await ehr.shareReport(1, hospitalId, { from: patient });
        assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['255', '256', '257']);
        for (const hospitalId of [1, 254, 258]) assert.isFalse(await ehr.canRead(1, hospitalId));
        for (const hospitalId of [255, 256, 257]) assert.isTrue(await ehr.canRead(1, hospitalId));

        await ehr.revokeReport(1, 256, { from: patient });
        assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['255', '257']);
        assert.isFalse(await ehr.canRead(1, 256));
        await ehr.revokeReport(1, 255, { from: patient });
        assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['257']);
      });

      it('includes the first and the last hospital', async function () {
        await ehr.addReport(randomCommitment(), [MANY_HOSPITALS, 1], { from: patient });
        assert.deepStrictEqual(strings(await ehr.reportHospitals(1)), ['1', String(MANY_HOSPITALS)]);
      });

      it('grants a doctor of a hospital beyond 256', async function () {
        await ehr.addDoctor(newcomer, 257, { from: admin });
        await ehr.addReport(randomCommitment(), [256], { from: patient });
        await expectRevert(ehr.recordAccess(1, { from: newcomer }), EHR, 'EHRNotGranted', [1, 257]);
        await ehr.shareReport(1, 257, { from: patient });
        const commitment = randomCommitment();
        const written = await ehr.addPrescription(1, commitment, { from: newcomer });
        assert.deepStrictEqual((await ehr.prescriptions(1)).map(prescriptionFields), [
          { doctor: newcomer, hospitalId: '257', commitment, createdAt: await timestampOf(written) },
        ]);
        await ehr.revokeReport(1, 257, { from: patient });
        await expectRevert(ehr.recordAccess(1, { from: newcomer }), EHR, 'EHRNotGranted', [1, 257]);
      });

      it('rejects a hospital id beyond hospitalCount', async function () {
        await ehr.addReport(randomCommitment(), [], { from: patient });
        await expectRevert(ehr.shareReport(1, MANY_HOSPITALS + 1, { from: patient }), EHR, 'EHRUnknownHospital', [
          MANY_HOSPITALS + 1,
        ]);
      });
    });
  });

  describe('canRead', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithReport));
    });

    it('is true for the granted hospitals only', async function () {
      assert.isTrue(await ehr.canRead(1, 1));
      assert.isTrue(await ehr.canRead(1, 2));
      assert.isFalse(await ehr.canRead(1, 3));
    });

    it('is false for unknown report and hospital ids', async function () {
      const huge = (2n ** 256n - 1n).toString();
      for (const [reportId, hospitalId] of [
        [0, 1],
        [2, 1],
        [huge, 1],
        [1, 0],
        [1, 4],
        [1, 256],
        [1, huge],
      ]) {
        assert.isFalse(await ehr.canRead(reportId, hospitalId), `canRead(${reportId}, ${hospitalId})`);
      }
    });
  });

  describe('prescriptions', function () {
    let ehr;

    beforeEach(async function () {
      ({ ehr } = await loadFixture(deployWithReport));
    });

    it('is empty for a report without prescriptions', async function () {
      assert.lengthOf(await ehr.prescriptions(1), 0);
    });

    it('lists the prescriptions of the report, oldest first', async function () {
      await ehr.addReport(randomCommitment(), [1], { from: patient2 });
      const expected = [];
      for (const [reportId, doctor, hospitalId] of [
        [1, doctorB, '2'],
        [2, doctorA, '1'],
        [1, doctorA, '1'],
        [1, doctorB, '2'],
      ]) {
        const commitment = randomCommitment();
        const written = await ehr.addPrescription(reportId, commitment, { from: doctor });
        if (reportId === 1) expected.push({ doctor, hospitalId, commitment, createdAt: await timestampOf(written) });
      }
      assert.deepStrictEqual((await ehr.prescriptions(1)).map(prescriptionFields), expected);
      assert.lengthOf(await ehr.prescriptions(2), 1);
    });

    it('reverts on report id 0', async function () {
      await expectRevert(ehr.prescriptions(0), EHR, 'EHRUnknownReport', [0]);
    });

    it('reverts on a report id beyond reportCount', async function () {
      await expectRevert(ehr.prescriptions(2), EHR, 'EHRUnknownReport', [2]);
    });
  });

  describe('reportsOf', function () {
    let ehr;

    beforeEach(async function () {
      ehr = await loadFixture(deployEHR);
    });

    it('returns the reports of each patient, newest first, when patients interleave', async function () {
      for (const account of [patient, patient2, patient, patient2, patient]) {
        await ehr.addReport(randomCommitment(), [1], { from: account });
      }
      assert.deepStrictEqual(strings(await ehr.reportsOf(patient)), ['5', '3', '1']);
      assert.deepStrictEqual(strings(await ehr.reportsOf(patient2)), ['4', '2']);
    });

    it('is empty for a patient without reports, and for non-patients', async function () {
      await ehr.addReport(randomCommitment(), [1], { from: patient });
      for (const account of [patient2, doctorA, newcomer, ZERO_ADDRESS]) {
        assert.deepStrictEqual(strings(await ehr.reportsOf(account)), []);
      }
    });
  });

  describe('gas', function () {
    // Calldata costs 4 gas per zero byte and 16 per other byte: fixed inputs keep the table stable.
    let counter = 0;
    const nextCommitment = () => commitmentOf(`gas measurement ${++counter}`);
    let ehr;

    beforeEach(async function () {
      ehr = await loadFixture(deployEHR);
    });

    async function addReports(count, account, hospitalIds) {
      const ids = [];
      for (let i = 0; i < count; ++i) {
        const result = await ehr.addReport(nextCommitment(), hospitalIds, { from: account });
        ids.push(Number(result.logs[0].args.reportId));
      }
      return ids;
    }

    it(`addReport with 2 hospitals stays within ${GAS_TARGETS.addReport} gas`, async function () {
      const first = await ehr.addReport(nextCommitment(), [1, 2], { from: patient });
      recordGas('addReport, 2 hospitals (first report on the ledger)', first);
      const firstOfPatient = await ehr.addReport(nextCommitment(), [1, 2], { from: patient2 });
      recordGas("addReport, 2 hospitals (patient's first report)", firstOfPatient);
      for (let i = 0; i < 5; ++i) {
        recordGas(
          'addReport, 2 hospitals (later report)',
          await ehr.addReport(nextCommitment(), [1, 2], { from: patient }),
        );
      }
      recordGas('addReport, no hospital', await ehr.addReport(nextCommitment(), [], { from: patient }));
      assert.isAtMost(gasOf("addReport, 2 hospitals (patient's first report)"), GAS_TARGETS.addReport);
      assert.isAtMost(gasOf('addReport, 2 hospitals (later report)'), GAS_TARGETS.addReport);
    });

    it(`shareReport with one more hospital stays within ${GAS_TARGETS.shareReport} gas`, async function () {
      for (const reportId of await addReports(3, patient, [1, 2])) {
        recordGas('shareReport, one more hospital', await ehr.shareReport(reportId, 3, { from: patient }));
      }
      for (const reportId of await addReports(3, patient, [])) {
        recordGas('shareReport, first grant of a report', await ehr.shareReport(reportId, 3, { from: patient }));
      }
      assert.isAtMost(gasOf('shareReport, one more hospital'), GAS_TARGETS.shareReport);
    });

    it(`revokeReport stays within ${GAS_TARGETS.revokeReport} gas`, async function () {
      for (const reportId of await addReports(3, patient, [1, 2])) {
        recordGas('revokeReport, another grant remains', await ehr.revokeReport(reportId, 1, { from: patient }));
        recordGas('revokeReport, last grant', await ehr.revokeReport(reportId, 2, { from: patient }));
      }
      assert.isAtMost(gasOf('revokeReport, another grant remains'), GAS_TARGETS.revokeReport);
      assert.isAtMost(gasOf('revokeReport, last grant'), GAS_TARGETS.revokeReport);
    });

    it(`addPrescription stays within ${GAS_TARGETS.addPrescription} gas`, async function () {
      const prescribe = (reportId, doctor) => ehr.addPrescription(reportId, nextCommitment(), { from: doctor });
      for (const reportId of await addReports(3, patient, [1, 2])) {
        recordGas('addPrescription (first of a report)', await prescribe(reportId, doctorA));
        recordGas('addPrescription (later)', await prescribe(reportId, doctorB));
        recordGas('addPrescription (later)', await prescribe(reportId, doctorA));
      }
      assert.isAtMost(gasOf('addPrescription (first of a report)'), GAS_TARGETS.addPrescription);
      assert.isAtMost(gasOf('addPrescription (later)'), GAS_TARGETS.addPrescription);
    });

    it('measures recordAccess, registerPatient, addHospital and addDoctor', async function () {
      const [reportId] = await addReports(1, patient, [1, 2]);
      for (const doctor of [doctorA, doctorB, doctorA]) {
        recordGas('recordAccess', await ehr.recordAccess(reportId, { from: doctor }));
      }
      for (const account of [newcomer, spare1, spare2]) {
        recordGas('registerPatient', await ehr.registerPatient({ from: account }));
      }
      for (const name of ['Northside Hospital', 'Eastside Hospital', 'Westside Hospital']) {
        recordGas('addHospital', await ehr.addHospital(name, { from: admin }));
      }
      for (let i = 0; i < 3; ++i) {
        const doctor = web3.utils.toChecksumAddress(web3.utils.keccak256(`doctor ${i}`).slice(0, 42));
        recordGas('addDoctor', await ehr.addDoctor(doctor, 1, { from: admin }));
      }
      for (const label of ['recordAccess', 'registerPatient', 'addHospital', 'addDoctor']) {
        assert.isAbove(gasOf(label), 21000, label);
      }
    });
  });
});
