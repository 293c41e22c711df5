/**
 * The patient's record as FHIR R4: `GET /patient/export` downloads it as a Bundle;
 * `GET /patient/import` is the import form and `POST /patient/import` imports a Bundle's reports
 * (the upload itself is read ahead of the CSRF check by `importUpload`, see web/upload.ts).
 */
import { Router, type Request, type Response } from 'express';
import { currentUser, requireRole } from '../../web/auth';
import { toHttpError } from '../../web/http-error';
import { ImportRefused, IMPORT_LIMITS } from './import';
import type { FhirService, ImportResult } from './service';
import { importUpload, uploadOf } from '../../web/upload';

export const IMPORT_PATH = '/patient/import';

/** The upload reader for `POST /patient/import`, to mount ahead of the CSRF check. */
// Past twice the limit the body is not read on (a hostile 50 MB is refused at once).
export const fhirUpload = () => importUpload({ path: IMPORT_PATH, maxBytes: IMPORT_LIMITS.maxBytes, drainBytes: 2 * IMPORT_LIMITS.maxBytes });

export function fhirRoutes(fhir: FhirService): Router {
  const router = Router();
  const patientOnly = requireRole('patient');

  function renderImport(res: Response, status: number, found: { error?: string; result?: ImportResult } = {}) {
    const stopped = found.result?.stoppedBy;
    res.status(status).render('patient/import', {
      title: 'Import records (FHIR R4)',
      maxMb: Math.round(IMPORT_LIMITS.maxBytes / 1024 / 1024),
      maxEntries: IMPORT_LIMITS.maxEntries,
      error: found.error ?? null,
      result: found.result ?? null,
      stopped: stopped === undefined ? null : (toHttpError(stopped, { write: true })?.message ?? 'The server could not complete the import.'),
    });
  }

  router.get('/patient/export', patientOnly, async (req, res) => {
    const { bundle, username } = await fhir.exportRecord(currentUser(req).id);
    const day = new Date().toISOString().slice(0, 10);
    res.set({
      'Content-Type': 'application/fhir+json; charset=utf-8',
      'Content-Disposition': `attachment; filename="ehr-record-${username.replace(/[^a-z0-9._-]/gi, '_')}-${day}.json"`,
      'Cache-Control': 'no-store',
    });
    res.send(`${JSON.stringify(bundle, null, 2)}\n`);
  });

  router.get(IMPORT_PATH, patientOnly, (_req, res) => renderImport(res, 200));

  router.post(IMPORT_PATH, patientOnly, async (req: Request, res: Response) => {
    const upload = uploadOf(req);
    if (!upload) {
      return renderImport(res, 415, { error: 'Send the bundle as a file of the form (multipart/form-data, field "files") or as an application/fhir+json body.' });
    }
    if (!upload.ok) return renderImport(res, upload.status, { error: upload.message });
    try {
      const result = await fhir.importRecord(currentUser(req).id, upload.bytes);
      const status = result.stoppedBy === undefined ? 200 : (toHttpError(result.stoppedBy, { write: true })?.status ?? 500);
      renderImport(res, status, { result });
    } catch (error) {
      if (!(error instanceof ImportRefused)) throw error;
      renderImport(res, error.status, { error: error.message });
    }
  });

  return router;
}
