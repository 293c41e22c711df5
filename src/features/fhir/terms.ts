/**
 * The names FHIR R4 resources of this app use: our own identifier systems and extensions (under
 * one base, which a deployment with a domain of its own may change here), and the standard code
 * systems and codes the export takes from HL7, LOINC and DICOM.
 */

/**
 * The namespace of our identifier systems, extensions and codes. Not a server: the reserved
 * `.invalid` top-level domain never resolves, so no one else's name is claimed.
 */
export const SYSTEM_BASE = 'https://ehr-ledger.invalid/fhir';

/** Identifier systems: what the value of an identifier with this system is. */
export const SID = {
  /** An Ethereum account address (0x, lowercase hex): a patient, a staff member, the contract. */
  address: `${SYSTEM_BASE}/sid/ledger-address`,
  /** A user's login name in this app. */
  username: `${SYSTEM_BASE}/sid/username`,
  /** An organisation's id on the contract (a hospital, a pharmacy, an insurer). */
  organisation: `${SYSTEM_BASE}/sid/organisation`,
  /** A report's id on the contract. */
  report: `${SYSTEM_BASE}/sid/report`,
  /** A prescription: `<report id>-<index>` on the contract. */
  prescription: `${SYSTEM_BASE}/sid/prescription`,
  /** A treatment grant: `<report id>-<hospital id>`. */
  grant: `${SYSTEM_BASE}/sid/grant`,
  /**
   * The keccak256 commitment (0x hex) the ledger holds for a body: the hash of its sealed
   * envelope. Not `Attachment.hash`, which FHIR defines as the base64 SHA-1 of the data itself.
   */
  commitment: `${SYSTEM_BASE}/sid/ledger-commitment`,
  /** A transaction hash (0x hex) on the ledger. */
  transaction: `${SYSTEM_BASE}/sid/ledger-transaction`,
} as const;

/** Extensions: where a ledger transaction is (on Provenance.entity) and which chain a contract is on (on the Device). */
export const EXT = {
  /** valueInteger: the block that holds the transaction. */
  block: `${SYSTEM_BASE}/StructureDefinition/ledger-block-number`,
  /** valueString: the chain id (EIP-155) of the ledger, in decimal digits (a chain id may pass FHIR's 32-bit integer). */
  chainId: `${SYSTEM_BASE}/StructureDefinition/ledger-chain-id`,
} as const;

/** Our codes for what a DocumentReference's attachment holds (`content.format`). */
export const BODY_FORMAT = {
  system: `${SYSTEM_BASE}/CodeSystem/body-format`,
  /** application/json: `{"title", "disease", "details"}`, exactly the report as it was written. */
  reportJson: 'report-json',
  /** text/plain: the same report for a person to read. */
  reportText: 'report-text',
} as const;

/** Standard code systems. */
export const CS = {
  loinc: 'http://loinc.org',
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  consentAction: 'http://terminology.hl7.org/CodeSystem/consentaction',
  organizationType: 'http://terminology.hl7.org/CodeSystem/organization-type',
  practitionerRole: 'http://terminology.hl7.org/CodeSystem/practitioner-role',
  provenanceParticipant: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
  dataOperation: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation',
  auditEntityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  securitySourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  /** Identifier system for a value that is itself a URI (the bundle's urn:uuid). */
  uri: 'urn:ietf:rfc:3986',
} as const;

/** Why a record was opened (the contract's purposes) as the HL7 v3 ActReason (PurposeOfUse) codes. */
export const PURPOSE_OF_USE = {
  treatment: { code: 'TREAT', display: 'treatment' },
  emergency: { code: 'ETREAT', display: 'emergency treatment' },
  payment: { code: 'HPAYMT', display: 'healthcare payment' },
  // Dispensing a prescription is part of the patient's treatment: v3 has no code of its own for it.
  dispensing: { code: 'TREAT', display: 'treatment' },
} as const;
