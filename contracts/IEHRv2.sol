// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IEHRv2 — the second version of the ledger of an electronic health record system
 * @notice Holds identities, roles, commitments, grants, claims and emergency accesses only. No
 * name of a person, email, password or health text is ever passed to or stored by this contract:
 * report, prescription, claim-note and emergency-reason bodies live encrypted off-chain, and the
 * ledger keeps the keccak256 of each ciphertext envelope. Organisation names are public.
 *
 * Roles:
 * - the admin (`DEFAULT_ADMIN_ROLE`) adds organisations (hospitals, pharmacies, insurers), adds
 *   and removes staff, upgrades the contract, and may grant `IMPORTER_ROLE`;
 * - staff hold one of `DOCTOR_ROLE` (of a hospital), `PHARMACIST_ROLE` (of a pharmacy) or
 *   `INSURER_ROLE` (of an insurer), bound to exactly one organisation of the matching kind; a
 *   removed member loses the role, and every staff-only function refuses them from that block on;
 * - a patient registers its own address, adds reports and decides who may read them;
 * - an importer (`IMPORTER_ROLE`) replays a first release's history, keeping its ids, until
 *   {finishImport} closes the import for ever.
 *
 * Grants: a grant is (record, organisation, purpose, end).
 * - Treatment: a hospital reads a report and its doctors prescribe on it;
 * - Dispensing: a pharmacy reads one prescription and its pharmacists dispense it once;
 * - Payment: an insurer reads a report (and its prescriptions) while a claim on it is open;
 * - Emergency (break-glass): one doctor reads every report of one patient for a bounded time.
 * A grant is live while `block.timestamp < until`; `until == 0` means "no end". Revoking a grant
 * ends it at the block's timestamp, so an ended grant still tells when it ended.
 *
 * Ids of organisations, reports, claims and emergencies are assigned by the contract, counting
 * from 1; 0 means "none". Prescriptions are numbered from 0 within their report.
 */
interface IEHRv2 {
    // ─── Types ───────────────────────────────────────────────────────────────────────────────

    /// @notice The kind of an organisation; `None` is no organisation.
    enum OrganisationKind {
        None,
        Hospital,
        Pharmacy,
        Insurer
    }

    /// @notice Why a report was opened (see {ReportAccessed}).
    enum Purpose {
        None,
        Treatment,
        Dispensing,
        Payment,
        Emergency
    }

    /// @notice The state of a claim.
    enum ClaimStatus {
        None,
        Open,
        Approved,
        Rejected
    }

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

    /// @notice Where a prescription was sent, and its dispensing (zero fields when not dispensed).
    struct DispensingView {
        uint256 pharmacyId;
        uint256 until;
        uint256 dispensedPharmacyId;
        uint256 dispensedAt;
        address pharmacist;
        bool live;
    }

    /// @notice A claim as the ledger knows it; the decision fields are zero while it is open.
    struct ClaimView {
        uint256 reportId;
        address patient;
        uint256 insurerId;
        uint256 amount;
        uint256 filedAt;
        ClaimStatus status;
        uint256 approvedAmount;
        address decidedBy;
        uint256 decidedAt;
    }

    /// @notice A break-glass access: `doctor` of `hospitalId` may read every report of `patient`
    /// from `start` until `end` (exclusive).
    struct EmergencyView {
        address doctor;
        address patient;
        uint256 hospitalId;
        uint256 start;
        uint256 end;
        bytes32 reasonHash;
    }

    /// @notice A hospital of a first release, replayed by {importHospitals}.
    struct ImportedHospital {
        uint256 id;
        string name;
    }

    /// @notice A doctor of a first release, replayed by {importDoctors}.
    struct ImportedDoctor {
        address account;
        uint256 hospitalId;
    }

    /// @notice A report of a first release, replayed by {importReports}.
    struct ImportedReport {
        uint256 id;
        address patient;
        bytes32 commitment;
        uint256 createdAt;
    }

    /// @notice A treatment grant of a first release: `until` 0 while live, else when it ended.
    struct ImportedGrant {
        uint256 reportId;
        uint256 hospitalId;
        uint256 until;
    }

    /// @notice A prescription of a first release, replayed by {importPrescriptions}.
    struct ImportedPrescription {
        uint256 reportId;
        uint256 index;
        address doctor;
        uint256 hospitalId;
        bytes32 commitment;
        uint256 createdAt;
    }

    /// @notice An opening of a report by a doctor in a first release, replayed by {importAccesses}.
    struct ImportedAccess {
        uint256 reportId;
        address doctor;
        uint256 hospitalId;
        uint256 accessedAt;
    }

    // ─── Errors ──────────────────────────────────────────────────────────────────────────────

    /// @dev `admin` cannot be the first admin: it is the zero address.
    error EHRInvalidAdmin(address admin);

    /// @dev An organisation name was empty.
    error EHREmptyOrganisationName();

    /// @dev `kind` is not a kind of organisation that can be added.
    error EHRInvalidOrganisationKind(OrganisationKind kind);

    /// @dev `organisationId` is not an organisation on the ledger.
    error EHRUnknownOrganisation(uint256 organisationId);

    /// @dev `organisationId` is not an organisation of kind `expected` (it is of kind `actual`).
    error EHRWrongOrganisationKind(uint256 organisationId, OrganisationKind expected, OrganisationKind actual);

    /// @dev `account` cannot take a role: it is the zero address, a patient, or already staff.
    error EHRAccountHasRole(address account);

    /// @dev `account` is not a staff member (so it cannot be removed).
    error EHRUnknownStaff(address account);

    /// @dev `account` does not hold the staff role `role` (never did, or was removed).
    error EHRNotStaff(address account, bytes32 role);

    /// @dev The staff role `role` can only be given with an organisation ({addStaff}), not by `grantRole`.
    error EHRStaffRoleNeedsOrganisation(bytes32 role, address account);

    /// @dev `account` is not a registered patient.
    error EHRNotPatient(address account);

    /// @dev A commitment was zero; a commitment is the keccak256 of an encrypted body.
    error EHREmptyCommitment();

    /// @dev `reportId` is not a report on the ledger.
    error EHRUnknownReport(uint256 reportId);

    /// @dev `account` does not own report `reportId`.
    error EHRNotReportOwner(uint256 reportId, address account);

    /// @dev `until` is neither 0 (no end) nor later than the block's timestamp.
    error EHRInvalidEnd(uint256 until);

    /// @dev `organisationId` was listed twice for the new report `reportId`, or (import) already holds a grant on it.
    error EHRAlreadyGranted(uint256 reportId, uint256 organisationId);

    /// @dev `organisationId` was never granted `reportId` (for a pharmacy: the prescription; `organisationId` 0:
    /// the prescription was never sent).
    error EHRNotGranted(uint256 reportId, uint256 organisationId);

    /// @dev The grant of `organisationId` on `reportId` ended at `endedAt` (expired or revoked).
    error EHRGrantEnded(uint256 reportId, uint256 organisationId, uint256 endedAt);

    /// @dev Report `reportId` has no prescription number `index`.
    error EHRUnknownPrescription(uint256 reportId, uint256 index);

    /// @dev Prescription `index` of `reportId` was dispensed by `pharmacist` of `pharmacyId` at `dispensedAt`.
    error EHRAlreadyDispensed(
        uint256 reportId,
        uint256 index,
        address pharmacist,
        uint256 pharmacyId,
        uint256 dispensedAt
    );

    /// @dev A claimed or approved `amount` was 0 or too large (at most 2^48 - 1).
    error EHRInvalidAmount(uint256 amount);

    /// @dev `claimId` is not a claim on the ledger.
    error EHRUnknownClaim(uint256 claimId);

    /// @dev `amount` is more than the `claimed` amount of `claimId`.
    error EHRAmountAboveClaim(uint256 claimId, uint256 amount, uint256 claimed);

    /// @dev `claimId` was already decided (`status`) by `decidedBy` at `decidedAt`.
    error EHRClaimAlreadyDecided(uint256 claimId, ClaimStatus status, address decidedBy, uint256 decidedAt);

    /// @dev `account` is not staff of insurer `insurerId`, to which `claimId` was filed.
    error EHRNotClaimInsurer(uint256 claimId, uint256 insurerId, address account);

    /// @dev An emergency's reason hash was zero.
    error EHREmptyReason();

    /// @dev An emergency `duration` (seconds) was 0 or more than `maxDuration`.
    error EHRInvalidDuration(uint256 duration, uint256 maxDuration);

    /// @dev Emergency `emergencyId` of the same doctor on the same patient is live until `end`.
    error EHREmergencyAlreadyOpen(uint256 emergencyId, uint256 end);

    /// @dev `emergencyId` is not an emergency access on the ledger.
    error EHRUnknownEmergency(uint256 emergencyId);

    /// @dev `account` is not the patient of emergency `emergencyId`.
    error EHRNotEmergencyPatient(uint256 emergencyId, address account);

    /// @dev Emergency `emergencyId` already ended at `end`.
    error EHREmergencyEnded(uint256 emergencyId, uint256 end);

    /// @dev The caller holds neither `IMPORTER_ROLE` nor `DEFAULT_ADMIN_ROLE`.
    error EHRNotImporter(address account);

    /// @dev {finishImport} was called: nothing can be imported any more.
    error EHRImportFinished();

    /// @dev Organisation `organisationId` is already on the ledger (imported twice?).
    error EHROrganisationExists(uint256 organisationId);

    /// @dev Report `reportId` is already on the ledger (imported twice?).
    error EHRReportExists(uint256 reportId);

    /// @dev Prescription `index` of `reportId` is already on the ledger (imported twice?).
    error EHRPrescriptionExists(uint256 reportId, uint256 index);

    /// @dev Imports keep ids without gaps: `id` was given where `expected` was next.
    error EHRImportOutOfOrder(uint256 id, uint256 expected);

    /// @dev An imported time `timestamp` is 0 or later than the block's timestamp.
    error EHRInvalidTimestamp(uint256 timestamp);

    // ─── Events ──────────────────────────────────────────────────────────────────────────────

    /// @notice `admin` (or the importer) added organisation `organisationId` of `kind` with its public `name`.
    event OrganisationAdded(
        uint256 indexed organisationId,
        OrganisationKind indexed kind,
        address indexed admin,
        string name
    );

    /// @notice `admin` (or the importer) made `account` staff (`role`) of `organisationId`.
    event StaffAdded(address indexed account, uint256 indexed organisationId, bytes32 indexed role, address admin);

    /// @notice `account` lost its staff `role` at `organisationId`; `sender` removed it (or renounced).
    event StaffRemoved(address indexed account, uint256 indexed organisationId, bytes32 indexed role, address sender);

    /// @notice `patient` registered itself (or was imported).
    event PatientRegistered(address indexed patient);

    /// @notice `patient` added report `reportId` whose body has the given `commitment`.
    event ReportAdded(uint256 indexed reportId, address indexed patient, bytes32 commitment);

    /// @notice `patient` granted hospital `hospitalId` treatment access to `reportId` until `until` (0: no end).
    event ReportShared(uint256 indexed reportId, uint256 indexed hospitalId, address indexed patient, uint256 until);

    /// @notice `patient` ended the treatment grant of `hospitalId` on `reportId`.
    event ReportRevoked(uint256 indexed reportId, uint256 indexed hospitalId, address indexed patient);

    /// @notice `doctor` of `hospitalId` added prescription number `index` (from 0) to `reportId`.
    event PrescriptionAdded(
        uint256 indexed reportId,
        address indexed doctor,
        uint256 indexed hospitalId,
        uint256 index,
        bytes32 commitment
    );

    /// @notice `patient` sent prescription `index` of `reportId` to `pharmacyId`, until `until` (0: no end).
    event PrescriptionSent(
        uint256 indexed reportId,
        uint256 indexed pharmacyId,
        address indexed patient,
        uint256 index,
        uint256 until
    );

    /// @notice `patient` ended the dispensing grant of `pharmacyId` on prescription `index` of `reportId`.
    event PrescriptionWithdrawn(
        uint256 indexed reportId,
        uint256 indexed pharmacyId,
        address indexed patient,
        uint256 index
    );

    /// @notice `pharmacist` of `pharmacyId` dispensed prescription `index` of `reportId`.
    event PrescriptionDispensed(
        uint256 indexed reportId,
        uint256 indexed pharmacyId,
        address indexed pharmacist,
        uint256 index
    );

    /// @notice `patient` filed claim `claimId` on `reportId` to `insurerId` for `amount`; the insurer may read the
    /// report for payment until the claim is decided.
    event ClaimFiled(
        uint256 indexed claimId,
        uint256 indexed reportId,
        uint256 indexed insurerId,
        address patient,
        uint256 amount
    );

    /// @notice `decidedBy` of `insurerId` decided `claimId` (`status`, `approvedAmount`; a note with `noteCommitment`,
    /// or zero); the insurer's payment grant on the report ended.
    event ClaimDecided(
        uint256 indexed claimId,
        uint256 indexed insurerId,
        address indexed decidedBy,
        ClaimStatus status,
        uint256 approvedAmount,
        bytes32 noteCommitment
    );

    /// @notice `doctor` of `hospitalId` opened break-glass access `emergencyId` to every report of `patient`,
    /// from `start` until `end`, for a reason whose encrypted envelope hashes to `reasonHash`.
    event EmergencyOpened(
        uint256 indexed emergencyId,
        address indexed patient,
        address indexed doctor,
        uint256 hospitalId,
        uint256 start,
        uint256 end,
        bytes32 reasonHash
    );

    /// @notice `patient` ended emergency `emergencyId` early: its `end` is now the block's timestamp.
    event EmergencyEnded(
        uint256 indexed emergencyId,
        address indexed patient,
        address indexed doctor,
        uint256 hospitalId,
        uint256 start,
        uint256 end,
        bytes32 reasonHash
    );

    /// @notice `reader` of `organisationId` opened `reportId` of `patient` for `purpose`; `ref` is the prescription
    /// index (Dispensing), the claim id (Payment), the emergency id (Emergency), or 0 (Treatment).
    event ReportAccessed(
        uint256 indexed reportId,
        address indexed patient,
        address indexed reader,
        uint256 organisationId,
        Purpose purpose,
        uint256 ref
    );

    /// @notice `importer` replayed report `reportId` of `patient`, added at `createdAt` in the first release.
    event ReportImported(
        uint256 indexed reportId,
        address indexed patient,
        address indexed importer,
        bytes32 commitment,
        uint256 createdAt
    );

    /// @notice `importer` replayed the treatment grant of `hospitalId` on `reportId` (`until` 0: live, else ended).
    event GrantImported(uint256 indexed reportId, uint256 indexed hospitalId, address indexed importer, uint256 until);

    /// @notice Prescription `index` of `reportId`, by `doctor` of `hospitalId` at `createdAt`, was replayed.
    event PrescriptionImported(
        uint256 indexed reportId,
        address indexed doctor,
        uint256 indexed hospitalId,
        uint256 index,
        bytes32 commitment,
        uint256 createdAt
    );

    /// @notice An opening of `reportId` of `patient` by `doctor` of `hospitalId` at `accessedAt` was replayed.
    event AccessImported(
        uint256 indexed reportId,
        address indexed patient,
        address indexed doctor,
        uint256 hospitalId,
        uint256 accessedAt
    );

    /// @notice `sender` closed the import for ever, with `organisationCount` organisations and `reportCount` reports.
    event ImportFinished(address indexed sender, uint256 indexed organisationCount, uint256 indexed reportCount);

    // ─── Admin ───────────────────────────────────────────────────────────────────────────────

    /**
     * @notice Adds an organisation of `kind` and returns its id.
     * @dev Emits {OrganisationAdded}.
     *
     * Requirements:
     * - the caller has `DEFAULT_ADMIN_ROLE`;
     * - `kind` is Hospital, Pharmacy or Insurer;
     * - `name` is not empty.
     */
    function addOrganisation(OrganisationKind kind, string calldata name) external returns (uint256 organisationId);

    /**
     * @notice Makes `account` staff of `organisationId`: a doctor of a hospital, a pharmacist of a
     * pharmacy, insurer staff of an insurer.
     * @dev Emits {StaffAdded} (and AccessControl's `RoleGranted`).
     *
     * Requirements:
     * - the caller has `DEFAULT_ADMIN_ROLE`;
     * - `organisationId` exists;
     * - `account` is not the zero address, a patient, or staff already.
     */
    function addStaff(address account, uint256 organisationId) external;

    /**
     * @notice Removes staff member `account`: its role is revoked, and from this block on every
     * staff-only function refuses it. It may be added again later, to any organisation.
     * @dev Emits {StaffRemoved} (and `RoleRevoked`). `revokeRole` and `renounceRole` on a staff
     * role do the same.
     *
     * Requirements:
     * - the caller has `DEFAULT_ADMIN_ROLE`;
     * - `account` is staff.
     */
    function removeStaff(address account) external;

    // ─── Patient ─────────────────────────────────────────────────────────────────────────────

    /**
     * @notice Registers the caller as a patient.
     * @dev Emits {PatientRegistered}.
     *
     * Requirements:
     * - the caller is not already a patient or staff.
     */
    function registerPatient() external;

    /**
     * @notice Adds a report of the caller, shared with `hospitalIds` until `until` (0: no end), and
     * returns its id. One transaction: a report is never on the ledger with only some of its grants.
     * @dev Emits {ReportAdded}, then {ReportShared} for each hospital.
     *
     * Requirements:
     * - the caller is a patient;
     * - `commitment` is not zero;
     * - `until` is 0 or later than the block's timestamp (checked even with no hospital);
     * - every id is a hospital, and none is listed twice.
     */
    function addReport(
        bytes32 commitment,
        uint256[] calldata hospitalIds,
        uint256 until
    ) external returns (uint256 reportId);

    /**
     * @notice Grants `hospitalId` treatment access to the caller's report `reportId` until `until`
     * (0: no end). Granting again, live or ended, sets the new end.
     * @dev Emits {ReportShared}.
     *
     * Requirements:
     * - `reportId` exists and the caller owns it;
     * - `hospitalId` is a hospital;
     * - `until` is 0 or later than the block's timestamp.
     */
    function shareReport(uint256 reportId, uint256 hospitalId, uint256 until) external;

    /**
     * @notice Ends the treatment grant of `hospitalId` on the caller's report `reportId` now.
     * @dev Emits {ReportRevoked}. Prescriptions already written stay on the ledger.
     *
     * Requirements:
     * - `reportId` exists and the caller owns it;
     * - `hospitalId` holds a live grant on it.
     */
    function revokeReport(uint256 reportId, uint256 hospitalId) external;

    /**
     * @notice Sends prescription `index` of the caller's report `reportId` to `pharmacyId`, which
     * may read and dispense it until `until` (0: no end). Sending again, to the same or another
     * pharmacy, replaces the grant.
     * @dev Emits {PrescriptionSent}.
     *
     * Requirements:
     * - `reportId` exists and the caller owns it; the prescription exists and is not dispensed;
     * - `pharmacyId` is a pharmacy;
     * - `until` is 0 or later than the block's timestamp.
     */
    function sendPrescription(uint256 reportId, uint256 index, uint256 pharmacyId, uint256 until) external;

    /**
     * @notice Ends the dispensing grant on prescription `index` of the caller's report `reportId` now.
     * @dev Emits {PrescriptionWithdrawn}.
     *
     * Requirements:
     * - `reportId` exists and the caller owns it;
     * - the prescription was sent to a pharmacy and that grant is live.
     */
    function withdrawPrescription(uint256 reportId, uint256 index) external;

    /**
     * @notice Files a claim on the caller's report `reportId` to `insurerId` for `amount` (whole
     * currency units) and returns its id. The insurer's staff may read the report and its
     * prescriptions (purpose Payment) until the claim is decided.
     * @dev Emits {ClaimFiled}.
     *
     * Requirements:
     * - `reportId` exists and the caller owns it;
     * - `insurerId` is an insurer;
     * - `amount` is between 1 and 2^48 - 1.
     */
    function fileClaim(uint256 reportId, uint256 insurerId, uint256 amount) external returns (uint256 claimId);

    /**
     * @notice Ends emergency access `emergencyId` to the caller's reports now.
     * @dev Emits {EmergencyEnded}.
     *
     * Requirements:
     * - `emergencyId` exists and the caller is its patient;
     * - it is live.
     */
    function endEmergency(uint256 emergencyId) external;

    // ─── Doctor ──────────────────────────────────────────────────────────────────────────────

    /**
     * @notice Adds a prescription to `reportId` and returns its index within the report.
     * @dev Emits {PrescriptionAdded}.
     *
     * Requirements:
     * - the caller has `DOCTOR_ROLE`;
     * - `reportId` exists and the caller's hospital holds a live treatment grant on it
     *   (break-glass access reads, it does not prescribe);
     * - `commitment` is not zero.
     */
    function addPrescription(uint256 reportId, bytes32 commitment) external returns (uint256 index);

    /**
     * @notice Records on the ledger that the caller opened `reportId`. Stores nothing.
     * @dev Emits {ReportAccessed} with purpose Treatment when the caller's hospital holds a live
     * grant, else Emergency when the caller holds a live emergency access to the report's patient.
     *
     * Requirements:
     * - the caller has `DOCTOR_ROLE`;
     * - `reportId` exists and the caller may read it (a live treatment grant or emergency).
     */
    function recordAccess(uint256 reportId) external;

    /**
     * @notice Opens break-glass access to every report of `patient` for `duration` seconds and
     * returns its id; to be written before the first record is shown.
     * @dev Emits {EmergencyOpened}.
     *
     * Requirements:
     * - the caller has `DOCTOR_ROLE` (of any hospital);
     * - `patient` is a patient;
     * - `reasonHash` is not zero;
     * - `duration` is between 1 and {MAX_EMERGENCY_DURATION};
     * - the caller holds no live emergency access to `patient`.
     */
    function openEmergency(
        address patient,
        bytes32 reasonHash,
        uint256 duration
    ) external returns (uint256 emergencyId);

    // ─── Pharmacist ──────────────────────────────────────────────────────────────────────────

    /**
     * @notice Records that the caller opened prescription `index` of `reportId`. Stores nothing.
     * @dev Emits {ReportAccessed} with purpose Dispensing and `ref` = `index`.
     *
     * Requirements:
     * - the caller has `PHARMACIST_ROLE`;
     * - the caller's pharmacy holds a live dispensing grant on the prescription.
     */
    function recordPrescriptionAccess(uint256 reportId, uint256 index) external;

    /**
     * @notice Records that the caller dispensed prescription `index` of `reportId`: once, anywhere.
     * @dev Emits {PrescriptionDispensed}.
     *
     * Requirements:
     * - the caller has `PHARMACIST_ROLE`;
     * - the caller's pharmacy holds a live dispensing grant on the prescription;
     * - the prescription was not dispensed.
     */
    function dispensePrescription(uint256 reportId, uint256 index) external;

    // ─── Insurer ─────────────────────────────────────────────────────────────────────────────

    /**
     * @notice Records that the caller opened the report of claim `claimId`. Stores nothing.
     * @dev Emits {ReportAccessed} with purpose Payment and `ref` = `claimId`.
     *
     * Requirements:
     * - the caller has `INSURER_ROLE`, at the claim's insurer;
     * - the claim is open.
     */
    function recordClaimAccess(uint256 claimId) external;

    /**
     * @notice Approves claim `claimId` for `amount` (at most the claimed amount); `noteCommitment`
     * is the commitment of an encrypted note, or zero. Ends the insurer's payment grant.
     * @dev Emits {ClaimDecided}.
     *
     * Requirements:
     * - the caller has `INSURER_ROLE`, at the claim's insurer;
     * - the claim is open;
     * - `amount` is between 1 and the claimed amount.
     */
    function approveClaim(uint256 claimId, uint256 amount, bytes32 noteCommitment) external;

    /**
     * @notice Rejects claim `claimId` with a note whose encrypted envelope has `noteCommitment`.
     * Ends the insurer's payment grant.
     * @dev Emits {ClaimDecided}.
     *
     * Requirements:
     * - the caller has `INSURER_ROLE`, at the claim's insurer;
     * - the claim is open;
     * - `noteCommitment` is not zero.
     */
    function rejectClaim(uint256 claimId, bytes32 noteCommitment) external;

    // ─── Import from a first release ─────────────────────────────────────────────────────────

    /**
     * @notice Replays hospitals of a first release, keeping their ids.
     * @dev Emits {OrganisationAdded} for each.
     *
     * Requirements:
     * - the caller has `IMPORTER_ROLE`, and the import is not finished;
     * - each id is the next organisation id (an id already present reverts {EHROrganisationExists});
     * - each name is not empty.
     */
    function importHospitals(ImportedHospital[] calldata hospitals) external;

    /**
     * @notice Replays doctors of a first release.
     * @dev Emits {StaffAdded} (and `RoleGranted`) for each.
     *
     * Requirements:
     * - the caller has `IMPORTER_ROLE`, and the import is not finished;
     * - each hospital exists; each account is not the zero address, a patient, or staff already.
     */
    function importDoctors(ImportedDoctor[] calldata doctors) external;

    /**
     * @notice Replays patients of a first release.
     * @dev Emits {PatientRegistered} for each.
     *
     * Requirements:
     * - the caller has `IMPORTER_ROLE`, and the import is not finished;
     * - each account is not the zero address, a patient, or staff already.
     */
    function importPatients(address[] calldata patients) external;

    /**
     * @notice Replays reports of a first release, keeping their ids, patients, commitments and times.
     * @dev Emits {ReportImported} for each.
     *
     * Requirements:
     * - the caller has `IMPORTER_ROLE`, and the import is not finished;
     * - each id is the next report id (an id already present reverts {EHRReportExists});
     * - each patient is a patient; each commitment is not zero;
     * - each time is not 0 and not in the future.
     */
    function importReports(ImportedReport[] calldata reports) external;

    /**
     * @notice Replays treatment grants of a first release: live (`until` 0) or ended (when).
     * @dev Emits {GrantImported} for each.
     *
     * Requirements:
     * - the caller has `IMPORTER_ROLE`, and the import is not finished;
     * - each report exists, each hospital is a hospital, and no grant of that pair is on the ledger;
     * - each `until` is 0 or not in the future.
     */
    function importGrants(ImportedGrant[] calldata grants) external;

    /**
     * @notice Replays prescriptions of a first release, keeping their indexes within their report.
     * @dev Emits {PrescriptionImported} for each.
     *
     * Requirements:
     * - the caller has `IMPORTER_ROLE`, and the import is not finished;
     * - each report exists and each index is its next (an index already present reverts
     *   {EHRPrescriptionExists});
     * - each doctor is not the zero address; each hospital is a hospital; each commitment is not
     *   zero; each time is not 0 and not in the future.
     */
    function importPrescriptions(ImportedPrescription[] calldata prescriptions) external;

    /**
     * @notice Replays openings of reports by doctors in a first release. Stores nothing.
     * @dev Emits {AccessImported} for each.
     *
     * Requirements:
     * - the caller has `IMPORTER_ROLE`, and the import is not finished;
     * - each report exists; each hospital is a hospital; each time is not 0 and not in the future.
     */
    function importAccesses(ImportedAccess[] calldata accesses) external;

    /**
     * @notice Closes the import for ever.
     * @dev Emits {ImportFinished}.
     *
     * Requirements:
     * - the caller has `IMPORTER_ROLE` or `DEFAULT_ADMIN_ROLE`;
     * - the import is not finished.
     */
    function finishImport() external;

    // ─── Views ───────────────────────────────────────────────────────────────────────────────

    /// @notice The version of the implementation, e.g. "2.0.0".
    function version() external pure returns (string memory);

    /// @notice Whether {finishImport} was called.
    function importFinished() external view returns (bool);

    /// @notice The number of organisations; their ids run from 1 to this number.
    function organisationCount() external view returns (uint256);

    /// @notice The kind and name of `organisationId`. Reverts with {EHRUnknownOrganisation} when it does not exist.
    function organisation(uint256 organisationId) external view returns (OrganisationKind kind, string memory name);

    /// @notice The organisation and role of staff member `account`, or (0, 0) when it is not staff.
    function staffOf(address account) external view returns (uint256 organisationId, bytes32 role);

    /// @notice Whether `account` is a registered patient.
    function isPatient(address account) external view returns (bool);

    /// @notice The number of reports; their ids run from 1 to this number.
    function reportCount() external view returns (uint256);

    /// @notice Report `reportId`. Reverts with {EHRUnknownReport} when it does not exist.
    function report(uint256 reportId) external view returns (ReportView memory);

    /// @notice The report ids of `patient`, newest first.
    function reportsOf(address patient) external view returns (uint256[] memory reportIds);

    /// @notice The hospitals holding a live treatment grant on `reportId`, in increasing id order.
    function reportHospitals(uint256 reportId) external view returns (uint256[] memory hospitalIds);

    /**
     * @notice The treatment grant of `hospitalId` on `reportId`: `live`, and its `until` — 0 with
     * `live` for no end; when it ended (expired or revoked) without `live`; (false, 0) when never
     * granted, and for unknown ids.
     */
    function treatmentGrant(uint256 reportId, uint256 hospitalId) external view returns (bool live, uint256 until);

    /**
     * @notice Whether `account` may read report `reportId` now: its patient; a doctor whose
     * hospital holds a live treatment grant; a doctor with a live emergency access to its patient.
     * Pharmacies read prescriptions ({canReadPrescription}), insurers claims ({canReadClaim}).
     */
    function canRead(uint256 reportId, address account) external view returns (bool);

    /// @notice Whether `account` may read prescription `index` of `reportId` now: anyone who may
    /// read the report, and pharmacists of the pharmacy holding a live dispensing grant on it.
    function canReadPrescription(uint256 reportId, uint256 index, address account) external view returns (bool);

    /// @notice Whether `account` may read the report (and prescriptions) of claim `claimId` now: staff
    /// of its insurer while it is open.
    function canReadClaim(uint256 claimId, address account) external view returns (bool);

    /// @notice Every prescription of `reportId`, oldest first.
    function prescriptions(uint256 reportId) external view returns (PrescriptionView[] memory);

    /// @notice Where prescription `index` of `reportId` was sent, and its dispensing.
    function dispensing(uint256 reportId, uint256 index) external view returns (DispensingView memory);

    /// @notice The number of claims; their ids run from 1 to this number.
    function claimCount() external view returns (uint256);

    /// @notice Claim `claimId`. Reverts with {EHRUnknownClaim} when it does not exist.
    function claim(uint256 claimId) external view returns (ClaimView memory);

    /// @notice The number of emergency accesses; their ids run from 1 to this number.
    function emergencyCount() external view returns (uint256);

    /// @notice Emergency access `emergencyId`. Reverts with {EHRUnknownEmergency} when it does not exist.
    function emergency(uint256 emergencyId) external view returns (EmergencyView memory);

    /// @notice The latest emergency access of `doctor` to `patient`: its id (0: none), its end, and whether it is live.
    function emergencyOf(
        address patient,
        address doctor
    ) external view returns (uint256 emergencyId, uint256 end, bool live);
}
