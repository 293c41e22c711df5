/**
 * A patient's whole record as a FHIR R4 Bundle, from a snapshot the service gathered (see
 * `RecordSnapshot`): pure, so the same snapshot always gives the same bundle, byte for byte.
 *
 * - The bundle is a `collection`: a set of resources the patient takes elsewhere. A `document`
 *   would need a Composition first, with an author and an attester vouching for the whole as one
 *   clinical document; nobody here writes or signs such a thing, and a collection makes no claim
 *   it cannot keep.
 * - Every resource's `fullUrl` is a `urn:uuid:` made (UUID v5, SHA-1) from the chain, the
 *   contract and the record's ids on it, and `timestamp` is the time of the newest ledger act in
 *   it, so two exports of an unchanged record are equal, and every reference in the bundle is
 *   one of its fullUrls.
 * - Only bodies that match their commitment on the ledger are exported. A report whose stored
 *   body does not (tampered, or missing) is left out with everything that hangs on it — its
 *   prescriptions, grants and openings — and an OperationOutcome entry names it and why; so does
 *   a prescription of its own.
 * - The ledger: a `Device` is the contract (its address, the chain id, its version); each
 *   resource has a `Provenance` naming the transactions that recorded it (identifier of our
 *   transaction system, with the block number and chain id as extensions), the Device as their
 *   custodian and, when it is in the bundle, the person who sent them. A body's commitment is an
 *   identifier of the resource (our commitment system), never `Attachment.hash`, which FHIR
 *   defines as the SHA-1 of the data (and is set to that).
 *
 * A report's text is its first two attachments: the body as JSON (title, disease, details:
 * what an import here reads back) and as plain text (for people). The files attached to the
 * report follow as further `content[]` entries, each with its own type, its bytes inline
 * (`data`), its name as the title; a file that fails its check is left out and named in the
 * OperationOutcome.
 */
import { createHash } from 'node:crypto';
import type {
  AuditEvent,
  Bundle,
  BundleEntry,
  CodeableConcept,
  Consent,
  Device,
  DocumentReference,
  DocumentReferenceContent,
  Extension,
  Identifier,
  MedicationRequest,
  OperationOutcome,
  OperationOutcomeIssue,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Provenance,
  ProvenanceAgent,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import type { AccessPurpose } from '../../domain/acts';
import type { OrganisationKind, StaffRole } from '../../domain/organisations';
import type { PrescriptionBody, ReportBody } from '../records/vault';
import { BODY_FORMAT, CS, EXT, PURPOSE_OF_USE, SID } from './terms';

/** A transaction on the ledger and its block's time (seconds). */
export interface LedgerAct {
  readonly transactionHash: string;
  readonly blockNumber: number;
  readonly time: number;
}

/** A body as the vault gave it: verified, or why it is withheld. */
export type BodyState<T> = { readonly ok: true; readonly body: T } | { readonly ok: false; readonly reason: string };

export interface SnapshotPatient {
  readonly username: string;
  readonly fullName: string;
  readonly email: string;
  readonly phone: string;
  readonly address: string;
  /** Its PatientRegistered transaction, when the ledger has one (a first release's replay may not). */
  readonly registered: LedgerAct | undefined;
}

export interface SnapshotOrganisation {
  readonly id: number;
  readonly kind: OrganisationKind;
  readonly name: string;
  readonly address: string;
  readonly phone: string;
  readonly added: LedgerAct | undefined;
}

/** A staff member: a doctor, a pharmacist or an insurer's staff member. */
export interface SnapshotPerson {
  readonly address: string;
  readonly fullName: string;
  readonly role: StaffRole | undefined;
  readonly specialty: string;
  /** The admin removed them. */
  readonly removed: boolean;
  readonly added: LedgerAct | undefined;
}

export interface SnapshotReport {
  readonly id: number;
  /** The ledger's commitment. */
  readonly commitment: string;
  /** Seconds. */
  readonly createdAt: number;
  readonly recorded: LedgerAct;
  readonly body: BodyState<ReportBody>;
  /** The files its body lists, in its order: each with its bytes (checked), or why not. */
  readonly files?: readonly SnapshotFile[];
}

/** An attached file for the export: its bytes as uploaded, checked against its hash; or why it is withheld. */
export type SnapshotFile =
  | { readonly name: string; readonly type: string; readonly ok: true; readonly bytes: Buffer }
  | { readonly name: string; readonly type: string; readonly ok: false; readonly reason: string };

export interface SnapshotPrescription {
  readonly reportId: number;
  readonly index: number;
  readonly doctor: string;
  readonly hospitalId: number;
  readonly commitment: string;
  /** Seconds. */
  readonly createdAt: number;
  readonly recorded: LedgerAct | undefined;
  readonly body: BodyState<PrescriptionBody>;
  readonly dispensed: boolean;
}

export interface SnapshotGrant {
  readonly reportId: number;
  readonly hospitalId: number;
  /** Not revoked. */
  readonly active: boolean;
  /** Seconds: the end (0: none); for a revoked grant, when it was revoked. */
  readonly until: number;
  /** Its share and revoke transactions, oldest first. */
  readonly acts: readonly (LedgerAct & { readonly kind: 'shared' | 'revoked' })[];
}

/** One opening of a record (a ReportAccessed event). */
export interface SnapshotOpening {
  readonly reportId: number;
  readonly reader: string;
  readonly organisationId: number;
  readonly purpose: AccessPurpose;
  /** The prescription index (dispensing), the claim id (payment), the emergency id (emergency); null for treatment. */
  readonly ref: number | null;
  /** The break-glass reason, when it is one and its body checks out. */
  readonly reason: string | undefined;
  readonly recorded: LedgerAct;
}

export interface RecordSnapshot {
  readonly ledger: { readonly chainId: number; readonly contract: string; readonly version: string };
  readonly patient: SnapshotPatient;
  readonly organisations: ReadonlyMap<number, SnapshotOrganisation>;
  readonly people: ReadonlyMap<string, SnapshotPerson>;
  /** Oldest first. */
  readonly reports: readonly SnapshotReport[];
  readonly prescriptions: readonly SnapshotPrescription[];
  readonly grants: readonly SnapshotGrant[];
  /** In ledger order. */
  readonly openings: readonly SnapshotOpening[];
  /** Seconds: when the export is made (which grants are live). */
  readonly now: number;
}

/** What the export left out, as the OperationOutcome says it. */
export interface Withheld {
  readonly what: string;
  readonly reason: string;
}

// ─── Ids ─────────────────────────────────────────────────────────────────────────────────────

/** The namespace of our UUID v5s (RFC 9562), fixed once. */
const UUID_NAMESPACE = Buffer.from('6f0c2c1e9a8b4d0f8e3a1b2c3d4e5f60', 'hex');

/** A name-based UUID (version 5: SHA-1): the same name gives the same UUID, in any export. */
export function uuidV5(name: string): string {
  const hash = createHash('sha1').update(UUID_NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const instant = (seconds: number) => new Date(seconds * 1000).toISOString();
const base64 = (data: Buffer) => data.toString('base64');
const sha1Base64 = (data: Buffer) => createHash('sha1').update(data).digest('base64');

/** The text form of a report, for people (the JSON form is what an import reads). */
export function reportText(body: ReportBody): string {
  return `${body.title}\nDisease: ${body.disease}\n\n${body.details}\n`;
}

const PURPOSE_TEXT: Record<AccessPurpose, string> = {
  none: 'Opened',
  treatment: 'Treatment (a hospital the patient shared the report with)',
  emergency: 'Emergency (break-glass) access',
  payment: 'Payment of an insurance claim',
  dispensing: 'Dispensing a prescription the patient sent to the pharmacy',
};

const ORGANISATION_TYPE: Record<OrganisationKind, { code: string; display: string; text: string }> = {
  hospital: { code: 'prov', display: 'Healthcare Provider', text: 'Hospital' },
  pharmacy: { code: 'prov', display: 'Healthcare Provider', text: 'Pharmacy' },
  insurer: { code: 'ins', display: 'Insurance Company', text: 'Insurance company' },
};

const ROLE_CODE: Record<StaffRole, CodeableConcept> = {
  doctor: { coding: [{ system: CS.practitionerRole, code: 'doctor', display: 'Doctor' }], text: 'Doctor' },
  pharmacist: { coding: [{ system: CS.practitionerRole, code: 'pharmacist', display: 'Pharmacist' }], text: 'Pharmacist' },
  // The code system has no code for an insurer's staff.
  insurer: { text: "Insurer's staff member" },
};

/**
 * The bundle, and what it left out. Deterministic: the entries' order and content depend only on
 * the snapshot.
 */
export function buildBundle(snapshot: RecordSnapshot): { bundle: Bundle; withheld: Withheld[] } {
  const { ledger, patient } = snapshot;
  const urlOf = (key: string) => `urn:uuid:${uuidV5(`${ledger.chainId}:${ledger.contract.toLowerCase()}:${key}`)}`;
  const idOf = (url: string) => url.slice('urn:uuid:'.length);
  // Typed for any target: every URL passed here is one of the bundle's own, of the right type.
  const ref = (url: string, display?: string): Reference<never> => (display === undefined ? { reference: url } : { reference: url, display });

  const entries: BundleEntry[] = [];
  const provenances: BundleEntry<Provenance>[] = [];
  const withheld: Withheld[] = [];
  let newest = 0;

  /** The resource with its id (the fullUrl's UUID) after its type, where a reader looks for it. */
  const withId = <T extends Resource>(url: string, { resourceType, ...rest }: T): T => ({ resourceType, id: idOf(url), ...rest }) as T;
  function add<T extends Resource>(url: string, resource: T): void {
    entries.push({ fullUrl: url, resource: withId(url, resource) });
  }

  // ── The ledger itself ──
  const deviceUrl = urlOf('device:contract');
  const device: Device = {
    resourceType: 'Device',
    identifier: [{ system: SID.address, value: ledger.contract.toLowerCase() }],
    status: 'active',
    deviceName: [{ name: 'EHR Ledger contract', type: 'user-friendly-name' }],
    type: { text: `Smart contract on the Ethereum chain ${ledger.chainId}, which records this record's every act` },
    version: [{ value: ledger.version }],
    extension: [{ url: EXT.chainId, valueString: String(ledger.chainId) }],
  };
  add(deviceUrl, device);

  /** A Provenance of `targetUrl`: the transactions that recorded it, sent by `author` (a URL in the bundle) when known. */
  function provenance(targetKey: string, targetUrl: string, acts: readonly (LedgerAct | undefined)[], author?: string): void {
    const recorded = acts.filter((act): act is LedgerAct => act !== undefined);
    if (recorded.length === 0) return;
    const last = recorded[recorded.length - 1];
    newest = Math.max(newest, ...recorded.map(act => act.time));
    const agents: ProvenanceAgent[] = [
      { type: { coding: [{ system: CS.provenanceParticipant, code: 'custodian', display: 'Custodian' }] }, who: ref(deviceUrl, 'EHR Ledger contract') },
    ];
    if (author) agents.push({ type: { coding: [{ system: CS.provenanceParticipant, code: 'author', display: 'Author' }] }, who: ref(author) });
    const url = urlOf(`provenance:${targetKey}`);
    provenances.push({
      fullUrl: url,
      resource: withId<Provenance>(url, {
        resourceType: 'Provenance',
        target: [ref(targetUrl)],
        recorded: instant(last.time),
        activity: {
          coding: [recorded.length === 1 ? { system: CS.dataOperation, code: 'CREATE', display: 'create' } : { system: CS.dataOperation, code: 'UPDATE', display: 'revise' }],
        },
        agent: agents,
        entity: recorded.map(act => ({
          role: 'source' as const,
          what: {
            identifier: { system: SID.transaction, value: act.transactionHash },
            display: `Transaction ${act.transactionHash} in block ${act.blockNumber} of chain ${ledger.chainId}, at ${instant(act.time)}`,
          },
          extension: [
            { url: EXT.block, valueInteger: act.blockNumber },
            { url: EXT.chainId, valueString: String(ledger.chainId) },
          ] satisfies Extension[],
        })),
      }),
    });
  }

  // ── The patient ──
  const patientUrl = urlOf(`patient:${patient.address.toLowerCase()}`);
  const telecom: Patient['telecom'] = [];
  if (patient.email) telecom.push({ system: 'email', value: patient.email });
  if (patient.phone) telecom.push({ system: 'phone', value: patient.phone });
  add<Patient>(patientUrl, {
    resourceType: 'Patient',
    identifier: [
      { system: SID.address, value: patient.address.toLowerCase() },
      { system: SID.username, value: patient.username },
    ],
    active: true,
    name: [{ text: patient.fullName }],
    ...(telecom.length ? { telecom } : {}),
  });
  provenance(`patient:${patient.address.toLowerCase()}`, patientUrl, [patient.registered], patientUrl);

  // ── What is withheld: a report whose body does not check out takes its dependants with it ──
  const reportsOut = new Map<number, SnapshotReport>();
  for (const report of snapshot.reports) {
    if (report.body.ok) reportsOut.set(report.id, report);
    else {
      const dependants = [
        snapshot.prescriptions.filter(p => p.reportId === report.id).length && 'its prescriptions',
        snapshot.grants.some(g => g.reportId === report.id) && 'its grants',
        snapshot.openings.some(o => o.reportId === report.id) && 'its openings',
      ].filter((part): part is string => typeof part === 'string');
      withheld.push({
        what: `Report #${report.id}${dependants.length ? ` (and ${dependants.join(', ')})` : ''}`,
        reason: report.body.reason,
      });
    }
  }
  const prescriptionsOut = snapshot.prescriptions.filter(p => {
    if (!reportsOut.has(p.reportId)) return false;
    if (!p.body.ok) withheld.push({ what: `Prescription ${p.index + 1} of report #${p.reportId}`, reason: p.body.reason });
    return p.body.ok;
  });
  const prescriptionKeys = new Set(prescriptionsOut.map(p => `${p.reportId}-${p.index}`));
  const grantsOut = snapshot.grants.filter(g => reportsOut.has(g.reportId));
  const openingsOut = snapshot.openings.filter(o =>
    o.purpose === 'dispensing' && o.ref !== null ? prescriptionKeys.has(`${o.reportId}-${o.ref}`) : reportsOut.has(o.reportId),
  );

  // ── Organisations, people, and each person's role at an organisation, as far as they are referred to ──
  const organisationUrls = new Map<number, string>();
  const organisationUrl = (id: number): string => {
    const known = organisationUrls.get(id);
    if (known) return known;
    const url = urlOf(`organisation:${id}`);
    organisationUrls.set(id, url);
    return url;
  };
  const personUrls = new Map<string, string>();
  const personUrl = (address: string): string => {
    const key = address.toLowerCase();
    const known = personUrls.get(key);
    if (known) return known;
    const url = urlOf(`practitioner:${key}`);
    personUrls.set(key, url);
    return url;
  };
  const roleUrls = new Map<string, { url: string; address: string; organisationId: number }>();
  const roleUrl = (address: string, organisationId: number): string => {
    const key = `${address.toLowerCase()}@${organisationId}`;
    const known = roleUrls.get(key);
    if (known) return known.url;
    const url = urlOf(`practitioner-role:${key}`);
    roleUrls.set(key, { url, address: address.toLowerCase(), organisationId });
    personUrl(address);
    organisationUrl(organisationId);
    return url;
  };
  const personName = (address: string) => snapshot.people.get(address.toLowerCase())?.fullName ?? address;

  // References are made first (the records below), the resources they name after.
  const records: BundleEntry[] = [];
  const recordEntry = <T extends Resource>(url: string, resource: T) => records.push({ fullUrl: url, resource: withId(url, resource) });

  // ── Reports ──
  const reportUrl = (id: number) => urlOf(`report:${id}`);
  for (const report of reportsOut.values()) {
    if (!report.body.ok) continue;
    const body = report.body.body;
    const json = Buffer.from(JSON.stringify({ title: body.title, disease: body.disease, details: body.details }), 'utf8');
    const plain = Buffer.from(reportText(body), 'utf8');
    const content: DocumentReferenceContent[] = [
      {
        attachment: { contentType: 'application/json', data: base64(json), size: json.length, hash: sha1Base64(json), title: body.title, creation: instant(report.createdAt) },
        format: { system: BODY_FORMAT.system, code: BODY_FORMAT.reportJson, display: 'EHR Ledger report (title, disease, details) as JSON' },
      },
      {
        attachment: { contentType: 'text/plain; charset=utf-8', data: base64(plain), size: plain.length, hash: sha1Base64(plain), title: body.title, creation: instant(report.createdAt) },
        format: { system: BODY_FORMAT.system, code: BODY_FORMAT.reportText, display: 'EHR Ledger report as plain text' },
      },
    ];
    for (const file of report.files ?? []) {
      if (!file.ok) {
        withheld.push({ what: `The file "${file.name}" of report #${report.id}`, reason: file.reason });
        continue;
      }
      content.push({
        attachment: { contentType: file.type, data: base64(file.bytes), size: file.bytes.length, hash: sha1Base64(file.bytes), title: file.name, creation: instant(report.createdAt) },
      });
    }
    const url = reportUrl(report.id);
    recordEntry<DocumentReference>(url, {
      resourceType: 'DocumentReference',
      identifier: [
        { system: SID.report, value: String(report.id) },
        { system: SID.commitment, value: report.commitment.toLowerCase() },
      ],
      status: 'current',
      docStatus: 'final',
      type: { coding: [{ system: CS.loinc, code: '51855-5', display: 'Patient Note' }], text: 'Health report written by the patient' },
      subject: ref(patientUrl, patient.fullName),
      date: instant(report.createdAt),
      author: [ref(patientUrl, patient.fullName)],
      description: body.title,
      content,
    });
    provenance(`report:${report.id}`, url, [report.recorded], patientUrl);
  }

  // ── Prescriptions ──
  for (const p of prescriptionsOut) {
    if (!p.body.ok) continue;
    const body = p.body.body;
    const url = urlOf(`prescription:${p.reportId}-${p.index}`);
    const requester = roleUrl(p.doctor, p.hospitalId);
    const report = reportsOut.get(p.reportId);
    recordEntry<MedicationRequest>(url, {
      resourceType: 'MedicationRequest',
      identifier: [
        { system: SID.prescription, value: `${p.reportId}-${p.index}` },
        { system: SID.commitment, value: p.commitment.toLowerCase() },
      ],
      status: p.dispensed ? 'completed' : 'active',
      intent: 'order',
      medicationCodeableConcept: { text: body.medicines },
      subject: ref(patientUrl, patient.fullName),
      authoredOn: instant(p.createdAt),
      requester: ref(requester, personName(p.doctor)),
      supportingInformation: [ref(reportUrl(p.reportId), report?.body.ok ? report.body.body.title : undefined)],
      dosageInstruction: [{ text: body.dosage }],
      ...(body.instructions.trim() ? { note: [{ text: body.instructions }] } : {}),
    });
    provenance(`prescription:${p.reportId}-${p.index}`, url, [p.recorded], requester);
  }

  // ── Treatment grants ──
  for (const grant of grantsOut) {
    const url = urlOf(`grant:${grant.reportId}-${grant.hospitalId}`);
    const live = grant.active && (grant.until === 0 || grant.until > snapshot.now);
    const shares = grant.acts.filter(act => act.kind === 'shared');
    const start = shares[shares.length - 1]?.time;
    const period = { ...(start !== undefined ? { start: instant(start) } : {}), ...(grant.until > 0 ? { end: instant(grant.until) } : {}) };
    const hospital = organisationUrl(grant.hospitalId);
    recordEntry<Consent>(url, {
      resourceType: 'Consent',
      identifier: [{ system: SID.grant, value: `${grant.reportId}-${grant.hospitalId}` }],
      status: live ? 'active' : 'inactive',
      scope: { coding: [{ system: CS.consentScope, code: 'patient-privacy', display: 'Privacy Consent' }] },
      category: [{ coding: [{ system: CS.loinc, code: '59284-0', display: 'Patient Consent' }], text: 'Treatment access to a report' }],
      patient: ref(patientUrl, patient.fullName),
      ...(start !== undefined ? { dateTime: instant(start) } : {}),
      performer: [ref(patientUrl, patient.fullName)],
      policyRule: { coding: [{ system: CS.actCode, code: 'OPTIN', display: 'opt-in' }] },
      provision: {
        type: 'permit',
        ...(Object.keys(period).length ? { period } : {}),
        actor: [
          {
            role: { coding: [{ system: CS.participationType, code: 'IRCP', display: 'information recipient' }] },
            reference: ref(hospital, snapshot.organisations.get(grant.hospitalId)?.name),
          },
        ],
        action: [{ coding: [{ system: CS.consentAction, code: 'access', display: 'Access' }] }],
        purpose: [{ system: CS.actReason, ...PURPOSE_OF_USE.treatment }],
        data: [{ meaning: 'instance', reference: ref(reportUrl(grant.reportId)) }],
      },
    });
    provenance(`grant:${grant.reportId}-${grant.hospitalId}`, url, grant.acts, patientUrl);
  }

  // ── Openings ──
  const perTransaction = new Map<string, number>();
  for (const opening of openingsOut) {
    // A first release's replay put several openings in one transaction: numbered within it.
    const n = perTransaction.get(opening.recorded.transactionHash) ?? 0;
    perTransaction.set(opening.recorded.transactionHash, n + 1);
    const key = `opening:${opening.recorded.transactionHash}:${n}`;
    const url = urlOf(key);
    const reader = roleUrl(opening.reader, opening.organisationId);
    const dispensing = opening.purpose === 'dispensing' && opening.ref !== null;
    const record = dispensing ? urlOf(`prescription:${opening.reportId}-${opening.ref}`) : reportUrl(opening.reportId);
    const purpose = opening.purpose === 'none' ? undefined : PURPOSE_OF_USE[opening.purpose];
    const detail =
      opening.purpose === 'payment' && opening.ref !== null
        ? `${PURPOSE_TEXT.payment}: claim #${opening.ref}`
        : opening.purpose === 'emergency' && opening.reason
          ? `${PURPOSE_TEXT.emergency}: ${opening.reason}`
          : PURPOSE_TEXT[opening.purpose];
    recordEntry<AuditEvent>(url, {
      resourceType: 'AuditEvent',
      type: { system: CS.dicom, code: '110110', display: 'Patient Record' },
      action: 'R',
      recorded: instant(opening.recorded.time),
      outcome: '0',
      purposeOfEvent: [{ ...(purpose ? { coding: [{ system: CS.actReason, ...purpose }] } : {}), text: detail }],
      agent: [{ who: ref(reader, personName(opening.reader)), requestor: true }],
      source: {
        site: 'EHR Ledger',
        observer: ref(deviceUrl, 'EHR Ledger contract'),
        type: [{ system: CS.securitySourceType, code: '4', display: 'Application Server' }],
      },
      entity: [
        {
          what: ref(patientUrl, patient.fullName),
          type: { system: CS.auditEntityType, code: '1', display: 'Person' },
          role: { system: CS.objectRole, code: '1', display: 'Patient' },
        },
        {
          what: ref(record),
          type: { system: CS.auditEntityType, code: '2', display: 'System Object' },
          role: dispensing ? { system: CS.objectRole, code: '4', display: 'Domain Resource' } : { system: CS.objectRole, code: '3', display: 'Report' },
        },
      ],
    });
    provenance(key, url, [opening.recorded], reader);
  }

  // ── The people and organisations referred to ──
  for (const [id, url] of organisationUrls) {
    const organisation = snapshot.organisations.get(id);
    const type = ORGANISATION_TYPE[organisation?.kind ?? 'hospital'];
    add<Organization>(url, {
      resourceType: 'Organization',
      identifier: [{ system: SID.organisation, value: String(id) }],
      active: true,
      type: [{ coding: [{ system: CS.organizationType, code: type.code, display: type.display }], text: type.text }],
      name: organisation?.name ?? `Organisation ${id}`,
      ...(organisation?.phone ? { telecom: [{ system: 'phone' as const, value: organisation.phone }] } : {}),
      ...(organisation?.address ? { address: [{ text: organisation.address }] } : {}),
    });
    provenance(`organisation:${id}`, url, [organisation?.added]);
  }
  for (const [address, url] of personUrls) {
    const person = snapshot.people.get(address);
    add<Practitioner>(url, {
      resourceType: 'Practitioner',
      identifier: [{ system: SID.address, value: address }],
      ...(person ? { active: !person.removed } : {}),
      name: [{ text: person?.fullName ?? address }],
    });
    provenance(`practitioner:${address}`, url, [person?.added]);
  }
  for (const { url, address, organisationId } of roleUrls.values()) {
    const person = snapshot.people.get(address);
    const role = person?.role;
    add<PractitionerRole>(url, {
      resourceType: 'PractitionerRole',
      ...(person ? { active: !person.removed } : {}),
      practitioner: ref(personUrl(address), person?.fullName ?? address),
      organization: ref(organisationUrl(organisationId), snapshot.organisations.get(organisationId)?.name),
      ...(role ? { code: [ROLE_CODE[role]] } : {}),
      ...(role === 'doctor' && person?.specialty ? { specialty: [{ text: person.specialty }] } : {}),
    });
    // The role is the staff member's addition to that organisation.
    provenance(`practitioner-role:${address}@${organisationId}`, url, [person?.added]);
  }

  entries.push(...records, ...provenances);

  if (withheld.length > 0) {
    const issues: OperationOutcomeIssue[] = withheld.map(({ what, reason }) => ({
      severity: 'warning',
      code: 'processing',
      details: { text: `${what} was left out of this export: ${reason}.` },
    }));
    add<OperationOutcome>(urlOf(`withheld:${patient.address.toLowerCase()}`), { resourceType: 'OperationOutcome', issue: issues });
  }

  const asOf = newest || snapshot.now;
  const identifier: Identifier = { system: CS.uri, value: urlOf(`export:${patient.address.toLowerCase()}:${asOf}`) };
  return {
    bundle: { resourceType: 'Bundle', identifier, meta: { lastUpdated: instant(asOf) }, type: 'collection', timestamp: instant(asOf), entry: entries },
    withheld,
  };
}
