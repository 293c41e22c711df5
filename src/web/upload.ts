/**
 * The upload of `POST /patient/import`, read before the CSRF check (which needs the form's
 * `_csrf` field, inside the multipart body): mounted ahead of it, for that one path, and only for
 * a signed-in patient, so nobody else's upload is ever read. The route, after the CSRF check,
 * takes what was read with `uploadOf(req)`.
 *
 * Two encodings:
 * - `multipart/form-data` (the page's form): one file in the field `files`, plus `_csrf`; at
 *   most `maxBytes` (larger: 413), one file (a second: 400), a handful of small fields.
 * - `application/fhir+json` (or `application/json`): the Bundle itself as the body, for scripts,
 *   with the session's token in an `x-csrf-token` header (such a body cannot come from another
 *   site's form: a browser would ask first, and this app allows no other origin).
 *
 * A body over the limit is still read to its end (and thrown away) up to `drainBytes`, so the
 * client gets its 413 on the import page rather than a broken connection; one that says it is
 * larger than that, or turns out to be, is not read on: a plain 413 at once, the connection
 * closed after it.
 *
 * (A general multipart parser for issue 18's files is to replace this; it must leave the same
 * `Upload` for the route, or the route reads its own.)
 */
import type { Request, RequestHandler, Response } from 'express';
import busboy from 'busboy';
import { HttpError } from './http-error';

export type Upload =
  | { readonly ok: true; readonly bytes: Buffer; readonly filename: string | undefined }
  | { readonly ok: false; readonly status: 400 | 413; readonly message: string };

export interface UploadOptions {
  /** The path whose POSTs are read. */
  readonly path: string;
  /** The largest file or body. */
  readonly maxBytes: number;
  /** The most bytes of an over-large body read (and thrown away) before the connection is closed. */
  readonly drainBytes?: number;
}

const uploads = new WeakMap<Request, Upload>();

/** What the upload middleware read from this request; undefined when it read nothing (another encoding). */
export function uploadOf(req: Request): Upload | undefined {
  return uploads.get(req);
}

const FIELD = 'files';
const CUT_OFF = 'The upload was cut off before its end. Nothing was imported.';

export function importUpload({ path, maxBytes, drainBytes = 8 * maxBytes }: UploadOptions): RequestHandler {
  const TOO_LARGE = `The file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB. Nothing was imported.`;
  const tooLarge = (): Upload => ({ ok: false, status: 413, message: TOO_LARGE });

  return (req, res, next) => {
    if (req.method !== 'POST' || req.path !== path || req.session?.user?.role !== 'patient' || req.session.mustChangePassword) return next();
    const type = (req.get('content-type') ?? '').toLowerCase();
    const multipart = type.startsWith('multipart/form-data');
    const json = /^application\/(fhir\+)?json\b/.test(type);
    if (!multipart && !json) return next();

    let settled = false;
    const finish = (upload: Upload, csrf: string | undefined) => {
      if (settled) return;
      settled = true;
      uploads.set(req, upload);
      req.body = { _csrf: csrf ?? '' };
      next();
    };
    // Past `drainBytes`, the body is not read on: the answer is a plain 413 at once, before the
    // CSRF check (whose token may be in the part of the body never read); nothing is done with it.
    const refuse = () => {
      if (settled) return;
      settled = true;
      cutOff(req, res);
      next(new HttpError(413, 'Too large', TOO_LARGE));
    };
    const declared = Number(req.get('content-length'));
    if (Number.isFinite(declared) && declared > drainBytes) return refuse();

    if (json) {
      readBody(req, maxBytes, drainBytes, (bytes, outcome) => {
        if (outcome === 'cut-off') return refuse();
        finish(
          outcome === 'read' ? { ok: true, bytes, filename: undefined } : outcome === 'over' ? tooLarge() : { ok: false, status: 400, message: CUT_OFF },
          req.get('x-csrf-token'),
        );
      });
      return;
    }

    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: 1, fields: 4, fieldSize: 4096, parts: 6, headerPairs: 20 } });
    } catch {
      return finish({ ok: false, status: 400, message: 'The upload could not be read (a multipart form without its boundary).' }, undefined);
    }
    let csrf: string | undefined;
    let problem: Upload | undefined;
    let file: { bytes: Buffer; filename: string | undefined } | undefined;
    let pending = 0; // file streams still being read
    let parsed = false;
    const done = () => {
      if (!parsed || pending > 0) return;
      if (problem) return finish(problem, csrf);
      if (!file || file.bytes.length === 0) return finish({ ok: false, status: 400, message: 'Choose a FHIR R4 Bundle (a .json file) to import.' }, csrf);
      finish({ ok: true, ...file }, csrf);
    };
    parser.on('field', (name, value, info) => {
      if (name === '_csrf' && !info.valueTruncated) csrf = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== FIELD) {
        problem ??= { ok: false, status: 400, message: `Send the bundle in the form's file field (${FIELD}).` };
        stream.resume();
        return;
      }
      pending++;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        problem = tooLarge();
        chunks.length = 0;
      });
      stream.on('close', () => {
        pending--;
        if (!problem) file = { bytes: Buffer.concat(chunks), filename: info.filename };
        done();
      });
    });
    parser.on('filesLimit', () => {
      problem ??= { ok: false, status: 400, message: 'Send one file: a single FHIR R4 Bundle. Nothing was imported.' };
    });
    parser.on('partsLimit', () => {
      problem ??= { ok: false, status: 400, message: 'The form has more parts than it should. Nothing was imported.' };
    });
    parser.on('fieldsLimit', () => {
      problem ??= { ok: false, status: 400, message: 'The form has more fields than it should. Nothing was imported.' };
    });
    parser.on('error', () => {
      req.unpipe(parser);
      cutOff(req, res);
      problem ??= { ok: false, status: 400, message: 'The upload could not be read (a malformed multipart body). Nothing was imported.' };
      parsed = true;
      pending = 0;
      done();
    });
    parser.on('close', () => {
      parsed = true;
      done();
    });
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > drainBytes && !settled) {
        req.unpipe(parser);
        refuse();
      }
    });
    req.on('aborted', () => finish({ ok: false, status: 400, message: CUT_OFF }, csrf));
    req.pipe(parser);
  };
}

/** How reading a body ended: all of it, over the limit (read to its end), cut off past `drainBytes`, or broken by the client. */
type Outcome = 'read' | 'over' | 'cut-off' | 'cut';

/** Reads a whole body up to `maxBytes`; past it, reads on (throwing it away) up to `drainBytes`, then cuts the connection. */
function readBody(req: Request, maxBytes: number, drainBytes: number, then: (bytes: Buffer, outcome: Outcome) => void): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let ended = false;
  const end = (outcome: Outcome) => {
    if (ended) return;
    ended = true;
    then(outcome === 'read' ? Buffer.concat(chunks) : Buffer.alloc(0), outcome);
  };
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBytes) chunks.length = 0;
    else chunks.push(chunk);
    if (received > drainBytes) end('cut-off');
  });
  req.on('end', () => end(received > maxBytes ? 'over' : 'read'));
  req.on('aborted', () => end('cut'));
  req.on('error', () => end('cut'));
}

/** Stops reading the request; the connection closes once the answer is sent. */
function cutOff(req: Request, res: Response): void {
  req.pause();
  res.set('Connection', 'close');
}
