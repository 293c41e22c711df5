/**
 * `GET /files/:id`: an attached file, to whoever may read its record, after its bytes are checked
 * against the hash its record commits to on the ledger. And the upload reader of the forms that
 * attach files (see web/files-upload.ts), mounted ahead of the CSRF check.
 */
import { Router } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { currentUser, requireSignedIn } from '../../web/auth';
import { filesUpload } from '../../web/files-upload';
import { notFound } from '../../web/http-error';
import { MAX_FILES_PER_RECORD, type FileService } from './service';

/** The forms that take files, and whose. */
const FORMS_WITH_FILES = [
  { path: /^\/patient\/reports$/, role: 'patient' },
  { path: /^\/doctor\/reports\/[^/]+\/prescriptions$/, role: 'doctor' },
] as const;

const FILE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const recordFilesUpload = (files: FileService) =>
  filesUpload({
    routes: FORMS_WITH_FILES,
    maxFiles: MAX_FILES_PER_RECORD,
    maxFileBytes: files.maxFileBytes,
    store: (userId, name, chunks) => files.storeFor(userId, name, chunks),
    discardUnlisted: ids => files.discardUnlisted(ids),
  });

/** `filename*` (RFC 6266 / 8187) for any name, with a plain ASCII `filename` for old clients. */
function disposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function fileRoutes(files: FileService): Router {
  const router = Router();

  router.get('/files/:id', requireSignedIn, async (req, res) => {
    const id = String(req.params.id).toLowerCase();
    if (!FILE_ID.test(id)) throw notFound('file');
    const user = currentUser(req);
    const { file, chunks } = await files.open(user.id, user.role, id);
    const download = req.query.download !== undefined;
    res.set({
      'Content-Type': file.type === 'text/plain' ? 'text/plain; charset=utf-8' : file.type,
      'Content-Length': String(file.size),
      'Content-Disposition': disposition(download ? 'attachment' : 'inline', file.name),
      'X-Content-Type-Options': 'nosniff',
      // Nothing in a file runs: no script, no form, no frame of another site; a PDF is shown by
      // the browser's own viewer (a sandboxed document may not load it), an image or text is
      // sandboxed as well.
      'Content-Security-Policy': `default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'${file.type === 'application/pdf' ? '' : '; sandbox'}`,
      'Cache-Control': 'private, no-store',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    // Checked before the first byte: a failure from here on (a file changed between the check
    // and the read) ends the connection mid-file rather than finishing a bad one.
    await pipeline(Readable.from(chunks), res).catch((error: unknown) => {
      if (!res.destroyed) res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });

  return router;
}
