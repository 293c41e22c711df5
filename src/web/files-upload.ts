/**
 * The forms that attach files (`multipart/form-data`, files in the repeated field `files`): read
 * ahead of the CSRF check, whose `_csrf` field is inside the multipart body, for the routes named
 * and a signed-in user of their role only. Each file streams straight into storage (sealed as it
 * comes, see features/files) while the form's fields are collected into `req.body`, as the
 * urlencoded parser would have left them (a repeated field is a list).
 *
 * The route passes the stored files (`uploadedFiles(req).files`) to its service, which lists them
 * in its record's body. Once the answer is sent, those no stored body lists (a form refused, a
 * CSRF failure, a write that certainly failed) are removed; an upload cut off half-way removes
 * everything it had stored, and the route never runs. A file refused on the way (its type, its
 * size, one too many) is a problem for the route to show: the rest of the body is still read (up
 * to a bound), so the form comes back with what was typed.
 */
import type { Request, RequestHandler } from 'express';
import busboy from 'busboy';
import type { Readable } from 'node:stream';
import { FileRefused } from '../domain/errors';
import type { SessionRole } from '../domain/roles';
import type { AttachedFile } from '../features/records/vault';

export const FILES_FIELD = 'files';

export interface FilesUploadOptions {
  /** The POST routes that take files, and whose users. */
  readonly routes: readonly { readonly path: RegExp; readonly role: SessionRole }[];
  readonly maxFiles: number;
  /** The largest file, in bytes: a body far larger than the form's files could be is not read on. */
  readonly maxFileBytes: number;
  /** Stores one file as it streams in (throws FileRefused for a file it will not keep). */
  store(userId: number, name: string | undefined, chunks: AsyncIterable<Buffer>): Promise<AttachedFile>;
  /** Removes those of the stored files that no stored record lists. */
  discardUnlisted(ids: readonly string[]): Promise<void>;
}

export interface FilesUpload {
  /** The files stored, in the order they came. */
  readonly files: readonly AttachedFile[];
  /** Why the upload cannot be used as it is; its files are then removed. */
  readonly problem: FileRefused | undefined;
}

const uploads = new WeakMap<Request, FilesUpload>();

/** What was uploaded with this request (undefined: not a multipart form of a route that takes files). */
export function uploadedFiles(req: Request): FilesUpload | undefined {
  return uploads.get(req);
}

/**
 * A busboy file stream as chunks; a consumer that stops early (a refused file) leaves the rest to
 * be read and thrown away, so the parser goes on to the next part.
 */
function chunksOf(stream: Readable): AsyncIterable<Buffer> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = stream.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
      return {
        next: () => iterator.next(),
        async return() {
          stream.resume();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

// Fields are small; a larger one is refused, never cut (the urlencoded parser's limit is 1 MB too).
const MAX_FIELD_BYTES = 1024 * 1024;

export function filesUpload(options: FilesUploadOptions): RequestHandler {
  return (req, res, next) => {
    const user = req.session?.user;
    const route = options.routes.find(r => r.path.test(req.path));
    if (req.method !== 'POST' || !route || user?.role !== route.role || req.session.mustChangePassword) return next();
    if (!(req.get('content-type') ?? '').toLowerCase().startsWith('multipart/form-data')) return next();

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // Browsers send a file's name as UTF-8 bytes (the HTML standard's multipart/form-data);
        // busboy reads them as latin1 unless told, which turned "Röntgen.png" into "RÃ¶ntgen.png".
        defParamCharset: 'utf8',
        limits: { files: options.maxFiles, fields: 100, fieldSize: MAX_FIELD_BYTES, parts: options.maxFiles + 101, headerPairs: 20 },
      });
    } catch {
      return next(new FileRefused('cut', 'The form could not be read (a multipart form without its boundary).'));
    }

    const fields: Record<string, string | string[]> = {};
    const placed: AttachedFile[] = [];
    let slots = 0;
    const stored = () => placed.filter(Boolean);
    const storing: Promise<unknown>[] = [];
    const current = new Set<Readable>();
    let problem: FileRefused | undefined;
    let settled = false;
    const refuse = (refusal: FileRefused) => {
      problem ??= refusal;
    };
    const discardAll = () => void Promise.allSettled(storing).then(() => options.discardUnlisted(stored().map(file => file.id)).catch(() => undefined));
    // Once the answer is sent, what no record lists goes. (A client gone while the route still
    // works leaves its files to the hourly sweep: they may be about to be listed.)
    res.on('finish', discardAll);

    const finish = async () => {
      if (settled) return;
      settled = true;
      await Promise.allSettled(storing);
      // A problem's files are left to the sweep once the answer is sent (`discardAll`): none is listed.
      uploads.set(req, { files: problem ? [] : stored(), problem });
      req.body = fields;
      next();
    };
    // Far more than the form's files and fields could be: not read on.
    const bound = options.maxFiles * options.maxFileBytes + 2 * MAX_FIELD_BYTES;
    const stopReading = (refusal: FileRefused) => {
      req.unpipe(parser);
      req.pause();
      res.set('Connection', 'close');
      refuse(refusal);
      for (const stream of current) stream.destroy(new Error('upload not read on'));
      void finish();
    };
    const declared = Number(req.get('content-length'));
    if (Number.isFinite(declared) && declared > bound) {
      res.set('Connection', 'close');
      return next(new FileRefused('size', `The form is larger than ${Math.round(bound / 1024 / 1024)} MB.`));
    }

    parser.on('field', (name, value, info) => {
      if (name === '__proto__' || name === 'constructor' || name === 'prototype') return;
      if (info.valueTruncated) refuse(new FileRefused('size', `The field "${name}" is larger than 1 MB.`));
      const before = fields[name];
      fields[name] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
    });
    parser.on('file', (name, stream, info) => {
      // A file input left empty still sends a part: no name, no bytes.
      if (name !== FILES_FIELD || !info.filename || problem) {
        if (name !== FILES_FIELD) refuse(new FileRefused('count', `Attach files in the form's file field (${FILES_FIELD}).`));
        stream.resume();
        return;
      }
      current.add(stream);
      const slot = slots++; // files finish storing in any order; they are listed in the order they came
      storing.push(
        options
          .store(user.id, info.filename, chunksOf(stream))
          .then(file => void (placed[slot] = file))
          .catch((error: unknown) => {
            stream.resume();
            if (error instanceof FileRefused) refuse(error);
            else refuse(new FileRefused('cut', 'A file could not be stored. Nothing was saved; try again.'));
          })
          .finally(() => current.delete(stream)),
      );
    });
    parser.on('filesLimit', () => refuse(new FileRefused('count', `Attach at most ${options.maxFiles} files to one record.`)));
    parser.on('partsLimit', () => refuse(new FileRefused('count', 'The form has more parts than it should.')));
    parser.on('fieldsLimit', () => refuse(new FileRefused('count', 'The form has more fields than it should.')));
    parser.on('error', () => stopReading(new FileRefused('cut', 'The form could not be read (a malformed multipart body). Nothing was saved.')));
    parser.on('close', () => void finish());
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > bound && !settled) stopReading(new FileRefused('size', `The form is larger than ${Math.round(bound / 1024 / 1024)} MB.`));
    });
    // A client gone half-way: what was stored goes, and the route never runs.
    req.on('close', () => {
      if (req.complete || settled) return;
      settled = true;
      refuse(new FileRefused('cut', 'The upload was cut off before its end. Nothing was saved.'));
      for (const stream of current) stream.destroy(new Error('upload cut off'));
      discardAll();
    });
    req.pipe(parser);
  };
}
