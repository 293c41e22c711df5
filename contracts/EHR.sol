// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IEHR} from "./IEHR.sol";

/**
 * @title EHR — see {IEHR}.
 * @dev Storage is laid out for the cost of the common writes (adding a report, sharing,
 * revoking, prescribing), which every patient and doctor pays:
 * - a report is one packed slot (patient, time, link to the patient's previous report,
 *   prescription count) plus one slot for its commitment;
 * - a patient's reports form a linked list through those slots, so adding one writes no array;
 * - grants are a bitmap of hospital ids, 256 hospitals per slot;
 * - a prescription is one packed slot (doctor, time, hospital) plus one for its commitment.
 */
contract EHR is IEHR, AccessControl {
    using SafeCast for uint256;

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

    uint256 private _hospitalCount;
    uint256 private _reportCount;
    mapping(uint256 hospitalId => string name) private _hospitalNames;
    mapping(address doctor => uint256 hospitalId) private _doctorHospitals;
    mapping(address patient => Patient info) private _patients;
    mapping(uint256 reportId => Report entry) private _reports;
    mapping(uint256 reportId => bytes32 commitment) private _reportCommitments;
    mapping(uint256 reportId => mapping(uint256 word => uint256 bits)) private _grantWords;
    mapping(uint256 reportId => mapping(uint256 index => Prescription)) private _prescriptions;
    mapping(uint256 reportId => mapping(uint256 index => bytes32 commitment)) private _prescriptionCommitments;

    modifier onlyPatient() {
        _checkPatient(msg.sender);
        _;
    }

    constructor() {
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
    }

    // ─── Admin ───────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IEHR
    function addHospital(string calldata name) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint256 hospitalId) {
        if (bytes(name).length == 0) revert EHREmptyHospitalName();
        hospitalId = uint256(_hospitalCount + 1).toUint32();
        _hospitalCount = hospitalId;
        _hospitalNames[hospitalId] = name;
        emit HospitalAdded(hospitalId, name);
    }

    /// @inheritdoc IEHR
    function addDoctor(address doctor, uint256 hospitalId) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkHospital(hospitalId);
        if (doctor == address(0) || _hasRole(doctor)) revert EHRAccountHasRole(doctor);
        _doctorHospitals[doctor] = hospitalId;
        emit DoctorAdded(doctor, hospitalId);
    }

    // ─── Patient ─────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IEHR
    function registerPatient() external {
        if (_hasRole(msg.sender)) revert EHRAccountHasRole(msg.sender);
        _patients[msg.sender].registered = true;
        emit PatientRegistered(msg.sender);
    }

    /// @inheritdoc IEHR
    function addReport(
        bytes32 commitment,
        uint256[] calldata hospitalIds
    ) external onlyPatient returns (uint256 reportId) {
        if (commitment == bytes32(0)) revert EHREmptyCommitment();
        Patient storage patient = _patients[msg.sender];
        reportId = uint256(_reportCount + 1).toUint32();
        _reportCount = reportId;
        _reports[reportId] = Report({
            patient: msg.sender,
            createdAt: uint40(block.timestamp),
            previousOfPatient: patient.lastReportId,
            prescriptionCount: 0
        });
        _reportCommitments[reportId] = commitment;
        patient.lastReportId = uint32(reportId);
        patient.reportCount += 1;
        emit ReportAdded(reportId, msg.sender, commitment);
        for (uint256 i = 0; i < hospitalIds.length; ++i) {
            _grant(reportId, hospitalIds[i]);
        }
    }

    /// @inheritdoc IEHR
    function shareReport(uint256 reportId, uint256 hospitalId) external {
        _checkReportOwner(reportId, msg.sender);
        _grant(reportId, hospitalId);
    }

    /// @inheritdoc IEHR
    function revokeReport(uint256 reportId, uint256 hospitalId) external {
        _checkReportOwner(reportId, msg.sender);
        (uint256 word, uint256 mask) = _grantPosition(hospitalId);
        uint256 bits = _grantWords[reportId][word];
        if (bits & mask == 0) revert EHRNotGranted(reportId, hospitalId);
        _grantWords[reportId][word] = bits & ~mask;
        emit ReportRevoked(reportId, hospitalId);
    }

    // ─── Doctor ──────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IEHR
    function addPrescription(uint256 reportId, bytes32 commitment) external returns (uint256 index) {
        uint256 hospitalId = _checkGrantedDoctor(reportId, msg.sender);
        if (commitment == bytes32(0)) revert EHREmptyCommitment();
        Report storage reportEntry = _reports[reportId];
        index = reportEntry.prescriptionCount;
        reportEntry.prescriptionCount = uint256(index + 1).toUint24();
        _prescriptions[reportId][index] = Prescription({
            doctor: msg.sender,
            createdAt: uint40(block.timestamp),
            hospitalId: uint32(hospitalId)
        });
        _prescriptionCommitments[reportId][index] = commitment;
        emit PrescriptionAdded(reportId, msg.sender, hospitalId, index, commitment);
    }

    /// @inheritdoc IEHR
    function recordAccess(uint256 reportId) external {
        uint256 hospitalId = _checkGrantedDoctor(reportId, msg.sender);
        emit ReportAccessed(reportId, _reports[reportId].patient, msg.sender, hospitalId);
    }

    // ─── Views ───────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IEHR
    function hospitalCount() external view returns (uint256) {
        return _hospitalCount;
    }

    /// @inheritdoc IEHR
    function hospital(uint256 hospitalId) external view returns (string memory name) {
        _checkHospital(hospitalId);
        return _hospitalNames[hospitalId];
    }

    /// @inheritdoc IEHR
    function hospitalOf(address doctor) external view returns (uint256 hospitalId) {
        return _doctorHospitals[doctor];
    }

    /// @inheritdoc IEHR
    function isPatient(address account) external view returns (bool) {
        return _patients[account].registered;
    }

    /// @inheritdoc IEHR
    function reportCount() external view returns (uint256) {
        return _reportCount;
    }

    /// @inheritdoc IEHR
    function report(uint256 reportId) external view returns (ReportView memory) {
        _checkReport(reportId);
        Report storage entry = _reports[reportId];
        return
            ReportView({
                patient: entry.patient,
                commitment: _reportCommitments[reportId],
                createdAt: entry.createdAt,
                prescriptionCount: entry.prescriptionCount
            });
    }

    /// @inheritdoc IEHR
    function reportHospitals(uint256 reportId) external view returns (uint256[] memory hospitalIds) {
        _checkReport(reportId);
        uint256 count = _hospitalCount;
        uint256[] memory found = new uint256[](count);
        uint256 length = 0;
        uint256 bits = 0;
        for (uint256 id = 1; id <= count; ++id) {
            if (id == 1 || id & 0xff == 0) bits = _grantWords[reportId][id >> 8];
            if (bits & (1 << (id & 0xff)) != 0) found[length++] = id;
        }
        // Shrink the array in place to the number of ids found.
        assembly ("memory-safe") {
            mstore(found, length)
        }
        return found;
    }

    /// @inheritdoc IEHR
    function canRead(uint256 reportId, uint256 hospitalId) public view returns (bool) {
        (uint256 word, uint256 mask) = _grantPosition(hospitalId);
        return _grantWords[reportId][word] & mask != 0;
    }

    /// @inheritdoc IEHR
    function prescriptions(uint256 reportId) external view returns (PrescriptionView[] memory list) {
        _checkReport(reportId);
        uint256 count = _reports[reportId].prescriptionCount;
        list = new PrescriptionView[](count);
        for (uint256 i = 0; i < count; ++i) {
            Prescription storage entry = _prescriptions[reportId][i];
            list[i] = PrescriptionView({
                doctor: entry.doctor,
                hospitalId: entry.hospitalId,
                commitment: _prescriptionCommitments[reportId][i],
                createdAt: entry.createdAt
            });
        }
    }

    /// @inheritdoc IEHR
    function reportsOf(address patient) external view returns (uint256[] memory reportIds) {
        Patient storage entry = _patients[patient];
        reportIds = new uint256[](entry.reportCount);
        uint256 id = entry.lastReportId;
        for (uint256 i = 0; i < reportIds.length; ++i) {
            reportIds[i] = id;
            id = _reports[id].previousOfPatient;
        }
    }

    // ─── Internal ────────────────────────────────────────────────────────────────────────────

    function _grant(uint256 reportId, uint256 hospitalId) private {
        _checkHospital(hospitalId);
        (uint256 word, uint256 mask) = _grantPosition(hospitalId);
        uint256 bits = _grantWords[reportId][word];
        if (bits & mask != 0) revert EHRAlreadyGranted(reportId, hospitalId);
        _grantWords[reportId][word] = bits | mask;
        emit ReportShared(reportId, hospitalId);
    }

    function _grantPosition(uint256 hospitalId) private pure returns (uint256 word, uint256 mask) {
        return (hospitalId >> 8, 1 << (hospitalId & 0xff));
    }

    function _hasRole(address account) private view returns (bool) {
        return _patients[account].registered || _doctorHospitals[account] != 0;
    }

    function _checkHospital(uint256 hospitalId) private view {
        if (hospitalId == 0 || hospitalId > _hospitalCount) revert EHRUnknownHospital(hospitalId);
    }

    function _checkPatient(address account) private view {
        if (!_patients[account].registered) revert EHRNotPatient(account);
    }

    function _checkReport(uint256 reportId) private view {
        if (reportId == 0 || reportId > _reportCount) revert EHRUnknownReport(reportId);
    }

    function _checkReportOwner(uint256 reportId, address account) private view {
        _checkReport(reportId);
        if (_reports[reportId].patient != account) revert EHRNotReportOwner(reportId, account);
    }

    /// @dev Returns the hospital of `doctor` after checking that it may read `reportId`.
    function _checkGrantedDoctor(uint256 reportId, address doctor) private view returns (uint256 hospitalId) {
        hospitalId = _doctorHospitals[doctor];
        if (hospitalId == 0) revert EHRNotDoctor(doctor);
        _checkReport(reportId);
        if (!canRead(reportId, hospitalId)) revert EHRNotGranted(reportId, hospitalId);
    }
}
