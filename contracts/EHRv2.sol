// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IEHRv2} from "./IEHRv2.sol";

/**
 * @title EHRv2 — see {IEHRv2}.
 * @notice The second version of the EHR ledger, deployed behind an ERC-1967 proxy and upgraded
 * by the admin (UUPS). Its state lives in one ERC-7201 namespace, `ehr.storage.EHR`, beside
 * OpenZeppelin's own namespaces (AccessControl, Initializable), so that a later version may
 * append fields to {EHRStorage} without moving any record.
 * @dev Storage is laid out for the cost of the common writes, which every patient and staff
 * member pays (each a slot written for the first time costs 22,100 gas):
 * - the four counters and the import flag share one slot;
 * - organisation kinds are 2 bits each, 128 organisations per slot;
 * - a report is one packed slot (patient, time, link to the patient's previous report,
 *   prescription count) plus one slot for its commitment; a patient's reports form a linked list
 *   through those slots, so adding one writes no array;
 * - a treatment grant is the 40-bit end of a lane, 6 hospitals per slot: 0 never granted,
 *   `_NO_END` live without end, else live while `block.timestamp <` it — so revoking writes the
 *   block's timestamp, and "live" is one comparison;
 * - a prescription is one packed slot (doctor, time, hospital) plus one for its commitment; its
 *   dispensing grant (pharmacy, end) and its dispensing (pharmacist, time) one slot each — the
 *   pharmacy that dispensed is the grant's, which cannot change once dispensed;
 * - a claim is one packed slot (report, insurer, times, status, amounts) plus, once decided, one
 *   for who decided; a claim's payment grant is its being open;
 * - an emergency is three slots (doctor and times; patient and hospital; reason hash), and one
 *   slot per (patient, doctor) says which emergency is the latest and when it ends.
 */
contract EHRv2 is IEHRv2, Initializable, AccessControlUpgradeable, UUPSUpgradeable {
    /// @notice The role of doctors, each bound to one hospital.
    bytes32 public constant DOCTOR_ROLE = keccak256("DOCTOR_ROLE");
    /// @notice The role of pharmacists, each bound to one pharmacy.
    bytes32 public constant PHARMACIST_ROLE = keccak256("PHARMACIST_ROLE");
    /// @notice The role of insurer staff, each bound to one insurer.
    bytes32 public constant INSURER_ROLE = keccak256("INSURER_ROLE");
    /// @notice The role that may replay a first release's history until {finishImport}.
    bytes32 public constant IMPORTER_ROLE = keccak256("IMPORTER_ROLE");
    /// @notice The longest break-glass access, in seconds.
    uint256 public constant MAX_EMERGENCY_DURATION = 7 days;

    /// @dev The stored end of a live grant without end.
    uint40 private constant _NO_END = type(uint40).max;
    /// @dev Treatment grants per storage slot (40 bits each).
    uint256 private constant _LANES_PER_WORD = 6;
    /// @dev The largest claimed or approved amount.
    uint256 private constant _MAX_AMOUNT = type(uint48).max;

    struct Staff {
        uint32 organisationId;
        OrganisationKind kind;
    }

    struct Patient {
        bool registered;
        uint32 reportCount;
        uint32 lastReportId;
    }

    struct Report {
        address patient;
        uint40 createdAt;
        uint32 previousOfPatient;
        uint24 prescriptionCount;
    }

    struct Prescription {
        address doctor;
        uint40 createdAt;
        uint32 hospitalId;
    }

    struct DispensingGrant {
        uint32 pharmacyId;
        uint40 end;
    }

    struct Dispensed {
        address pharmacist;
        uint40 dispensedAt;
    }

    struct Claim {
        uint48 amount;
        uint48 approvedAmount;
        uint40 filedAt;
        uint40 decidedAt;
        uint32 reportId;
        uint32 insurerId;
        ClaimStatus status;
    }

    struct Emergency {
        address doctor;
        uint40 start;
        uint40 end;
    }

    struct EmergencySubject {
        address patient;
        uint32 hospitalId;
    }

    struct EmergencyAccess {
        uint32 emergencyId;
        uint40 end;
    }

    /// @custom:storage-location erc7201:ehr.storage.EHR
    struct EHRStorage {
        uint32 organisationCount;
        uint32 reportCount;
        uint32 claimCount;
        uint32 emergencyCount;
        bool importFinished;
        mapping(uint256 word => uint256 kinds) organisationKinds;
        mapping(uint256 organisationId => string name) organisationNames;
        mapping(address account => Staff entry) staff;
        mapping(address patient => Patient entry) patients;
        mapping(uint256 reportId => Report entry) reports;
        mapping(uint256 reportId => bytes32 commitment) reportCommitments;
        mapping(uint256 reportId => mapping(uint256 word => uint256 lanes)) grantWords;
        mapping(uint256 reportId => mapping(uint256 index => Prescription entry)) prescriptions;
        mapping(uint256 reportId => mapping(uint256 index => bytes32 commitment)) prescriptionCommitments;
        mapping(uint256 reportId => mapping(uint256 index => DispensingGrant entry)) dispensingGrants;
        mapping(uint256 reportId => mapping(uint256 index => Dispensed entry)) dispensings;
        mapping(uint256 claimId => Claim entry) claims;
        mapping(uint256 claimId => address decidedBy) claimDeciders;
        mapping(uint256 emergencyId => Emergency entry) emergencies;
        mapping(uint256 emergencyId => EmergencySubject entry) emergencySubjects;
        mapping(uint256 emergencyId => bytes32 reasonHash) emergencyReasons;
        mapping(address patient => mapping(address doctor => EmergencyAccess entry)) emergencyAccesses;
    }

    // keccak256(abi.encode(uint256(keccak256("ehr.storage.EHR")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant _EHR_STORAGE_LOCATION = 0x22f049fc6a2feb0106e17a387202f8645094ac88a270faaace9a305e81763a00;

    modifier onlyPatient() {
        _checkPatient(msg.sender);
        _;
    }

    modifier onlyImporter() {
        _checkImporter();
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initializes the proxy's state: `admin` receives `DEFAULT_ADMIN_ROLE`.
    function initialize(address admin) external initializer {
        if (admin == address(0)) revert EHRInvalidAdmin(admin);
        __AccessControl_init();
        __UUPSUpgradeable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ─── Admin ───────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IEHRv2
    function addOrganisation(
        OrganisationKind kind,
        string calldata name
    ) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint256 organisationId) {
        if (kind == OrganisationKind.None) revert EHRInvalidOrganisationKind(kind);
        return _addOrganisation(kind, name);
    }

    /// @inheritdoc IEHRv2
    function addStaff(address account, uint256 organisationId) external onlyRole(DEFAULT_ADMIN_ROLE) {
        OrganisationKind kind = _kindOf(organisationId);
        if (kind == OrganisationKind.None) revert EHRUnknownOrganisation(organisationId);
        _addStaff(account, organisationId, kind);
    }

    /// @inheritdoc IEHRv2
    function removeStaff(address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        OrganisationKind kind = _getEHRStorage().staff[account].kind;
        if (kind == OrganisationKind.None) revert EHRUnknownStaff(account);
        _revokeRole(_roleOf(kind), account);
    }

    // ─── Patient ─────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IEHRv2
    function registerPatient() external {
        _registerPatient(msg.sender);
    }

    /// @inheritdoc IEHRv2
    function addReport(
        bytes32 commitment,
        uint256[] calldata hospitalIds,
        uint256 until
    ) external onlyPatient returns (uint256 reportId) {
        if (commitment == bytes32(0)) revert EHREmptyCommitment();
        uint40 end = _storedEnd(until);
        reportId = _storeReport(msg.sender, commitment, block.timestamp);
        emit ReportAdded(reportId, msg.sender, commitment);
        for (uint256 i = 0; i < hospitalIds.length; ++i) {
            uint256 hospitalId = hospitalIds[i];
            _checkKind(hospitalId, OrganisationKind.Hospital);
            if (_setLane(reportId, hospitalId, end) != 0) revert EHRAlreadyGranted(reportId, hospitalId);
            emit ReportShared(reportId, hospitalId, msg.sender, until);
        }
    }

    /// @inheritdoc IEHRv2
    function shareReport(uint256 reportId, uint256 hospitalId, uint256 until) external {
        _checkReportOwner(reportId, msg.sender);
        _checkKind(hospitalId, OrganisationKind.Hospital);
        _setLane(reportId, hospitalId, _storedEnd(until));
        emit ReportShared(reportId, hospitalId, msg.sender, until);
    }

    /// @inheritdoc IEHRv2
    function revokeReport(uint256 reportId, uint256 hospitalId) external {
        _checkReportOwner(reportId, msg.sender);
        // One read of the lane: the end it held must have been live (a revert undoes the write).
        _checkLive(reportId, hospitalId, _setLane(reportId, hospitalId, uint40(block.timestamp)));
        emit ReportRevoked(reportId, hospitalId, msg.sender);
    }

    /// @inheritdoc IEHRv2
    function sendPrescription(uint256 reportId, uint256 index, uint256 pharmacyId, uint256 until) external {
        _checkPrescriptionOwner(reportId, index, msg.sender);
        _checkKind(pharmacyId, OrganisationKind.Pharmacy);
        _checkNotDispensed(reportId, index);
        _getEHRStorage().dispensingGrants[reportId][index] = DispensingGrant({
            pharmacyId: uint32(pharmacyId),
            end: _storedEnd(until)
        });
        emit PrescriptionSent(reportId, pharmacyId, msg.sender, index, until);
    }

    /// @inheritdoc IEHRv2
    function withdrawPrescription(uint256 reportId, uint256 index) external {
        _checkPrescriptionOwner(reportId, index, msg.sender);
        DispensingGrant storage grant = _getEHRStorage().dispensingGrants[reportId][index];
        uint256 pharmacyId = grant.pharmacyId;
        // A prescription never sent has pharmacy 0 and end 0: {EHRNotGranted}(reportId, 0).
        _checkLive(reportId, pharmacyId, grant.end);
        grant.end = uint40(block.timestamp);
        emit PrescriptionWithdrawn(reportId, pharmacyId, msg.sender, index);
    }

    /// @inheritdoc IEHRv2
    function fileClaim(uint256 reportId, uint256 insurerId, uint256 amount) external returns (uint256 claimId) {
        _checkReportOwner(reportId, msg.sender);
        _checkKind(insurerId, OrganisationKind.Insurer);
        if (amount == 0 || amount > _MAX_AMOUNT) revert EHRInvalidAmount(amount);
        EHRStorage storage $ = _getEHRStorage();
        claimId = $.claimCount + 1;
        $.claimCount = uint32(claimId);
        $.claims[claimId] = Claim({
            reportId: uint32(reportId),
            insurerId: uint32(insurerId),
            filedAt: uint40(block.timestamp),
            status: ClaimStatus.Open,
            amount: uint48(amount),
            approvedAmount: 0,
            decidedAt: 0
        });
        emit ClaimFiled(claimId, reportId, insurerId, msg.sender, amount);
    }

    /// @inheritdoc IEHRv2
    function endEmergency(uint256 emergencyId) external {
        EHRStorage storage $ = _getEHRStorage();
        Emergency storage entry = $.emergencies[emergencyId];
        address doctor = entry.doctor;
        if (doctor == address(0)) revert EHRUnknownEmergency(emergencyId);
        EmergencySubject storage subject = $.emergencySubjects[emergencyId];
        if (subject.patient != msg.sender) revert EHRNotEmergencyPatient(emergencyId, msg.sender);
        if (entry.end <= block.timestamp) revert EHREmergencyEnded(emergencyId, entry.end);
        entry.end = uint40(block.timestamp);
        // A doctor opens a new emergency on a patient only once the previous one ended, so a live
        // emergency is always the latest of its pair.
        $.emergencyAccesses[msg.sender][doctor].end = uint40(block.timestamp);
        emit EmergencyEnded(
            emergencyId,
            msg.sender,
            doctor,
            subject.hospitalId,
            entry.start,
            block.timestamp,
            $.emergencyReasons[emergencyId]
        );
    }

    // ─── Doctor ──────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IEHRv2
    function addPrescription(uint256 reportId, bytes32 commitment) external returns (uint256 index) {
        uint256 hospitalId = _checkStaff(msg.sender, OrganisationKind.Hospital);
        EHRStorage storage $ = _getEHRStorage();
        Report storage entry = $.reports[reportId];
        if (entry.patient == address(0)) revert EHRUnknownReport(reportId);
        _checkLive(reportId, hospitalId, _lane(reportId, hospitalId));
        if (commitment == bytes32(0)) revert EHREmptyCommitment();
        index = _appendPrescription(entry, reportId, msg.sender, hospitalId, commitment, block.timestamp);
        emit PrescriptionAdded(reportId, msg.sender, hospitalId, index, commitment);
    }

    /// @inheritdoc IEHRv2
    function recordAccess(uint256 reportId) external {
        uint256 hospitalId = _checkStaff(msg.sender, OrganisationKind.Hospital);
        EHRStorage storage $ = _getEHRStorage();
        address patient = $.reports[reportId].patient;
        if (patient == address(0)) revert EHRUnknownReport(reportId);
        uint40 end = _lane(reportId, hospitalId);
        if (end > block.timestamp) {
            emit ReportAccessed(reportId, patient, msg.sender, hospitalId, Purpose.Treatment, 0);
            return;
        }
        EmergencyAccess storage access = $.emergencyAccesses[patient][msg.sender];
        if (access.end > block.timestamp) {
            emit ReportAccessed(reportId, patient, msg.sender, hospitalId, Purpose.Emergency, access.emergencyId);
            return;
        }
        _checkLive(reportId, hospitalId, end);
    }

    /// @inheritdoc IEHRv2
    function openEmergency(
        address patient,
        bytes32 reasonHash,
        uint256 duration
    ) external returns (uint256 emergencyId) {
        uint256 hospitalId = _checkStaff(msg.sender, OrganisationKind.Hospital);
        _checkPatient(patient);
        if (reasonHash == bytes32(0)) revert EHREmptyReason();
        if (duration == 0 || duration > MAX_EMERGENCY_DURATION) {
            revert EHRInvalidDuration(duration, MAX_EMERGENCY_DURATION);
        }
        EHRStorage storage $ = _getEHRStorage();
        EmergencyAccess storage access = $.emergencyAccesses[patient][msg.sender];
        if (access.end > block.timestamp) revert EHREmergencyAlreadyOpen(access.emergencyId, access.end);
        emergencyId = $.emergencyCount + 1;
        $.emergencyCount = uint32(emergencyId);
        uint256 end = block.timestamp + duration;
        $.emergencies[emergencyId] = Emergency({
            doctor: msg.sender,
            start: uint40(block.timestamp),
            end: uint40(end)
        });
        $.emergencySubjects[emergencyId] = EmergencySubject({patient: patient, hospitalId: uint32(hospitalId)});
        $.emergencyReasons[emergencyId] = reasonHash;
        $.emergencyAccesses[patient][msg.sender] = EmergencyAccess({
            emergencyId: uint32(emergencyId),
            end: uint40(end)
        });
        emit EmergencyOpened(emergencyId, patient, msg.sender, hospitalId, block.timestamp, end, reasonHash);
    }

    // ─── Pharmacist ──────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IEHRv2
    function recordPrescriptionAccess(uint256 reportId, uint256 index) external {
        uint256 pharmacyId = _checkGrantedPharmacist(reportId, index, msg.sender);
        address patient = _getEHRStorage().reports[reportId].patient;
        emit ReportAccessed(reportId, patient, msg.sender, pharmacyId, Purpose.Dispensing, index);
    }

    /// @inheritdoc IEHRv2
    function dispensePrescription(uint256 reportId, uint256 index) external {
        uint256 pharmacyId = _checkGrantedPharmacist(reportId, index, msg.sender);
        Dispensed storage done = _checkNotDispensed(reportId, index);
        done.pharmacist = msg.sender;
        done.dispensedAt = uint40(block.timestamp);
        emit PrescriptionDispensed(reportId, pharmacyId, msg.sender, index);
    }

    // ─── Insurer ─────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IEHRv2
    function recordClaimAccess(uint256 claimId) external {
        Claim storage entry = _checkOpenClaimInsurer(claimId, msg.sender);
        uint256 reportId = entry.reportId;
        address patient = _getEHRStorage().reports[reportId].patient;
        emit ReportAccessed(reportId, patient, msg.sender, entry.insurerId, Purpose.Payment, claimId);
    }

    /// @inheritdoc IEHRv2
    function approveClaim(uint256 claimId, uint256 amount, bytes32 noteCommitment) external {
        Claim storage entry = _checkOpenClaimInsurer(claimId, msg.sender);
        if (amount == 0) revert EHRInvalidAmount(amount);
        if (amount > entry.amount) revert EHRAmountAboveClaim(claimId, amount, entry.amount);
        _decideClaim(entry, claimId, ClaimStatus.Approved, amount, noteCommitment);
    }

    /// @inheritdoc IEHRv2
    function rejectClaim(uint256 claimId, bytes32 noteCommitment) external {
        Claim storage entry = _checkOpenClaimInsurer(claimId, msg.sender);
        if (noteCommitment == bytes32(0)) revert EHREmptyCommitment();
        _decideClaim(entry, claimId, ClaimStatus.Rejected, 0, noteCommitment);
    }

    // ─── Import from a first release ─────────────────────────────────────────────────────────

    /// @inheritdoc IEHRv2
    function importHospitals(ImportedHospital[] calldata hospitals) external onlyImporter {
        for (uint256 i = 0; i < hospitals.length; ++i) {
            uint256 id = hospitals[i].id;
            uint256 count = _getEHRStorage().organisationCount;
            if (id != 0 && id <= count) revert EHROrganisationExists(id);
            if (id != count + 1) revert EHRImportOutOfOrder(id, count + 1);
            _addOrganisation(OrganisationKind.Hospital, hospitals[i].name);
        }
    }

    /// @inheritdoc IEHRv2
    function importDoctors(ImportedDoctor[] calldata doctors) external onlyImporter {
        for (uint256 i = 0; i < doctors.length; ++i) {
            uint256 hospitalId = doctors[i].hospitalId;
            _checkKind(hospitalId, OrganisationKind.Hospital);
            _addStaff(doctors[i].account, hospitalId, OrganisationKind.Hospital);
        }
    }

    /// @inheritdoc IEHRv2
    function importPatients(address[] calldata patients) external onlyImporter {
        for (uint256 i = 0; i < patients.length; ++i) {
            _registerPatient(patients[i]);
        }
    }

    /// @inheritdoc IEHRv2
    function importReports(ImportedReport[] calldata reports) external onlyImporter {
        EHRStorage storage $ = _getEHRStorage();
        for (uint256 i = 0; i < reports.length; ++i) {
            ImportedReport calldata entry = reports[i];
            uint256 count = $.reportCount;
            if (entry.id != 0 && entry.id <= count) revert EHRReportExists(entry.id);
            if (entry.id != count + 1) revert EHRImportOutOfOrder(entry.id, count + 1);
            _checkPatient(entry.patient);
            if (entry.commitment == bytes32(0)) revert EHREmptyCommitment();
            _checkPastTime(entry.createdAt);
            _storeReport(entry.patient, entry.commitment, entry.createdAt);
            emit ReportImported(entry.id, entry.patient, msg.sender, entry.commitment, entry.createdAt);
        }
    }

    /// @inheritdoc IEHRv2
    function importGrants(ImportedGrant[] calldata grants) external onlyImporter {
        for (uint256 i = 0; i < grants.length; ++i) {
            ImportedGrant calldata entry = grants[i];
            _checkReport(entry.reportId);
            _checkKind(entry.hospitalId, OrganisationKind.Hospital);
            uint40 end = entry.until == 0 ? _NO_END : uint40(entry.until);
            if (_setLane(entry.reportId, entry.hospitalId, end) != 0) {
                revert EHRAlreadyGranted(entry.reportId, entry.hospitalId);
            }
            if (entry.until != 0) _checkPastTime(entry.until);
            emit GrantImported(entry.reportId, entry.hospitalId, msg.sender, entry.until);
        }
    }

    /// @inheritdoc IEHRv2
    function importPrescriptions(ImportedPrescription[] calldata prescriptions_) external onlyImporter {
        EHRStorage storage $ = _getEHRStorage();
        for (uint256 i = 0; i < prescriptions_.length; ++i) {
            ImportedPrescription calldata entry = prescriptions_[i];
            Report storage reportEntry = $.reports[entry.reportId];
            if (reportEntry.patient == address(0)) revert EHRUnknownReport(entry.reportId);
            uint256 count = reportEntry.prescriptionCount;
            if (entry.index < count) revert EHRPrescriptionExists(entry.reportId, entry.index);
            if (entry.index != count) revert EHRImportOutOfOrder(entry.index, count);
            if (entry.doctor == address(0)) revert EHRNotStaff(entry.doctor, DOCTOR_ROLE);
            _checkKind(entry.hospitalId, OrganisationKind.Hospital);
            if (entry.commitment == bytes32(0)) revert EHREmptyCommitment();
            _checkPastTime(entry.createdAt);
            _appendPrescription(
                reportEntry,
                entry.reportId,
                entry.doctor,
                entry.hospitalId,
                entry.commitment,
                entry.createdAt
            );
            emit PrescriptionImported(
                entry.reportId,
                entry.doctor,
                entry.hospitalId,
                entry.index,
                entry.commitment,
                entry.createdAt
            );
        }
    }

    /// @inheritdoc IEHRv2
    function importAccesses(ImportedAccess[] calldata accesses) external onlyImporter {
        for (uint256 i = 0; i < accesses.length; ++i) {
            ImportedAccess calldata entry = accesses[i];
            address patient = _checkReport(entry.reportId);
            if (entry.doctor == address(0)) revert EHRNotStaff(entry.doctor, DOCTOR_ROLE);
            _checkKind(entry.hospitalId, OrganisationKind.Hospital);
            _checkPastTime(entry.accessedAt);
            emit AccessImported(entry.reportId, patient, entry.doctor, entry.hospitalId, entry.accessedAt);
        }
    }

    /// @inheritdoc IEHRv2
    function finishImport() external {
        if (!hasRole(IMPORTER_ROLE, msg.sender) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert EHRNotImporter(msg.sender);
        }
        EHRStorage storage $ = _getEHRStorage();
        if ($.importFinished) revert EHRImportFinished();
        $.importFinished = true;
        emit ImportFinished(msg.sender, $.organisationCount, $.reportCount);
    }

    // ─── Views ───────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IEHRv2
    function version() external pure virtual returns (string memory) {
        return "2.0.0";
    }

    /// @inheritdoc IEHRv2
    function importFinished() external view returns (bool) {
        return _getEHRStorage().importFinished;
    }

    /// @inheritdoc IEHRv2
    function organisationCount() external view returns (uint256) {
        return _getEHRStorage().organisationCount;
    }

    /// @inheritdoc IEHRv2
    function organisation(uint256 organisationId) external view returns (OrganisationKind kind, string memory name) {
        kind = _kindOf(organisationId);
        if (kind == OrganisationKind.None) revert EHRUnknownOrganisation(organisationId);
        name = _getEHRStorage().organisationNames[organisationId];
    }

    /// @inheritdoc IEHRv2
    function staffOf(address account) external view returns (uint256 organisationId, bytes32 role) {
        Staff storage entry = _getEHRStorage().staff[account];
        if (entry.kind == OrganisationKind.None) return (0, bytes32(0));
        return (entry.organisationId, _roleOf(entry.kind));
    }

    /// @inheritdoc IEHRv2
    function isPatient(address account) external view returns (bool) {
        return _getEHRStorage().patients[account].registered;
    }

    /// @inheritdoc IEHRv2
    function reportCount() external view returns (uint256) {
        return _getEHRStorage().reportCount;
    }

    /// @inheritdoc IEHRv2
    function report(uint256 reportId) external view returns (ReportView memory) {
        _checkReport(reportId);
        EHRStorage storage $ = _getEHRStorage();
        Report storage entry = $.reports[reportId];
        return
            ReportView({
                patient: entry.patient,
                commitment: $.reportCommitments[reportId],
                createdAt: entry.createdAt,
                prescriptionCount: entry.prescriptionCount
            });
    }

    /// @inheritdoc IEHRv2
    function reportsOf(address patient) external view returns (uint256[] memory reportIds) {
        EHRStorage storage $ = _getEHRStorage();
        Patient storage entry = $.patients[patient];
        reportIds = new uint256[](entry.reportCount);
        uint256 id = entry.lastReportId;
        for (uint256 i = 0; i < reportIds.length; ++i) {
            reportIds[i] = id;
            id = $.reports[id].previousOfPatient;
        }
    }

    /// @inheritdoc IEHRv2
    function reportHospitals(uint256 reportId) external view returns (uint256[] memory hospitalIds) {
        _checkReport(reportId);
        uint256 count = _getEHRStorage().organisationCount;
        uint256[] memory found = new uint256[](count);
        uint256 length = 0;
        for (uint256 id = 1; id <= count; ++id) {
            // Only hospitals hold treatment grants.
            if (_lane(reportId, id) > block.timestamp) found[length++] = id;
        }
        // Shrink the array in place to the number of ids found.
        assembly ("memory-safe") {
            mstore(found, length)
        }
        return found;
    }

    /// @inheritdoc IEHRv2
    function treatmentGrant(uint256 reportId, uint256 hospitalId) external view returns (bool live, uint256 until) {
        uint40 end = _lane(reportId, hospitalId);
        return (end > block.timestamp, end == _NO_END ? 0 : end);
    }

    /// @inheritdoc IEHRv2
    function canRead(uint256 reportId, address account) public view returns (bool) {
        EHRStorage storage $ = _getEHRStorage();
        address patient = $.reports[reportId].patient;
        if (patient == address(0)) return false;
        if (patient == account) return true;
        Staff storage entry = $.staff[account];
        if (entry.kind != OrganisationKind.Hospital) return false;
        if (_lane(reportId, entry.organisationId) > block.timestamp) return true;
        return $.emergencyAccesses[patient][account].end > block.timestamp;
    }

    /// @inheritdoc IEHRv2
    function canReadPrescription(uint256 reportId, uint256 index, address account) external view returns (bool) {
        EHRStorage storage $ = _getEHRStorage();
        if (index >= $.reports[reportId].prescriptionCount) return false;
        if (canRead(reportId, account)) return true;
        Staff storage entry = $.staff[account];
        if (entry.kind != OrganisationKind.Pharmacy) return false;
        DispensingGrant storage grant = $.dispensingGrants[reportId][index];
        return grant.pharmacyId == entry.organisationId && grant.end > block.timestamp;
    }

    /// @inheritdoc IEHRv2
    function canReadClaim(uint256 claimId, address account) external view returns (bool) {
        EHRStorage storage $ = _getEHRStorage();
        Claim storage entry = $.claims[claimId];
        Staff storage staffEntry = $.staff[account];
        return
            entry.status == ClaimStatus.Open &&
            staffEntry.kind == OrganisationKind.Insurer &&
            staffEntry.organisationId == entry.insurerId;
    }

    /// @inheritdoc IEHRv2
    function prescriptions(uint256 reportId) external view returns (PrescriptionView[] memory list) {
        _checkReport(reportId);
        EHRStorage storage $ = _getEHRStorage();
        uint256 count = $.reports[reportId].prescriptionCount;
        list = new PrescriptionView[](count);
        for (uint256 i = 0; i < count; ++i) {
            Prescription storage entry = $.prescriptions[reportId][i];
            list[i] = PrescriptionView({
                doctor: entry.doctor,
                hospitalId: entry.hospitalId,
                commitment: $.prescriptionCommitments[reportId][i],
                createdAt: entry.createdAt
            });
        }
    }

    /// @inheritdoc IEHRv2
    function dispensing(uint256 reportId, uint256 index) external view returns (DispensingView memory) {
        _checkReport(reportId);
        _checkPrescriptionIndex(reportId, index);
        EHRStorage storage $ = _getEHRStorage();
        DispensingGrant storage grant = $.dispensingGrants[reportId][index];
        Dispensed storage done = $.dispensings[reportId][index];
        return
            DispensingView({
                pharmacyId: grant.pharmacyId,
                live: grant.end > block.timestamp,
                until: grant.end == _NO_END ? 0 : grant.end,
                pharmacist: done.pharmacist,
                dispensedPharmacyId: done.pharmacist == address(0) ? 0 : grant.pharmacyId,
                dispensedAt: done.dispensedAt
            });
    }

    /// @inheritdoc IEHRv2
    function claimCount() external view returns (uint256) {
        return _getEHRStorage().claimCount;
    }

    /// @inheritdoc IEHRv2
    function claim(uint256 claimId) external view returns (ClaimView memory) {
        EHRStorage storage $ = _getEHRStorage();
        Claim storage entry = $.claims[claimId];
        if (entry.status == ClaimStatus.None) revert EHRUnknownClaim(claimId);
        return
            ClaimView({
                reportId: entry.reportId,
                patient: $.reports[entry.reportId].patient,
                insurerId: entry.insurerId,
                amount: entry.amount,
                filedAt: entry.filedAt,
                status: entry.status,
                approvedAmount: entry.approvedAmount,
                decidedBy: $.claimDeciders[claimId],
                decidedAt: entry.decidedAt
            });
    }

    /// @inheritdoc IEHRv2
    function emergencyCount() external view returns (uint256) {
        return _getEHRStorage().emergencyCount;
    }

    /// @inheritdoc IEHRv2
    function emergency(uint256 emergencyId) external view returns (EmergencyView memory) {
        EHRStorage storage $ = _getEHRStorage();
        Emergency storage entry = $.emergencies[emergencyId];
        if (entry.doctor == address(0)) revert EHRUnknownEmergency(emergencyId);
        EmergencySubject storage subject = $.emergencySubjects[emergencyId];
        return
            EmergencyView({
                doctor: entry.doctor,
                patient: subject.patient,
                hospitalId: subject.hospitalId,
                start: entry.start,
                end: entry.end,
                reasonHash: $.emergencyReasons[emergencyId]
            });
    }

    /// @inheritdoc IEHRv2
    function emergencyOf(
        address patient,
        address doctor
    ) external view returns (uint256 emergencyId, uint256 end, bool live) {
        EmergencyAccess storage access = _getEHRStorage().emergencyAccesses[patient][doctor];
        return (access.emergencyId, access.end, access.end > block.timestamp);
    }

    // ─── Roles ───────────────────────────────────────────────────────────────────────────────

    /**
     * @dev A staff role is held exactly when its account is bound to an organisation of the
     * matching kind: granting one is refused unless {addStaff} bound the account first.
     */
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        if (_isStaffRole(role) && _roleOf(_getEHRStorage().staff[account].kind) != role) {
            revert EHRStaffRoleNeedsOrganisation(role, account);
        }
        return super._grantRole(role, account);
    }

    /// @dev Revoking (or renouncing) a staff role unbinds its account: {removeStaff}'s effect.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && _isStaffRole(role)) {
            EHRStorage storage $ = _getEHRStorage();
            uint256 organisationId = $.staff[account].organisationId;
            delete $.staff[account];
            emit StaffRemoved(account, organisationId, role, _msgSender());
        }
    }

    /// @dev Only the admin upgrades the contract.
    function _authorizeUpgrade(address) internal view override {
        _checkRole(DEFAULT_ADMIN_ROLE);
    }

    // ─── Internal ────────────────────────────────────────────────────────────────────────────

    function _getEHRStorage() internal pure returns (EHRStorage storage $) {
        assembly ("memory-safe") {
            $.slot := _EHR_STORAGE_LOCATION
        }
    }

    function _addOrganisation(OrganisationKind kind, string calldata name) private returns (uint256 organisationId) {
        if (bytes(name).length == 0) revert EHREmptyOrganisationName();
        EHRStorage storage $ = _getEHRStorage();
        organisationId = $.organisationCount + 1;
        $.organisationCount = uint32(organisationId);
        (uint256 word, uint256 shift) = (organisationId >> 7, (organisationId & 127) << 1);
        $.organisationKinds[word] |= uint256(kind) << shift;
        $.organisationNames[organisationId] = name;
        emit OrganisationAdded(organisationId, kind, msg.sender, name);
    }

    function _addStaff(address account, uint256 organisationId, OrganisationKind kind) private {
        if (account == address(0) || _hasRole(account)) revert EHRAccountHasRole(account);
        _getEHRStorage().staff[account] = Staff({organisationId: uint32(organisationId), kind: kind});
        bytes32 role = _roleOf(kind);
        _grantRole(role, account);
        emit StaffAdded(account, organisationId, role, msg.sender);
    }

    function _registerPatient(address account) private {
        if (account == address(0) || _hasRole(account)) revert EHRAccountHasRole(account);
        _getEHRStorage().patients[account].registered = true;
        emit PatientRegistered(account);
    }

    /// @dev Stores a new report with the next id; the caller checked the patient and the commitment.
    function _storeReport(address patient, bytes32 commitment, uint256 createdAt) private returns (uint256 reportId) {
        EHRStorage storage $ = _getEHRStorage();
        Patient storage patientEntry = $.patients[patient];
        reportId = $.reportCount + 1;
        $.reportCount = uint32(reportId);
        $.reports[reportId] = Report({
            patient: patient,
            createdAt: uint40(createdAt),
            previousOfPatient: patientEntry.lastReportId,
            prescriptionCount: 0
        });
        $.reportCommitments[reportId] = commitment;
        patientEntry.lastReportId = uint32(reportId);
        patientEntry.reportCount += 1;
    }

    function _appendPrescription(
        Report storage reportEntry,
        uint256 reportId,
        address doctor,
        uint256 hospitalId,
        bytes32 commitment,
        uint256 createdAt
    ) private returns (uint256 index) {
        EHRStorage storage $ = _getEHRStorage();
        uint24 count = reportEntry.prescriptionCount;
        reportEntry.prescriptionCount = count + 1;
        index = count;
        $.prescriptions[reportId][index] = Prescription({
            doctor: doctor,
            createdAt: uint40(createdAt),
            hospitalId: uint32(hospitalId)
        });
        $.prescriptionCommitments[reportId][index] = commitment;
    }

    function _decideClaim(
        Claim storage entry,
        uint256 claimId,
        ClaimStatus status,
        uint256 approvedAmount,
        bytes32 noteCommitment
    ) private {
        entry.status = status;
        entry.approvedAmount = uint48(approvedAmount);
        entry.decidedAt = uint40(block.timestamp);
        _getEHRStorage().claimDeciders[claimId] = msg.sender;
        emit ClaimDecided(claimId, entry.insurerId, msg.sender, status, approvedAmount, noteCommitment);
    }

    /// @dev The stored end of a grant given `until` (0: no end), which must be in the future.
    function _storedEnd(uint256 until) private view returns (uint40) {
        if (until == 0) return _NO_END;
        if (until <= block.timestamp || until >= _NO_END) revert EHRInvalidEnd(until);
        return uint40(until);
    }

    /// @dev The stored end of the treatment grant of `organisationId` on `reportId`.
    function _lane(uint256 reportId, uint256 organisationId) private view returns (uint40) {
        (uint256 word, uint256 shift) = _lanePosition(organisationId);
        return uint40(_getEHRStorage().grantWords[reportId][word] >> shift);
    }

    /// @dev Sets the stored end of the treatment grant of `organisationId` on `reportId`; returns the end it replaced.
    function _setLane(uint256 reportId, uint256 organisationId, uint40 end) private returns (uint40 previous) {
        (uint256 word, uint256 shift) = _lanePosition(organisationId);
        mapping(uint256 position => uint256 lanes) storage words = _getEHRStorage().grantWords[reportId];
        uint256 lanes = words[word];
        previous = uint40(lanes >> shift);
        words[word] = (lanes & ~(uint256(_NO_END) << shift)) | (uint256(end) << shift);
    }

    function _lanePosition(uint256 organisationId) private pure returns (uint256 word, uint256 shift) {
        return (organisationId / _LANES_PER_WORD, (organisationId % _LANES_PER_WORD) * 40);
    }

    function _kindOf(uint256 organisationId) private view returns (OrganisationKind) {
        if (organisationId == 0 || organisationId > type(uint32).max) return OrganisationKind.None;
        uint256 kinds = _getEHRStorage().organisationKinds[organisationId >> 7];
        return OrganisationKind((kinds >> ((organisationId & 127) << 1)) & 3);
    }

    function _roleOf(OrganisationKind kind) private pure returns (bytes32) {
        if (kind == OrganisationKind.Hospital) return DOCTOR_ROLE;
        if (kind == OrganisationKind.Pharmacy) return PHARMACIST_ROLE;
        if (kind == OrganisationKind.Insurer) return INSURER_ROLE;
        return bytes32(0);
    }

    function _isStaffRole(bytes32 role) private pure returns (bool) {
        return role == DOCTOR_ROLE || role == PHARMACIST_ROLE || role == INSURER_ROLE;
    }

    function _hasRole(address account) private view returns (bool) {
        EHRStorage storage $ = _getEHRStorage();
        return $.patients[account].registered || $.staff[account].kind != OrganisationKind.None;
    }

    function _checkImporter() private view {
        _checkRole(IMPORTER_ROLE);
        if (_getEHRStorage().importFinished) revert EHRImportFinished();
    }

    function _checkKind(uint256 organisationId, OrganisationKind expected) private view {
        OrganisationKind actual = _kindOf(organisationId);
        if (actual == expected) return;
        if (actual == OrganisationKind.None) revert EHRUnknownOrganisation(organisationId);
        revert EHRWrongOrganisationKind(organisationId, expected, actual);
    }

    function _checkPatient(address account) private view {
        if (!_getEHRStorage().patients[account].registered) revert EHRNotPatient(account);
    }

    /// @dev Returns the organisation of `account` after checking that it is staff of an organisation of `kind`.
    function _checkStaff(address account, OrganisationKind kind) private view returns (uint256 organisationId) {
        Staff storage entry = _getEHRStorage().staff[account];
        if (entry.kind != kind) revert EHRNotStaff(account, _roleOf(kind));
        return entry.organisationId;
    }

    /// @dev Returns the patient of `reportId` after checking that it exists.
    function _checkReport(uint256 reportId) private view returns (address patient) {
        patient = _getEHRStorage().reports[reportId].patient;
        if (patient == address(0)) revert EHRUnknownReport(reportId);
    }

    function _checkReportOwner(uint256 reportId, address account) private view {
        if (_checkReport(reportId) != account) revert EHRNotReportOwner(reportId, account);
    }

    /// @dev Reverts unless report `reportId`, known to exist, has prescription `index`.
    function _checkPrescriptionIndex(uint256 reportId, uint256 index) private view {
        if (index >= _getEHRStorage().reports[reportId].prescriptionCount) {
            revert EHRUnknownPrescription(reportId, index);
        }
    }

    function _checkPrescriptionOwner(uint256 reportId, uint256 index, address account) private view {
        _checkReportOwner(reportId, account);
        _checkPrescriptionIndex(reportId, index);
    }

    /// @dev Returns the dispensing of prescription `index` of `reportId` after checking that it is empty.
    function _checkNotDispensed(uint256 reportId, uint256 index) private view returns (Dispensed storage done) {
        EHRStorage storage $ = _getEHRStorage();
        done = $.dispensings[reportId][index];
        if (done.pharmacist == address(0)) return done;
        // A dispensed prescription is never sent again: the pharmacy of its grant dispensed it.
        uint256 pharmacyId = $.dispensingGrants[reportId][index].pharmacyId;
        revert EHRAlreadyDispensed(reportId, index, done.pharmacist, pharmacyId, done.dispensedAt);
    }

    /// @dev Reverts unless the stored `end` of the grant of `organisationId` on `reportId` is live.
    function _checkLive(uint256 reportId, uint256 organisationId, uint40 end) private view {
        if (end > block.timestamp) return;
        if (end == 0) revert EHRNotGranted(reportId, organisationId);
        revert EHRGrantEnded(reportId, organisationId, end);
    }

    /// @dev Returns the pharmacy of `pharmacist` after checking its live grant on the prescription.
    function _checkGrantedPharmacist(
        uint256 reportId,
        uint256 index,
        address pharmacist
    ) private view returns (uint256 pharmacyId) {
        pharmacyId = _checkStaff(pharmacist, OrganisationKind.Pharmacy);
        DispensingGrant storage grant = _getEHRStorage().dispensingGrants[reportId][index];
        _checkLive(reportId, pharmacyId, grant.pharmacyId == pharmacyId ? grant.end : 0);
    }

    function _checkOpenClaimInsurer(uint256 claimId, address account) private view returns (Claim storage entry) {
        uint256 insurerId = _checkStaff(account, OrganisationKind.Insurer);
        EHRStorage storage $ = _getEHRStorage();
        entry = $.claims[claimId];
        ClaimStatus status = entry.status;
        if (status == ClaimStatus.None) revert EHRUnknownClaim(claimId);
        if (entry.insurerId != insurerId) revert EHRNotClaimInsurer(claimId, entry.insurerId, account);
        if (status != ClaimStatus.Open) {
            revert EHRClaimAlreadyDecided(claimId, status, $.claimDeciders[claimId], entry.decidedAt);
        }
    }

    function _checkPastTime(uint256 timestamp) private view {
        if (timestamp == 0 || timestamp > block.timestamp) revert EHRInvalidTimestamp(timestamp);
    }
}
