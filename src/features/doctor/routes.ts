/** The doctor's dashboard, a shared report, and the "Click Here" prescription form. */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { currentUser, requireRole } from '../../web/auth';
import { flashSaved } from '../../web/flash';
import { uploadedFiles } from '../../web/files-upload';
import { FILE_REFUSED_STATUS } from '../../web/http-error';
import { pathId } from '../../web/params';
import { pageNumber } from '../../web/paging';
import { readCheckedPage } from '../records/paging';
import { parseForm, text, typedValues, type FieldErrors } from '../../web/validate';
import type { DoctorService } from './service';

const PRESCRIPTION = z.object({
  medicines: text('Medicines', 1, 1000),
  dosage: text('Dosage', 1, 1000),
  instructions: text('Instructions', 1, 1000),
});

export function doctorRoutes(doctors: DoctorService): Router {
  const router = Router();
  const doctorOnly = requireRole('doctor');

  async function renderReport(req: Request, res: Response, status = 200, failed?: { values: Record<string, unknown>; errors: FieldErrors }) {
    const report = await doctors.report(currentUser(req).id, pathId(req));
    res.status(status).render('doctor/report', {
      title: report.checked.integrity === 'verified' ? report.checked.body.title : `Report #${report.id}`,
      report,
      values: failed?.values ?? {},
      errors: failed?.errors ?? {},
    });
  }

  router.get('/doctor', doctorOnly, async (req, res) => {
    const { id } = currentUser(req);
    const page = await readCheckedPage(pageNumber(req), window => doctors.dashboard(id, window));
    res.render('doctor/index', { title: 'Shared reports', reports: page.items, page, hospitalName: await doctors.hospitalName(id) });
  });

  router.get('/doctor/reports/:id', doctorOnly, async (req, res) => {
    await renderReport(req, res);
    // Only a page that was shown counts as an access (renderReport throws on 403/404).
    await doctors.recordAccess(currentUser(req).id, pathId(req));
  });

  router.post('/doctor/reports/:id/prescriptions', doctorOnly, async (req, res) => {
    const reportId = pathId(req);
    const upload = uploadedFiles(req);
    if (upload?.problem) {
      return renderReport(req, res, FILE_REFUSED_STATUS[upload.problem.reason], { values: typedValues(req.body), errors: { files: upload.problem.message } });
    }
    const parsed = parseForm(PRESCRIPTION, req.body);
    if (!parsed.ok) return renderReport(req, res, 400, { values: typedValues(req.body), errors: parsed.errors });
    const receipt = await doctors.prescribe(currentUser(req).id, reportId, { ...parsed.value, files: upload?.files ?? [] });
    flashSaved(req, 'Prescription saved on the ledger.', receipt);
    res.redirect(303, `/doctor/reports/${reportId}`);
  });

  return router;
}
