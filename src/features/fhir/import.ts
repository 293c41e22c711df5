/**
 * Reading a FHIR R4 Bundle someone uploads, before anything is written: the reports it holds
 * (each `DocumentReference` and `DiagnosticReport` that has text), the entries it skips and why,
 * or — for a file that is malformed or hostile — an ImportRefused that says why, so that nothing
 * of it is imported.
 *
 * Refused as a whole (400, or 413 for size): not UTF-8, not JSON, nested deeper than
 * `maxDepth`, not a Bundle, `entry` not a list or longer than `maxEntries`, and any attachment
 * whose `data` is not base64 or whose `url` is a data: URL that is not base64 (the file is
 * damaged or made to hurt: nothing of it is trusted). Skipped, one entry at a time: any other
 * resource type, a record marked entered-in-error (or a superseded document, a cancelled
 * report), one with no text to import, text that the report form would refuse (longer details,
 * invisible control characters), and attachments that are only links (never fetched).
 *
 * Files: a DocumentReference's attachments with data that are not its text — every attachment
 * but the body's own two when it was exported here (its files), and every attachment that is not
 * plain text otherwise — become the report's files, typed by their content and checked against
 * the limits the report form has (type, size, how many); an entry whose file would be refused is
 * skipped, saying why. An entry with files and no text gets "See the attached files." as details.
 *
 * A report's fields: a DocumentReference exported here carries its body as JSON
 * (`BODY_FORMAT.reportJson`), read back exactly; another's gives its plain-text attachments as
 * the details, its description (or type, or attachment title) as the title, and "Not stated" as
 * the disease. A DiagnosticReport gives its code as the title, its conclusion code as the
 * disease, and its conclusion and plain-text presented forms as the details.
 */
import { FileRefused } from '../../domain/errors';
import { cleanName, hasAllowedExtension, nameWithExtension, typeOfBytes, type FileType } from '../files/types';
import type { ReportBody } from '../records/vault';
import { checkReportFields, MAX_TITLE } from '../records/report-form';
import { BODY_FORMAT } from './terms';

export interface ImportLimits {
  /** The largest file (bytes): larger is 413. */
  readonly maxBytes: number;
  /** The deepest nesting of arrays and objects. */
  readonly maxDepth: number;
  /** The most entries a bundle may have. */
  readonly maxEntries: number;
}

/** A bundle holds its files inline (base64): room for a few, well short of a hostile 50 MB. */
export const IMPORT_LIMITS: ImportLimits = { maxBytes: 25 * 1024 * 1024, maxDepth: 64, maxEntries: 500 };

/** What the report form allows of files, which an imported report's files must meet too. */
export interface FileLimits {
  readonly maxFileBytes: number;
  readonly maxFiles: number;
}

/** A file of an imported report, typed by its content, to be stored as the report form stores one. */
export interface ImportFile {
  readonly name: string;
  readonly type: FileType;
  readonly bytes: Buffer;
}

/** A file that cannot be imported at all: nothing of it is. */
export class ImportRefused extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'ImportRefused';
  }
}

/** A report to add, from entry `entry` (1-based). */
export interface ImportCandidate {
  readonly entry: number;
  readonly resourceType: 'DocumentReference' | 'DiagnosticReport';
  readonly report: ReportBody;
  /** Its attachments that become files. */
  readonly files: readonly ImportFile[];
}

/** Entries skipped for one reason (entry numbers 1-based, in order). */
export interface ImportSkip {
  readonly entries: readonly number[];
  readonly resourceType: string;
  readonly reason: string;
}

export interface ImportPlan {
  readonly entryCount: number;
  readonly candidates: readonly ImportCandidate[];
  readonly skipped: readonly ImportSkip[];
}

const NOT_STATED = 'Not stated';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A CodeableConcept as words: its text, else its first coding's display. */
function conceptText(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  return str(value.text) ?? list(value.coding).map(coding => (isObject(coding) ? str(coding.display) : undefined)).find(Boolean);
}

/** The deepest nesting of arrays and objects in JSON text, found without parsing it (stops past `limit`). */
export function jsonDepth(source: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Base64 as FHIR's base64Binary has it (whitespace between the characters allowed); undefined when it is not. */
export function decodeBase64(value: string): Buffer | undefined {
  const compact = value.replace(/\s+/g, '');
  return BASE64.test(compact) ? Buffer.from(compact, 'base64') : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** An attachment's bytes and type, checked; undefined when it has no data (a link, or nothing). */
interface AttachmentData {
  readonly contentType: string;
  readonly bytes: Buffer | undefined;
  /** A link that is not a data: URL. */
  readonly link: string | undefined;
}

function readAttachment(value: unknown, where: string): AttachmentData {
  if (!isObject(value)) return { contentType: '', bytes: undefined, link: undefined };
  let contentType = (str(value.contentType) ?? '').toLowerCase();
  if (value.data !== undefined) {
    const bytes = typeof value.data === 'string' ? decodeBase64(value.data) : undefined;
    if (!bytes) throw new ImportRefused(400, `${where}: its data is not valid base64. Nothing was imported.`);
    return { contentType, bytes, link: undefined };
  }
  const url = typeof value.url === 'string' ? value.url.trim() : undefined;
  if (url && /^data:/i.test(url)) {
    const comma = url.indexOf(',');
    const header = comma < 0 ? '' : url.slice(5, comma);
    const params = header.split(';').map(part => part.trim().toLowerCase());
    const bytes = comma >= 0 && params[params.length - 1] === 'base64' ? decodeBase64(decodeURIComponentSafe(url.slice(comma + 1))) : undefined;
    if (!bytes) throw new ImportRefused(400, `${where}: its url is a data: URL that is not valid base64. Nothing was imported.`);
    contentType ||= params[0] ?? '';
    return { contentType, bytes, link: undefined };
  }
  return { contentType, bytes: undefined, link: url };
}

/** A data: URL's payload may be percent-encoded; a malformed escape is left as it is (and fails the base64 check). */
function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A text attachment (plain text or Markdown) as a string; undefined for another type. Throws Skip when not UTF-8. */
function attachmentText(data: AttachmentData): string | undefined {
  const type = data.contentType.split(';')[0].trim();
  if (type !== 'text/plain' && type !== 'text/markdown') return undefined;
  if (!data.bytes) return undefined;
  try {
    return utf8.decode(data.bytes);
  } catch {
    throw new Skip('a text attachment is not UTF-8');
  }
}

/** An entry that is skipped, and why. */
class Skip extends Error {}

/** Our own JSON body, as exported here; undefined when the content is not one; Skip when it is damaged. */
function ourBody(content: Json, data: AttachmentData): ReportBody | undefined {
  const format = isObject(content.format) ? content.format : {};
  const ours = format.system === BODY_FORMAT.system && format.code === BODY_FORMAT.reportJson;
  if (!ours || !data.bytes) return undefined;
  let parsed: unknown;
  try {
    const source = utf8.decode(data.bytes);
    if (jsonDepth(source, 4) > 4) throw new Error('too deep');
    parsed = JSON.parse(source);
  } catch {
    throw new Skip('its EHR Ledger report attachment is not valid JSON');
  }
  if (!isObject(parsed) || typeof parsed.title !== 'string' || typeof parsed.disease !== 'string' || typeof parsed.details !== 'string') {
    throw new Skip('its EHR Ledger report attachment lacks a title, disease or details');
  }
  return { title: parsed.title, disease: parsed.disease, details: parsed.details };
}

const shorten = (value: string) => {
  const trimmed = value.trim();
  return trimmed.length <= MAX_TITLE ? trimmed : `${trimmed.slice(0, MAX_TITLE - 1)}…`;
};

/** Checks the fields as the report form would; Skip with the form's messages when it would refuse them. */
function asReport(fields: ReportBody): ReportBody {
  const parsed = checkReportFields({ title: shorten(fields.title), disease: shorten(fields.disease), details: fields.details });
  if (!parsed.ok) throw new Skip(Object.values(parsed.errors).join('; '));
  return parsed.value;
}

/** An attachment that becomes a file, checked as the report form checks an upload; Skip when it would be refused. */
function asFile(data: AttachmentData, title: string | undefined, position: number, limits: FileLimits): ImportFile {
  const bytes = data.bytes ?? Buffer.alloc(0);
  const named = cleanName(title ?? `attachment-${position}`);
  try {
    if (bytes.length > limits.maxFileBytes) throw new FileRefused('size', `"${named}" is larger than ${Math.round(limits.maxFileBytes / 1024 / 1024)} MB`);
    // A title is no file name: an extension of an allowed type must agree with the content;
    // anything else after a dot ("X-ray 2019.05") is part of the name, and the type's is added.
    const type = typeOfBytes(hasAllowedExtension(named) ? named : 'attachment', bytes);
    return { name: nameWithExtension(named, type), type, bytes };
  } catch (error) {
    if (error instanceof FileRefused) throw new Skip(`its attachment ${position}: ${error.message}`);
    throw error;
  }
}

function documentReference(resource: Json, entry: number, limits: FileLimits): { report: ReportBody; files: ImportFile[] } {
  // Every attachment is checked first, whatever becomes of the entry: a damaged one refuses the file.
  const attachments = list(resource.content).map((content, i) => {
    const item = isObject(content) ? content : {};
    return { content: item, data: readAttachment(item.attachment, `Entry ${entry} (DocumentReference), attachment ${i + 1}`), position: i + 1 };
  });
  const status = str(resource.status);
  if (status === 'entered-in-error') throw new Skip('it is marked entered-in-error');
  if (status === 'superseded') throw new Skip('it is superseded by a newer document');
  const titleOf = (content: Json) => (isObject(content.attachment) ? str(content.attachment.title) : undefined);
  const ours = (content: Json) => isObject(content.format) && content.format.system === BODY_FORMAT.system;
  const filesOf = (chosen: typeof attachments) => {
    if (chosen.length > limits.maxFiles) throw new Skip(`it has ${chosen.length} files; a report holds at most ${limits.maxFiles}`);
    return chosen.map(({ data, content, position }) => asFile(data, titleOf(content), position, limits));
  };
  for (const { content, data } of attachments) {
    const body = ourBody(content, data);
    if (body) return { report: asReport(body), files: filesOf(attachments.filter(a => !ours(a.content) && a.data.bytes !== undefined)) };
  }
  const isText = (a: (typeof attachments)[number]) => attachmentText(a.data) !== undefined;
  const texts = attachments
    .filter(a => !ours(a.content))
    .map(({ data }) => attachmentText(data))
    .filter((value): value is string => value !== undefined && value.trim() !== '');
  const files = filesOf(attachments.filter(a => !ours(a.content) && a.data.bytes !== undefined && !isText(a)));
  if (texts.length === 0 && files.length === 0) {
    if (attachments.some(({ data }) => data.link)) throw new Skip('its attachments are only links, which are not fetched');
    throw new Skip('it has no text or file to import');
  }
  const firstTitle = attachments.map(({ content }) => titleOf(content)).find(Boolean);
  return {
    report: asReport({
      title: str(resource.description) ?? conceptText(resource.type) ?? firstTitle ?? 'Imported document',
      disease: NOT_STATED,
      details: texts.length > 0 ? texts.map(value => value.trim()).join('\n\n') : 'See the attached files.',
    }),
    files,
  };
}

function diagnosticReport(resource: Json, entry: number): ReportBody {
  const forms = list(resource.presentedForm).map((form, i) => readAttachment(form, `Entry ${entry} (DiagnosticReport), presented form ${i + 1}`));
  const status = str(resource.status);
  if (status === 'entered-in-error' || status === 'cancelled') throw new Skip(`it is marked ${status}`);
  const texts = forms.map(attachmentText).filter((value): value is string => value !== undefined && value.trim() !== '');
  const details = [str(resource.conclusion), ...texts.map(value => value.trim())].filter(Boolean).join('\n\n');
  if (!details) throw new Skip('it has no conclusion or plain-text report to import');
  const disease = list(resource.conclusionCode).map(conceptText).find(Boolean);
  return asReport({ title: conceptText(resource.code) ?? 'Diagnostic report', disease: disease ?? NOT_STATED, details });
}

/** What `bytes` (an uploaded file) would import; ImportRefused when nothing of it may be. */
export function planImport(bytes: Buffer, limits: ImportLimits = IMPORT_LIMITS, fileLimits: FileLimits = { maxFileBytes: 10 * 1024 * 1024, maxFiles: 5 }): ImportPlan {
  if (bytes.length > limits.maxBytes) {
    throw new ImportRefused(413, `The file is larger than ${Math.round(limits.maxBytes / 1024 / 1024)} MB. Nothing was imported.`);
  }
  let source: string;
  try {
    source = utf8.decode(bytes);
  } catch {
    throw new ImportRefused(400, 'The file is not text (UTF-8), so it is no FHIR JSON. Nothing was imported.');
  }
  if (source.trim() === '') throw new ImportRefused(400, 'The file is empty. Nothing was imported.');
  if (jsonDepth(source, limits.maxDepth) > limits.maxDepth) {
    throw new ImportRefused(400, `The file nests arrays and objects more than ${limits.maxDepth} deep, which no FHIR Bundle needs. Nothing was imported.`);
  }
  let bundle: unknown;
  try {
    bundle = JSON.parse(source);
  } catch (error) {
    throw new ImportRefused(400, `The file is not JSON (${error instanceof Error ? error.message : 'it does not parse'}). Nothing was imported.`);
  }
  if (!isObject(bundle)) throw new ImportRefused(400, 'The file is JSON but not a FHIR resource (an object with a resourceType). Nothing was imported.');
  if (bundle.resourceType !== 'Bundle') {
    const what = typeof bundle.resourceType === 'string' ? `a ${bundle.resourceType.slice(0, 64)}` : 'no FHIR resource (it has no resourceType)';
    throw new ImportRefused(400, `The file is ${what}, not a FHIR Bundle. Nothing was imported.`);
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw new ImportRefused(400, "The bundle's entry is not a list. Nothing was imported.");
  const entries = list(bundle.entry);
  if (entries.length > limits.maxEntries) {
    throw new ImportRefused(400, `The bundle has ${entries.length} entries; at most ${limits.maxEntries} are imported at once. Split it, and import each part. Nothing was imported.`);
  }

  const candidates: ImportCandidate[] = [];
  const skips = new Map<string, { entries: number[]; resourceType: string; reason: string }>();
  const skip = (entry: number, resourceType: string, reason: string) => {
    const key = `${resourceType}\u0000${reason}`;
    const found = skips.get(key) ?? { entries: [], resourceType, reason };
    found.entries.push(entry);
    skips.set(key, found);
  };
  const seen = new Map<string, number>();
  entries.forEach((item, i) => {
    const entry = i + 1;
    const resource = isObject(item) ? item.resource : undefined;
    if (!isObject(resource)) return skip(entry, '(none)', 'the entry holds no resource');
    const resourceType = typeof resource.resourceType === 'string' ? resource.resourceType.slice(0, 64) : '(none)';
    if (resourceType !== 'DocumentReference' && resourceType !== 'DiagnosticReport') {
      return skip(entry, resourceType, 'not a report: only DocumentReference and DiagnosticReport entries become reports');
    }
    try {
      const { report, files } = resourceType === 'DocumentReference' ? documentReference(resource, entry, fileLimits) : { report: diagnosticReport(resource, entry), files: [] };
      const key = JSON.stringify([report.title, report.disease, report.details]);
      const twin = seen.get(key);
      if (twin !== undefined) return skip(entry, resourceType, `the same report as entry ${twin}`);
      seen.set(key, entry);
      candidates.push({ entry, resourceType, report, files });
    } catch (error) {
      if (!(error instanceof Skip)) throw error;
      skip(entry, resourceType, error.message);
    }
  });
  return { entryCount: entries.length, candidates, skipped: [...skips.values()] };
}
