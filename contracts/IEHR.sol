// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IEHR — the ledger of an electronic health record system
 * @notice Holds identities, roles, commitments and grants only. No name, email, password or
 * health text is ever passed to or stored by this contract: report and prescription bodies
 * live encrypted off-chain, and the ledger keeps the keccak256 of each ciphertext envelope.
 *
 * Roles:
 * - the admin (the deployer, `DEFAULT_ADMIN_ROLE`) adds hospitals and doctors;
 * - a patient registers its own address, adds reports and decides which hospitals may read them;
 * - a doctor works at one hospital and may read and prescribe on a report while that hospital
 *   holds an active grant on it.
 *
 * Ids of hospitals and reports are assigned by the contract, counting from 1; 0 means "none".
 */
interface IEHR {
    // ─── Errors ──────────────────────────────────────────────────────────────────────────────

    /// @dev A hospital name was empty.
    error EHREmptyHospitalName();

    /// @dev `hospitalId` is not a hospital added by the admin.
    error EHRUnknownHospital(uint256 hospitalId);

    /// @dev `account` cannot take a role: it is the zero address or already holds a role.
    error EHRAccountHasRole(address account);

    /// @dev `account` is not a registered patient.
    error EHRNotPatient(address account);

    /// @dev `account` is not a registered doctor.
    error EHRNotDoctor(address account);

    /// @dev A commitment was zero; a commitment is the keccak256 of an encrypted body.
    error EHREmptyCommitment();

    /// @dev `reportId` is not a report on the ledger.
    error EHRUnknownReport(uint256 reportId);

    /// @dev `account` does not own report `reportId`.
    error EHRNotReportOwner(uint256 reportId, address account);

    /// @dev `hospitalId` already holds an active grant on `reportId`.
    error EHRAlreadyGranted(uint256 reportId, uint256 hospitalId);

    /// @dev `hospitalId` holds no active grant on `reportId`.
    error EHRNotGranted(uint256 reportId, uint256 hospitalId);

    // ─── Events ──────────────────────────────────────────────────────────────────────────────

    /// @notice Hospital `hospitalId` was added with its public `name`.
    event HospitalAdded(uint256 indexed hospitalId, string name);

    /// @notice `doctor` was added as a doctor of `hospitalId`.
    event DoctorAdded(address indexed doctor, uint256 indexed hospitalId);

    /// @notice `patient` registered itself.
    event PatientRegistered(address indexed patient);

    /// @notice `patient` added report `reportId` whose body has the given `commitment`.
    event ReportAdded(uint256 indexed reportId, address indexed patient, bytes32 commitment);

    /// @notice `hospitalId` was granted access to `reportId`.
    event ReportShared(uint256 indexed reportId, uint256 indexed hospitalId);

    /// @notice The grant of `hospitalId` on `reportId` was revoked.
    event ReportRevoked(uint256 indexed reportId, uint256 indexed hospitalId);

    /// @notice `doctor` of `hospitalId` added prescription number `index` (from 0) to `reportId`.
    event PrescriptionAdded(
        uint256 indexed reportId,
        address indexed doctor,
        uint256 indexed hospitalId,
        uint256 index,
        bytes32 commitment
    );

    /// @notice `doctor` of `hospitalId` opened `reportId`, which belongs to `patient`.
    event ReportAccessed(
        uint256 indexed reportId,
        address indexed patient,
        address indexed doctor,
        uint256 hospitalId
    );

    // ─── Types ───────────────────────────────────────────────────────────────────────────────

    /// @notice A report as the ledger knows it: no content, only who, when and a commitment.
    struct ReportView {
        address patient;
        bytes32 commitment;
        uint256 createdAt;
        uint256 prescriptionCount;
    }

    /// @notice A prescription as the ledger knows it.
    struct PrescriptionView {
        address doctor;
        uint256 hospitalId;
        bytes32 commitment;
        uint256 createdAt;
    }

    // ─── Admin ───────────────────────────────────────────────────────────────────────────────

    /**
     * @notice Adds a hospital and returns its id.
     * @dev Emits {HospitalAdded}.
     *
     * Requirements:
     * - the caller has `DEFAULT_ADMIN_ROLE`;
     * - `name` is not empty.
     */
    function addHospital(string calldata name) external returns (uint256 hospitalId);

    /**
     * @notice Adds `doctor` as a doctor of `hospitalId`.
     * @dev Emits {DoctorAdded}.
     *
     * Requirements:
     * - the caller has `DEFAULT_ADMIN_ROLE`;
     * - `hospitalId` exists;
     * - `doctor` is not the zero address, and is not already a doctor or a patient.
     */
    function addDoctor(address doctor, uint256 hospitalId) external;

    // ─── Patient ─────────────────────────────────────────────────────────────────────────────

    /**
     * @notice Registers the caller as a patient.
     * @dev Emits {PatientRegistered}.
     *
     * Requirements:
     * - the caller is not already a patient or a doctor.
     */
    function registerPatient() external;

    /**
     * @notice Adds a report of the caller, shared with `hospitalIds`, and returns its id.
     * @dev Emits {ReportAdded}, then {ReportShared} for each hospital.
     *
     * Requirements:
     * - the caller is a patient;
     * - `commitment` is not zero;
     * - every hospital exists, and none is listed twice.
     */
    function addReport(bytes32 commitment, uint256[] calldata hospitalIds) external returns (uint256 reportId);

    /**
     * @notice Grants `hospitalId` access to the caller's report `reportId`.
     * @dev Emits {ReportShared}.
     *
     * Requirements:
     * - `reportId` exists and the caller owns it;
     * - `hospitalId` exists and holds no active grant on it.
     */
    function shareReport(uint256 reportId, uint256 hospitalId) external;

    /**
     * @notice Revokes the grant of `hospitalId` on the caller's report `reportId`.
     * @dev Emits {ReportRevoked}. Prescriptions already written stay on the ledger.
     *
     * Requirements:
     * - `reportId` exists and the caller owns it;
     * - `hospitalId` holds an active grant on it.
     */
    function revokeReport(uint256 reportId, uint256 hospitalId) external;

    // ─── Doctor ──────────────────────────────────────────────────────────────────────────────

    /**
     * @notice Adds a prescription to `reportId` and returns its index within the report.
     * @dev Emits {PrescriptionAdded}.
     *
     * Requirements:
     * - the caller is a doctor;
     * - `reportId` exists and the caller's hospital holds an active grant on it;
     * - `commitment` is not zero.
     */
    function addPrescription(uint256 reportId, bytes32 commitment) external returns (uint256 index);

    /**
     * @notice Records on the ledger that the caller opened `reportId`. Stores nothing.
     * @dev Emits {ReportAccessed}.
     *
     * Requirements:
     * - the caller is a doctor;
     * - `reportId` exists and the caller's hospital holds an active grant on it.
     */
    function recordAccess(uint256 reportId) external;

    // ─── Views ───────────────────────────────────────────────────────────────────────────────

    /// @notice The number of hospitals; their ids run from 1 to this number.
    function hospitalCount() external view returns (uint256);

    /// @notice The name of `hospitalId`. Reverts with {EHRUnknownHospital} when it does not exist.
    function hospital(uint256 hospitalId) external view returns (string memory name);

    /// @notice The hospital of `doctor`, or 0 when `doctor` is not a doctor.
    function hospitalOf(address doctor) external view returns (uint256 hospitalId);

    /// @notice Whether `account` is a registered patient.
    function isPatient(address account) external view returns (bool);

    /// @notice The number of reports; their ids run from 1 to this number.
    function reportCount() external view returns (uint256);

    /// @notice Report `reportId`. Reverts with {EHRUnknownReport} when it does not exist.
    function report(uint256 reportId) external view returns (ReportView memory);

    /// @notice The hospitals holding an active grant on `reportId`, in increasing id order.
    function reportHospitals(uint256 reportId) external view returns (uint256[] memory hospitalIds);

    /// @notice Whether `hospitalId` holds an active grant on `reportId` (false for unknown ids).
    function canRead(uint256 reportId, uint256 hospitalId) external view returns (bool);

    /// @notice Every prescription of `reportId`, oldest first.
    function prescriptions(uint256 reportId) external view returns (PrescriptionView[] memory);

    /// @notice The report ids of `patient`, newest first.
    function reportsOf(address patient) external view returns (uint256[] memory reportIds);
}
