/**
 * The record in and out as FHIR R4 (issue 18): `GET /patient/export` gives a Bundle that the
 * `fhir` package's R4 validator accepts with no error, whose every reference resolves inside it,
 * with a Provenance naming the ledger's transaction, block and chain for each record, consents
 * for the grants (an end, a revoke, an expiry), audit events for the openings and their purpose,
 * and nothing of another patient; `POST /patient/import` adds a bundle's reports to another data
 * set as the same reports, says what it skipped and why, and refuses a hostile file whole.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Express } from 'express';
import supertest from 'supertest';
import { Fhir } from 'fhir';
import { HtmlValidate } from 'html-validate';
import type {
  AuditEvent, Bundle, Consent, Device, DocumentReference, MedicationRequest, OperationOutcome, Organization, Patient, Practitioner, PractitionerRole, Provenance, Resource,
} from '@medplum/fhirtypes';
import type { AppContext } from '../../src/context';
import { endOfUtcDay } from '../../src/domain/time';
import { restoreReport, tamperWithReport } from '../../src/features/records/tamper';
import { EXT, SID } from '../../src/features/fhir/terms';
import type { Services } from '../../src/services';
import { startTestApp } from '../support/context';
import { assertExcludes, assertIncludes, csrfFrom, escapeHtml, login, page, type Agent, type Response } from '../support/http';
import { addressOf, seedWorld, userIdOf, WORLD_PASSWORD, type World } from '../support/world';

const BLOOD = { title: 'Blood test', disease: 'Type 2 diabetes', details: 'HbA1c 7.9 %, tired in the afternoons\nFasting glucose 142 mg/dL' };
const KNEE = { title: 'Knee X-ray', disease: 'Osteoarthritis', details: 'Narrowed joint space, left knee; "pain" <after> walks & stairs' };
const ECG = { title: 'ECG', disease: 'Palpitations', details: 'Sinus rhythm, occasional ectopics. Ünïcödé: 心电图 ✓' };
const FILMS = { title: 'Knee films', disease: 'Osteoarthritis', details: 'The films and the radiologist\'s note are attached' };
const FILM = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), createHash('sha256').update('film').digest()]);
const NOTE = Buffer.from('Radiologist: joint space narrowed, medial compartment ✓\n', 'utf8');
const once = (bytes: Buffer) => (async function* () {
  yield bytes;
})();
const SPARE = { title: 'Allergy note', disease: 'Penicillin allergy', details: 'Rash after amoxicillin in 2019' };
const REASON = 'Unconscious in the emergency room after a road accident';

type Entry = { fullUrl: string; resource: Resource };

const fhir = new Fhir();
const htmlValidate = new HtmlValidate({ extends: ['html-validate:recommended'], rules: { 'no-trailing-whitespace': 'off', 'form-dup-name': ['error', { shared: ['checkbox'] }] } });

/** The page is valid HTML (html-validate's recommended rules, as the other page tests use them). */
async function assertValidHtml(html: string): Promise<void> {
  const report = await htmlValidate.validateString(html);
  assert.deepEqual(report.results.flatMap(r => r.messages.map(m => `${m.ruleId}: ${m.message}`)), []);
}

/** The validator's errors (and fatal ones) for a resource, as lines. */
function validationErrors(resource: object): string[] {
  const result = fhir.validate(resource, { errorOnUnexpected: true });
  return result.messages.filter(m => m.severity === 'error' || m.severity === 'fatal').map(m => `${m.resourceId ?? ''} ${m.location}: ${m.message}`);
}

/** Every `reference` string anywhere in a value. */
function referencesIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach(item => referencesIn(item, found));
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'reference' && typeof inner === 'string') found.push(inner);
      else referencesIn(inner, found);
    }
  }
  return found;
}

const entriesOf = (bundle: Bundle) => (bundle.entry ?? []) as Entry[];
const resourcesOf = <T extends Resource>(bundle: Bundle, type: T['resourceType']) => entriesOf(bundle).filter(e => e.resource.resourceType === type) as { fullUrl: string; resource: T }[];
const resolve = <T extends Resource>(bundle: Bundle, reference: string | undefined) => entriesOf(bundle).find(e => e.fullUrl === reference)?.resource as T | undefined;
const identifier = (resource: { identifier?: { system?: string; value?: string }[] }, system: string) => resource.identifier?.find(i => i.system === system)?.value;
const documentOf = (bundle: Bundle, reportId: number) => resourcesOf<DocumentReference>(bundle, 'DocumentReference').find(e => identifier(e.resource, SID.report) === String(reportId));
const provenanceOf = (bundle: Bundle, url: string) => resourcesOf<Provenance>(bundle, 'Provenance').find(e => e.resource.target.some(t => t.reference === url))?.resource;
const decode = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('utf8');
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

async function exportOf(agent: Agent): Promise<{ res: Response; bundle: Bundle }> {
  const res = await agent.get('/patient/export').buffer(true).parse((stream, callback) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => callback(null, text));
  });
  assert.equal(res.status, 200, `GET /patient/export answered ${res.status}`);
  return { res, bundle: JSON.parse(res.body as string) as Bundle };
}

/** Uploads `file` to the import form, as the page's form sends it. */
async function importFile(agent: Agent, file: Buffer | string, options: { csrf?: string; filename?: string } = {}): Promise<Response> {
  const csrf = options.csrf ?? csrfFrom(await page(agent, '/patient/import'));
  return agent
    .post('/patient/import')
    .field('_csrf', csrf)
    .attach('files', Buffer.isBuffer(file) ? file : Buffer.from(file, 'utf8'), { filename: options.filename ?? 'bundle.json', contentType: 'application/fhir+json' });
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('FHIR R4 export and import', function () {
  this.timeout(300_000);
  let context: AppContext;
  let services: Services;
  let app: Express;
  let world: World;
  let alice: Agent, bob: Agent, doctor: Agent;
  let ids: { blood: number; knee: number; ecg: number; spare: number; bobs: number; pharmacy: number; insurer: number; claim: number };
  let ecgUntil: number;
  /** The services' clock runs this far ahead of the real one (ms): how a grant's end is passed. */
  let clockAhead = 0;

  before(async () => {
    ({ context, services, app } = await startTestApp({}, { now: () => Date.now() + clockAhead }));
    world = await seedWorld(context, services, {
      hospitals: [{ name: 'Apollo' }, { name: 'Fortis' }],
      doctors: [
        { username: 'drsmith', hospital: 'Apollo', fullName: 'John Smith', specialty: 'Endocrinology' },
        { username: 'drjones', hospital: 'Fortis', fullName: 'Mary Jones' },
      ],
      patients: [
        { username: 'alice', fullName: 'Alice Kumar', email: 'alice@example.org', phone: '+91 98450 12345' },
        { username: 'bob', fullName: 'Bob Reddy' },
      ],
      reports: [
        { patient: 'alice', ...BLOOD, sharedWith: ['Apollo'] },
        { patient: 'alice', ...KNEE, sharedWith: ['Fortis'] },
        { patient: 'alice', ...ECG },
        { patient: 'alice', ...SPARE, sharedWith: ['Apollo'] },
        { patient: 'bob', title: 'Bob secret', disease: 'Bob disease', details: 'Only Bob may take this away', sharedWith: ['Apollo'] },
      ],
    });
    const [blood, knee, ecg, spare, bobs] = world.reports;
    const aliceId = world.users.alice;
    const smith = world.users.drsmith;
    const jones = world.users.drjones;

    // Grants: the knee's is revoked; the ECG's has an end.
    await services.patients.revoke(aliceId, knee, world.hospitals.Fortis);
    const day = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    ecgUntil = endOfUtcDay(day);
    await services.patients.share(aliceId, ecg, world.hospitals.Fortis, ecgUntil);

    // Prescriptions: two on the blood test, the first dispensed.
    await services.doctors.prescribe(smith, blood, { medicines: 'Metformin 500 mg', dosage: 'One tablet twice a day', instructions: 'With meals; walk daily' });
    await services.doctors.prescribe(smith, blood, { medicines: 'Vitamin D 1000 IU', dosage: 'Once a day', instructions: '' });
    const pharmacy = (await services.admin.addOrganisation('pharmacy', { name: 'MedPlus', address: 'MG Road 1', phone: '222' })).organisationId;
    const insurer = (await services.admin.addOrganisation('insurer', { name: 'Star Health', address: 'Anna Salai 2', phone: '333' })).organisationId;
    await services.admin.addStaff('pharmacist', { username: 'phil', fullName: 'Phil Mathew', password: WORLD_PASSWORD, email: 'phil@example.org', organisationId: pharmacy });
    await services.admin.addStaff('insurer', { username: 'ivy', fullName: 'Ivy Das', password: WORLD_PASSWORD, email: 'ivy@example.org', organisationId: insurer });
    await services.pharmacy.send(aliceId, { reportId: blood, index: 0 }, pharmacy);
    await services.pharmacy.dispense(userIdOf(context, 'phil'), { reportId: blood, index: 0 });

    // Openings: treatment, emergency, payment, dispensing.
    await services.doctors.recordAccess(smith, blood);
    const emergency = await services.emergencies.open(jones, { patient: 'alice', reason: REASON });
    assert.ok(emergency.emergencyId > 0);
    await services.doctors.recordAccess(jones, spare); // no grant of Fortis: under the break-glass access
    const claim = await services.insurers.file(aliceId, { reportId: blood, insurerId: insurer, amount: 5000 });
    await services.insurers.claim(userIdOf(context, 'ivy'), claim.claimId);
    const phil = await context.custodian.signer(addressOf(context, 'phil'));
    await context.ledger.client.recordPrescriptionAccess(phil, blood, 0);
    await services.background.settled();
    await services.sync.catchUp();

    ids = { blood, knee, ecg, spare, bobs, pharmacy, insurer, claim: claim.claimId };
    [alice, bob, doctor] = await Promise.all([
      login(app, 'patient', 'alice', WORLD_PASSWORD),
      login(app, 'patient', 'bob', WORLD_PASSWORD),
      login(app, 'doctor', 'drsmith', WORLD_PASSWORD),
    ]);
  });

  after(async () => {
    await services?.background.settled();
    await context?.close();
  });

  describe('GET /patient/export', () => {
    let bundle: Bundle;
    let text: string;

    before(async () => {
      const exported = await exportOf(alice);
      bundle = exported.bundle;
      text = exported.res.body as string;
      assert.match(exported.res.headers['content-type'] ?? '', /^application\/fhir\+json; charset=utf-8$/);
      const today = new Date().toISOString().slice(0, 10);
      assert.equal(exported.res.headers['content-disposition'], `attachment; filename="ehr-record-alice-${today}.json"`);
      assert.equal(exported.res.headers['cache-control'], 'no-store');
    });

    it('is linked from the dashboard, and is the patient\'s alone', async () => {
      const dashboard = await page(alice, '/patient');
      assertIncludes(dashboard, '<a href="/patient/export">Export my record (FHIR R4)</a>', '<a href="/patient/import">');
      await assertValidHtml(dashboard);
      assert.equal((await doctor.get('/patient/export')).status, 403);
      const anonymous = await supertest(app).get('/patient/export');
      assert.equal(anonymous.status, 302);
      assert.equal(anonymous.headers.location, '/patient/login');
    });

    it('is a FHIR R4 collection that the fhir package validates with no error', () => {
      assert.equal(bundle.resourceType, 'Bundle');
      assert.equal(bundle.type, 'collection');
      assert.deepEqual(validationErrors(bundle), []);
      const counts = Object.fromEntries(['Patient', 'DocumentReference', 'MedicationRequest', 'Consent', 'AuditEvent', 'Device'].map(t => [t, resourcesOf(bundle, t as Resource['resourceType']).length]));
      assert.deepEqual(counts, { Patient: 1, DocumentReference: 4, MedicationRequest: 2, Consent: 4, AuditEvent: 4, Device: 1 });
      assert.equal(resourcesOf(bundle, 'OperationOutcome').length, 0, 'nothing was withheld');
    });

    it('resolves every reference inside the bundle, with deterministic urn:uuid fullUrls: two exports are equal', async () => {
      const urls = entriesOf(bundle).map(e => e.fullUrl);
      assert.equal(new Set(urls).size, urls.length, 'fullUrls are unique');
      for (const entry of entriesOf(bundle)) {
        assert.match(entry.fullUrl, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(`urn:uuid:${entry.resource.id}`, entry.fullUrl);
      }
      const references = referencesIn(bundle);
      assert.ok(references.length > 30);
      for (const reference of references) assert.ok(urls.includes(reference), `${reference} does not resolve in the bundle`);
      assert.equal((await exportOf(alice)).res.body, text, 'a second export is the same, byte for byte');
    });

    it('gives the patient: name, email, phone and the ledger address', () => {
      const [{ resource: patient }] = resourcesOf<Patient>(bundle, 'Patient');
      assert.equal(patient.name?.[0].text, 'Alice Kumar');
      assert.deepEqual(patient.telecom, [
        { system: 'email', value: 'alice@example.org' },
        { system: 'phone', value: '+91 98450 12345' },
      ]);
      assert.equal(identifier(patient, SID.address), addressOf(context, 'alice').toLowerCase());
    });

    it('gives each report as a DocumentReference: its body base64 in an attachment with its SHA-1, its commitment as an identifier', async () => {
      for (const [reportId, body] of [[ids.blood, BLOOD], [ids.knee, KNEE], [ids.ecg, ECG], [ids.spare, SPARE]] as const) {
        const document = documentOf(bundle, reportId)?.resource;
        assert.ok(document, `report ${reportId}`);
        assert.equal(document.status, 'current');
        assert.equal(document.description, body.title);
        const [json, plain] = document.content.map(c => c.attachment);
        assert.equal(json.contentType, 'application/json');
        assert.deepEqual(JSON.parse(decode(json.data)), body);
        assert.equal(json.hash, createHash('sha1').update(Buffer.from(json.data ?? '', 'base64')).digest('base64'), 'Attachment.hash is the SHA-1 of the data');
        assert.match(plain.contentType ?? '', /^text\/plain/);
        assertIncludes(decode(plain.data), body.title, body.disease, body.details);
        const onLedger = await context.ledger.client.report(reportId);
        assert.equal(identifier(document, SID.commitment), onLedger.commitment.toLowerCase());
        assert.ok(!JSON.stringify(document.content).includes(onLedger.commitment.slice(2)), 'the keccak commitment is no attachment hash');
        assert.equal(document.date, onLedger.createdAt.toISOString());
      }
    });

    it('gives each prescription as a MedicationRequest by the doctor at the hospital (PractitionerRole), for its report', () => {
      const requests = resourcesOf<MedicationRequest>(bundle, 'MedicationRequest').map(e => e.resource);
      const metformin = requests.find(r => r.medicationCodeableConcept?.text === 'Metformin 500 mg');
      const vitamin = requests.find(r => r.medicationCodeableConcept?.text === 'Vitamin D 1000 IU');
      assert.ok(metformin && vitamin);
      assert.equal(metformin.status, 'completed', 'dispensed');
      assert.equal(vitamin.status, 'active');
      assert.equal(metformin.dosageInstruction?.[0].text, 'One tablet twice a day');
      assert.deepEqual(metformin.note, [{ text: 'With meals; walk daily' }]);
      assert.equal(vitamin.note, undefined);
      assert.equal(metformin.intent, 'order');
      assert.equal(identifier(metformin, SID.prescription), `${ids.blood}-0`);
      const role = resolve<PractitionerRole>(bundle, metformin.requester?.reference);
      assert.equal(role?.resourceType, 'PractitionerRole');
      assert.equal(resolve<Practitioner>(bundle, role.practitioner?.reference)?.name?.[0].text, 'John Smith');
      assert.equal(resolve<Organization>(bundle, role.organization?.reference)?.name, 'Apollo');
      assert.equal(role.specialty?.[0].text, 'Endocrinology');
      assert.equal(metformin.supportingInformation?.[0].reference, documentOf(bundle, ids.blood)?.fullUrl);
      assert.equal(resolve(bundle, metformin.subject.reference)?.resourceType, 'Patient');
    });

    it('names, in a Provenance of each resource, the transaction, block and chain that recorded it', async () => {
      const exempt = new Set(['Provenance', 'Device', 'OperationOutcome']);
      for (const entry of entriesOf(bundle).filter(e => !exempt.has(e.resource.resourceType))) {
        const provenance = provenanceOf(bundle, entry.fullUrl);
        assert.ok(provenance, `${entry.resource.resourceType} ${entry.fullUrl} has no Provenance`);
        assert.ok(provenance.entity && provenance.entity.length > 0);
        for (const source of provenance.entity) {
          assert.match(source.what.identifier?.value ?? '', /^0x[0-9a-f]{64}$/);
          assert.equal(source.what.identifier?.system, SID.transaction);
          assert.equal(source.extension?.find(x => x.url === EXT.chainId)?.valueString, String(context.ledger.chainId));
          assert.ok((source.extension?.find(x => x.url === EXT.block)?.valueInteger ?? 0) > 0);
        }
        assert.equal(resolve(bundle, provenance.agent[0].who.reference)?.resourceType, 'Device');
      }
      // The report's: the very transaction that added it, in its block, on this chain.
      const blood = documentOf(bundle, ids.blood)!;
      const [source] = provenanceOf(bundle, blood.fullUrl)!.entity!;
      const row = await context.store.readModel.report(ids.blood);
      assert.equal(source.what.identifier?.value, row?.transactionHash);
      assert.equal(source.extension?.find(x => x.url === EXT.block)?.valueInteger, row?.blockNumber);
      const receipt = await context.ledger.web3.eth.getTransactionReceipt(row!.transactionHash);
      assert.equal(Number(receipt.blockNumber), row?.blockNumber);
      const [device] = resourcesOf<Device>(bundle, 'Device');
      assert.equal(identifier(device.resource, SID.address), context.ledger.deployment.address.toLowerCase());
      assert.equal(device.resource.extension?.find(x => x.url === EXT.chainId)?.valueString, String(context.ledger.chainId));
    });

    it('gives each grant as a Consent: live with no end, live until its end, revoked (ended when revoked), expired', async () => {
      const consentOf = (b: Bundle, reportId: number, hospitalId: number) =>
        resourcesOf<Consent>(b, 'Consent').find(e => identifier(e.resource, SID.grant) === `${reportId}-${hospitalId}`)?.resource;
      const grants = await context.store.readModel.grants([ids.knee]);
      const revokedAt = grants.get(ids.knee)?.find(g => g.hospitalId === world.hospitals.Fortis)?.until ?? 0;
      assert.ok(revokedAt > 0);

      const blood = consentOf(bundle, ids.blood, world.hospitals.Apollo);
      const knee = consentOf(bundle, ids.knee, world.hospitals.Fortis);
      const ecg = consentOf(bundle, ids.ecg, world.hospitals.Fortis);
      assert.ok(blood && knee && ecg);
      assert.equal(blood.status, 'active');
      assert.equal(blood.provision?.period?.end, undefined, 'no end');
      assert.ok(blood.provision?.period?.start);
      assert.equal(ecg.status, 'active');
      assert.equal(ecg.provision?.period?.end, iso(ecgUntil));
      assert.equal(knee.status, 'inactive');
      assert.equal(knee.provision?.period?.end, iso(revokedAt), 'ended when it was revoked');
      for (const consent of [blood, knee, ecg]) {
        assert.equal(consent.scope.coding?.[0].code, 'patient-privacy');
        assert.ok(consent.category.length > 0);
        assert.equal(resolve(bundle, consent.patient?.reference)?.resourceType, 'Patient');
        assert.deepEqual(consent.provision?.purpose, [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT', display: 'treatment' }]);
        assert.equal(resolve(bundle, consent.provision?.data?.[0].reference.reference)?.resourceType, 'DocumentReference');
      }
      assert.equal(resolve<Organization>(bundle, blood.provision?.actor?.[0].reference.reference)?.name, 'Apollo');
      assert.equal(resolve<Organization>(bundle, ecg.provision?.actor?.[0].reference.reference)?.name, 'Fortis');
      // The knee's Provenance: its share, then its revoke.
      assert.equal(provenanceOf(bundle, resourcesOf<Consent>(bundle, 'Consent').find(e => e.resource === knee)!.fullUrl)?.entity?.length, 2);

      // Past the ECG grant's end, it is inactive, ended at its end.
      clockAhead = (ecgUntil + 3600) * 1000 - Date.now();
      try {
        const later = (await exportOf(alice)).bundle;
        const expired = consentOf(later, ids.ecg, world.hospitals.Fortis);
        assert.equal(expired?.status, 'inactive');
        assert.equal(expired?.provision?.period?.end, iso(ecgUntil));
        assert.equal(consentOf(later, ids.blood, world.hospitals.Apollo)?.status, 'active');
      } finally {
        clockAhead = 0;
      }
    });

    it('gives each opening as an AuditEvent: who, when, which record and why (treatment, emergency, payment, dispensing)', async () => {
      const events = resourcesOf<AuditEvent>(bundle, 'AuditEvent').map(e => e.resource);
      assert.equal(events.length, await context.store.acts.accessCount(addressOf(context, 'alice')));
      const byPurpose = (code: string) => events.filter(e => e.purposeOfEvent?.[0].coding?.[0].code === code);
      const reader = (event: AuditEvent) => {
        const role = resolve<PractitionerRole>(bundle, event.agent[0].who?.reference);
        return resolve<Practitioner>(bundle, role?.practitioner?.reference)?.name?.[0].text;
      };
      const record = (event: AuditEvent) => event.entity?.[1].what?.reference;

      const [treatment] = byPurpose('TREAT').filter(e => reader(e) === 'John Smith');
      assert.ok(treatment);
      assert.equal(record(treatment), documentOf(bundle, ids.blood)?.fullUrl);
      assert.equal(treatment.action, 'R');
      assert.equal(treatment.agent[0].requestor, true);
      assert.equal(resolve(bundle, treatment.entity?.[0].what?.reference)?.resourceType, 'Patient');

      const [emergency] = byPurpose('ETREAT');
      assert.equal(reader(emergency), 'Mary Jones');
      assert.equal(record(emergency), documentOf(bundle, ids.spare)?.fullUrl);
      assertIncludes(emergency.purposeOfEvent?.[0].text ?? '', REASON);

      const [payment] = byPurpose('HPAYMT');
      assert.equal(reader(payment), 'Ivy Das');
      assertIncludes(payment.purposeOfEvent?.[0].text ?? '', `claim #${ids.claim}`);

      const dispensing = events.find(e => reader(e) === 'Phil Mathew');
      assert.ok(dispensing);
      assert.equal(dispensing.purposeOfEvent?.[0].coding?.[0].code, 'TREAT');
      assert.equal(resolve(bundle, record(dispensing))?.resourceType, 'MedicationRequest', 'a pharmacist opens the prescription, never the report');

      // Each at the time of its transaction on the ledger.
      const rows = await context.store.acts.accessLog(addressOf(context, 'alice'), 100, 0);
      assert.deepEqual(events.map(e => e.recorded).sort(), rows.map(r => iso(r.time)).sort());
    });

    it('holds only the patient\'s own record', async () => {
      assertExcludes(text, 'Bob secret', 'Bob Reddy', addressOf(context, 'bob').toLowerCase());
      const bobs = (await exportOf(bob)).bundle;
      assert.deepEqual(validationErrors(bobs), []);
      const documents = resourcesOf<DocumentReference>(bobs, 'DocumentReference');
      assert.deepEqual(documents.map(d => identifier(d.resource, SID.report)), [String(ids.bobs)]);
      const bobText = JSON.stringify(bobs);
      for (const body of [BLOOD, KNEE, ECG, SPARE]) assertExcludes(bobText, body.title, b64(JSON.stringify(body)));
      assertExcludes(bobText, 'Alice Kumar', addressOf(context, 'alice').toLowerCase(), 'Metformin', 'Ivy Das');
    });

    it('leaves out a tampered report, with what hangs on it, and names it in an OperationOutcome', async () => {
      await tamperWithReport(context.store, ids.blood);
      try {
        const { bundle: tampered } = await exportOf(alice);
        assert.deepEqual(validationErrors(tampered), []);
        assert.equal(documentOf(tampered, ids.blood), undefined);
        assert.equal(resourcesOf(tampered, 'MedicationRequest').length, 0, "its prescriptions go with it");
        assert.ok(!resourcesOf<Consent>(tampered, 'Consent').some(e => identifier(e.resource, SID.grant) === `${ids.blood}-${world.hospitals.Apollo}`));
        const urls = entriesOf(tampered).map(e => e.fullUrl);
        for (const reference of referencesIn(tampered)) assert.ok(urls.includes(reference), `${reference} does not resolve`);
        const [outcome] = resourcesOf<OperationOutcome>(tampered, 'OperationOutcome');
        assert.ok(outcome);
        assert.match(outcome.resource.issue[0].details?.text ?? '', new RegExp(`^Report #${ids.blood} \\(and its prescriptions, its grants, its openings\\) was left out of this export: its stored body does not match its commitment`));
        assertExcludes(JSON.stringify(tampered), BLOOD.details);
        assert.ok(documentOf(tampered, ids.knee), 'the other reports stay');
      } finally {
        await restoreReport(context.store, ids.blood);
      }
    });
  });

  describe('POST /patient/import', () => {
    let other: { context: AppContext; services: Services; app: Express };
    let carol: Agent;
    let exported: Buffer;

    const reportsOf = async (c: AppContext, username: string) => c.store.readModel.reportsOfPatient(addressOf(c, username));
    /** Carol's reports on the second data set, checked against its ledger: [title, disease, details], oldest first. */
    const carolsBodies = async () =>
      (await other.services.patients.dashboard(userIdOf(other.context, 'carol'))).reverse().map(r => {
        assert.equal(r.checked.integrity, 'verified');
        return r.checked.integrity === 'verified' ? { title: r.checked.body.title, disease: r.checked.body.disease, details: r.checked.body.details } : undefined;
      });

    before(async () => {
      other = await startTestApp();
      await seedWorld(other.context, other.services, { hospitals: [{ name: 'Manipal' }], patients: [{ username: 'carol', fullName: 'Carol Pinto' }] });
      carol = await login(other.app, 'patient', 'carol', WORLD_PASSWORD);
      // A report with files, made here (after the export tests, which count alice's reports).
      const aliceAddress = addressOf(context, 'alice');
      const files = [await services.files.store(aliceAddress, 'knee film.png', once(FILM)), await services.files.store(aliceAddress, 'note.txt', once(NOTE))];
      await services.patients.addReport(world.users.alice, { ...FILMS, hospitalIds: [], files });
      exported = Buffer.from((await exportOf(alice)).res.body as string, 'utf8');
    });

    after(async () => {
      await other?.services.background.settled();
      await other?.context.close();
    });

    it('has a page with the form', async () => {
      const form = await page(carol, '/patient/import');
      assertIncludes(form, 'enctype="multipart/form-data"', 'name="files" type="file"', 'action="/patient/import"');
      await assertValidHtml(form);
    });

    it('imports an exported bundle into another data set as the same reports, each on its ledger, and says what it skipped', async () => {
      const res = await importFile(carol, exported, { filename: 'ehr-record-alice.json' });
      assert.equal(res.status, 200, res.text.slice(0, 3000));
      assertIncludes(res.text, '5 reports imported from a bundle of');
      for (const body of [BLOOD, KNEE, ECG, SPARE, FILMS]) assertIncludes(res.text, escapeHtml(body.title));
      assertIncludes(res.text, 'Skipped entries', 'Provenance', 'not a report: only DocumentReference and DiagnosticReport entries become reports');
      assert.deepEqual(await carolsBodies(), [BLOOD, KNEE, ECG, SPARE, FILMS]);
      // The files came along, byte for byte, each stored and committed to on this data set's ledger.
      const films = (await other.services.patients.dashboard(userIdOf(other.context, 'carol')))[0];
      assert.ok(films.checked.integrity === 'verified');
      const carolsFiles = films.checked.body.files ?? [];
      assert.deepEqual(carolsFiles.map(f => [f.name, f.type, f.size]), [['knee film.png', 'image/png', FILM.length], ['note.txt', 'text/plain', NOTE.length]]);
      for (const [i, bytes] of [FILM, NOTE].entries()) {
        const read = await other.services.files.bytesOf(carolsFiles[i], addressOf(other.context, 'carol'));
        assert.ok(read.ok && Buffer.compare(read.bytes, bytes) === 0, `file ${i} differs`);
      }
      // Shared with no hospital.
      const rows = await reportsOf(other.context, 'carol');
      const grants = await other.context.store.readModel.grants(rows.map(r => r.id));
      assert.equal([...grants.values()].flat().length, 0);
      // And exported from there again, the same reports once more.
      const again = (await exportOf(carol)).bundle;
      assert.deepEqual(validationErrors(again), []);
      const documents = resourcesOf<DocumentReference>(again, 'DocumentReference');
      assert.deepEqual(documents.map(e => JSON.parse(decode(e.resource.content[0].attachment.data))), [BLOOD, KNEE, ECG, SPARE, FILMS]);
      // Files follow the body's two attachments, each with its type, name, size and SHA-1.
      const attachments = documents[4].resource.content.slice(2).map(c => c.attachment);
      assert.deepEqual(
        attachments.map(a => [a.contentType, a.title, a.size, a.hash]),
        [FILM, NOTE].map((bytes, i) => [['image/png', 'text/plain'][i], ['knee film.png', 'note.txt'][i], bytes.length, createHash('sha1').update(bytes).digest('base64')]),
      );
      assert.ok(Buffer.from(attachments[0].data ?? '', 'base64').equals(FILM));
    });

    it('imports nothing twice: the same file again skips every report as already in the record', async () => {
      const before = (await reportsOf(other.context, 'carol')).length;
      const res = await importFile(carol, exported);
      assert.equal(res.status, 200);
      assertIncludes(res.text, '0 reports imported', 'already in your record as report #');
      assert.equal((await reportsOf(other.context, 'carol')).length, before);
    });

    it("imports another system's DocumentReference and DiagnosticReport entries (text, data: URLs), skipping what it cannot, each with why", async () => {
      const bundle = {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [
          { resource: { resourceType: 'Patient', name: [{ text: 'Someone Else' }] } },
          {
            resource: {
              resourceType: 'DocumentReference',
              status: 'current',
              description: 'Discharge summary',
              content: [{ attachment: { contentType: 'text/plain', data: b64('Admitted with chest pain.\nDischarged on aspirin.') } }],
            },
          },
          {
            resource: {
              resourceType: 'DocumentReference',
              status: 'current',
              type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] },
              content: [{ attachment: { url: `data:text/plain;charset=utf-8;base64,${b64('Follow-up: stable. ✓')}` } }],
            },
          },
          {
            resource: {
              resourceType: 'DiagnosticReport',
              status: 'final',
              code: { text: 'Lipid panel' },
              conclusion: 'LDL above target.',
              conclusionCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '55822004', display: 'Hyperlipidemia' }] }],
              presentedForm: [{ contentType: 'text/plain', data: b64('LDL 4.2 mmol/L') }],
            },
          },
          { resource: { resourceType: 'DocumentReference', status: 'current', description: 'Scanned letter', content: [{ attachment: { contentType: 'application/pdf', title: 'letter 2019.05', data: b64('%PDF-1.4 a scanned letter') } }] } },
          { resource: { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'image/png', title: 'photo.png', data: b64('not a PNG at all') } }] } },
          { resource: { resourceType: 'DocumentReference', status: 'entered-in-error', content: [{ attachment: { contentType: 'text/plain', data: b64('Wrong patient') } }] } },
          { resource: { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'text/plain', url: 'https://example.org/note.txt' } }] } },
          { resource: { resourceType: 'DocumentReference', status: 'current', description: 'Huge', content: [{ attachment: { contentType: 'text/plain', data: b64('x'.repeat(6000)) } }] } },
          { resource: { resourceType: 'DiagnosticReport', status: 'final', code: { text: 'Empty' } } },
          { resource: { resourceType: 'DocumentReference', status: 'current', description: 'Sneaky\u202Etxt.exe', content: [{ attachment: { contentType: 'text/plain', data: b64('x') } }] } },
          { request: { method: 'DELETE', url: 'Patient/1' } },
        ],
      };
      const res = await importFile(carol, JSON.stringify(bundle));
      assert.equal(res.status, 200, res.text.slice(0, 3000));
      assertIncludes(res.text, '4 reports imported from a bundle of 12 entries');
      await assertValidHtml(res.text);
      const bodies = (await carolsBodies()).slice(-4);
      assert.deepEqual(bodies, [
        { title: 'Discharge summary', disease: 'Not stated', details: 'Admitted with chest pain.\nDischarged on aspirin.' },
        { title: 'Progress note', disease: 'Not stated', details: 'Follow-up: stable. ✓' },
        { title: 'Lipid panel', disease: 'Hyperlipidemia', details: 'LDL above target.\n\nLDL 4.2 mmol/L' },
        { title: 'Scanned letter', disease: 'Not stated', details: 'See the attached files.' },
      ]);
      // The PDF is the report's file, named from its title with the extension of its type.
      const letter = (await other.services.patients.dashboard(userIdOf(other.context, 'carol')))[0];
      assert.ok(letter.checked.integrity === 'verified');
      const [file] = letter.checked.body.files ?? [];
      assert.deepEqual([file.name, file.type], ['letter 2019.05.pdf', 'application/pdf']);
      const read = await other.services.files.bytesOf(file, addressOf(other.context, 'carol'));
      assert.ok(read.ok && read.bytes.toString('latin1') === '%PDF-1.4 a scanned letter');
      const skipped = res.text.slice(res.text.indexOf('Skipped entries'));
      for (const reason of [
        'not a report',
        'its attachment 1: "photo.png" is not a PNG file by its content',
        'it is marked entered-in-error',
        'its attachments are only links, which are not fetched',
        'Details must be at most 5000 characters',
        'it has no conclusion or plain-text report to import',
        'Remove the invisible control character',
        'the entry holds no resource',
      ]) {
        assertIncludes(skipped, escapeHtml(reason));
      }
    });

    it('takes the bundle as an application/fhir+json body too, with the token in x-csrf-token', async () => {
      const csrf = csrfFrom(await page(carol, '/patient/import'));
      const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'DiagnosticReport', status: 'final', code: { text: 'Thyroid panel' }, conclusion: 'TSH normal.' } }] };
      const res = await carol.post('/patient/import').set('content-type', 'application/fhir+json').set('x-csrf-token', csrf).send(JSON.stringify(bundle));
      assert.equal(res.status, 200, res.text.slice(0, 2000));
      assertIncludes(res.text, '1 report imported');
      const refused = await carol.post('/patient/import').set('content-type', 'application/fhir+json').send(JSON.stringify(bundle));
      assert.equal(refused.status, 403, 'no token, no import');
    });

    describe('a malformed or hostile file: 400 or 413 saying why, and nothing imported', () => {
      let count: number;
      beforeEach(async () => {
        count = (await reportsOf(other.context, 'carol')).length;
      });
      afterEach(async () => {
        assert.equal((await reportsOf(other.context, 'carol')).length, count, 'nothing was imported');
      });

      const good = { resource: { resourceType: 'DiagnosticReport', status: 'final', code: { text: 'Would be imported' }, conclusion: 'Fine' } };
      const refuses = async (file: Buffer | string, status: number, ...says: string[]) => {
        const res = await importFile(carol, file);
        assert.equal(res.status, status, res.text.slice(0, 2000));
        assertIncludes(res.text, 'The bundle was not imported.', ...says.map(escapeHtml));
        await assertValidHtml(res.text);
        return res;
      };

      it('not JSON', () => refuses('{"resourceType": "Bundle", "entry": [', 400, 'The file is not JSON'));
      it('not UTF-8 text', () => refuses(Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x7b]), 400, 'not text (UTF-8)'));
      it('an empty file', () => refuses('', 400, 'Choose a FHIR R4 Bundle'));
      it('another resourceType', () => refuses(JSON.stringify({ resourceType: 'Patient' }), 400, 'The file is a Patient, not a FHIR Bundle'));
      it('JSON that is no resource', () => refuses('[1, 2, 3]', 400, 'not a FHIR resource'));
      it('an entry that is not a list', () => refuses(JSON.stringify({ resourceType: 'Bundle', entry: { resource: {} } }), 400, "The bundle's entry is not a list"));
      it('too large (26 MB): 413', () => refuses(JSON.stringify({ resourceType: 'Bundle', entry: [good], padding: 'x'.repeat(26 * 1024 * 1024) }), 413, 'larger than 25 MB'));
      it('far too large (50 MB): 413 without reading it', async () => {
        const res = await importFile(carol, Buffer.alloc(50 * 1024 * 1024, 0x20)).catch((error: NodeJS.ErrnoException) => error);
        // The server answers before the body is sent; a client that is still sending may see the
        // connection close instead of the answer (EPIPE, ECONNRESET): either way nothing is read.
        if (res instanceof Error) return assert.match(res.code ?? '', /^(EPIPE|ECONNRESET)$/);
        assert.equal(res.status, 413);
        assertIncludes(res.text, 'larger than 25 MB');
      });
      it('nested too deep', () => refuses(`{"resourceType":"Bundle","entry":[${'['.repeat(5000)}${']'.repeat(5000)}]}`, 400, 'nests arrays and objects more than 64 deep'));
      it('too many entries', () => refuses(JSON.stringify({ resourceType: 'Bundle', entry: Array.from({ length: 501 }, () => good) }), 400, 'The bundle has 501 entries; at most 500'));
      it('attachment data that is not base64, after a good entry', () =>
        refuses(
          JSON.stringify({
            resourceType: 'Bundle',
            entry: [good, { resource: { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'text/plain', data: 'not base64!!' } }] } }],
          }),
          400,
          'Entry 2 (DocumentReference), attachment 1: its data is not valid base64',
        ));
      it('a data: URL that is not base64', () =>
        refuses(
          JSON.stringify({ resourceType: 'Bundle', entry: [good, { resource: { resourceType: 'DiagnosticReport', status: 'final', code: { text: 'X' }, presentedForm: [{ url: 'data:text/plain,hello%20world' }] } }] }),
          400,
          'Entry 2 (DiagnosticReport), presented form 1: its url is a data: URL that is not valid base64',
        ));
      it('two files', async () => {
        const csrf = csrfFrom(await page(carol, '/patient/import'));
        const bundle = JSON.stringify({ resourceType: 'Bundle', entry: [good] });
        const res = await carol
          .post('/patient/import')
          .field('_csrf', csrf)
          .attach('files', Buffer.from(bundle), 'a.json')
          .attach('files', Buffer.from(bundle), 'b.json');
        assert.equal(res.status, 400);
        assertIncludes(res.text, 'Send one file');
      });
      it('no CSRF token: 403', async () => {
        const res = await importFile(carol, JSON.stringify({ resourceType: 'Bundle', entry: [good] }), { csrf: 'forged' });
        assert.equal(res.status, 403);
      });
      it('another role, or nobody: the upload is not read', async () => {
        const res = await doctor.post('/patient/import').field('_csrf', 'x').attach('files', Buffer.from('{}'), 'a.json');
        assert.equal(res.status, 403);
        const anonymous = await supertest(app).post('/patient/import').field('_csrf', 'x').attach('files', Buffer.from('{}'), 'a.json');
        assert.equal(anonymous.status, 403);
      });
    });
  });
});
