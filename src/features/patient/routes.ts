/** Patient signup, the patient's reports, sharing and revoking. */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { currentUser, requireRole, takeKeptForm } from '../../web/auth';
import { flashSaved } from '../../web/flash';
import { uploadedFiles } from '../../web/files-upload';
import { FILE_REFUSED_STATUS } from '../../web/http-error';
import { pathId } from '../../web/params';
import { pageNumber } from '../../web/paging';
import { readCheckedPage } from '../records/paging';
import { email, id, parseForm, password, phone, text, typedValues, untilDay, username, type FieldErrors } from '../../web/validate';
import { tooMany } from '../../web/throttle';
import { TooManyAttempts } from '../auth/rate-limit';
import { FieldError } from '../../domain/errors';
import { utcMinute } from '../../domain/time';
import type { EmergencyService } from '../emergency/service';
import { CLAIM } from '../insurer/routes';
import type { InsurerService } from '../insurer/service';
import type { PharmacyService } from '../pharmacy/service';
import { REPORT_FIELDS } from '../records/report-form';
import type { PatientService } from './service';

const SIGNUP = z.object({ username, password, email, fullName: text('Full name', 1, 120), phone });

/** A multi-select sends nothing, one value or several: always a list of distinct ids. */
const hospitalIds = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform(value => (value === undefined ? [] : Array.isArray(value) ? value : [value]))
  .pipe(z.array(id('Hospital')).max(256, 'Choose at most 256 hospitals'))
  .transform(ids => [...new Set(ids)]);

const REPORT = REPORT_FIELDS.extend({ hospitalIds, until: untilDay });

const GRANT = z.object({ hospitalId: id('Hospital') });
const SHARE = z.object({ hospitalId: id('Hospital'), until: untilDay });

export interface PatientRouteServices {
  readonly patients: PatientService;
  readonly emergencies: EmergencyService;
  readonly pharmacy: PharmacyService;
  readonly insurers: InsurerService;
}

export function patientRoutes({ patients, emergencies, pharmacy, insurers }: PatientRouteServices): Router {
  const router = Router();
  const patientOnly = requireRole('patient');

  function renderSignup(res: Response, status: number, values: Record<string, unknown> = {}, errors: FieldErrors = {}) {
    res.status(status).render('patient/signup', { title: 'Patient signup', values, errors });
  }

  async function renderDashboard(req: Request, res: Response, status = 200, failed?: { values: Record<string, unknown>; errors: FieldErrors }) {
    const [page, hospitals, unsaved, emergencyAccesses, claims] = await Promise.all([
      readCheckedPage(pageNumber(req), window => patients.dashboard(currentUser(req).id, window)),
      patients.hospitals(),
      patients.unsaved(currentUser(req).id),
      emergencies.ofPatient(currentUser(req).id),
      insurers.ofPatient(currentUser(req).id),
    ]);
    res.status(status).render('patient/index', {
      title: 'My health records',
      reports: page.items,
      page,
      hospitals,
      unsaved,
      emergencies: emergencyAccesses,
      claims,
      values: failed?.values ?? {},
      errors: failed?.errors ?? {},
    });
  }

  router.get('/patient/signup', (_req, res) => renderSignup(res, 200));

  router.post('/patient/signup', async (req, res) => {
    const parsed = parseForm(SIGNUP, req.body);
    if (!parsed.ok) return renderSignup(res, 400, typedValues(req.body), parsed.errors);
    try {
      const receipt = await patients.signup(parsed.value, req.ip);
      flashSaved(req, `Signup completed and your record was saved on the ledger. You can log in now as ${parsed.value.username}.`, receipt);
      req.session.loginName = parsed.value.username; // the login page offers it
      res.redirect(303, '/patient/login');
    } catch (error) {
      if (error instanceof TooManyAttempts) return tooMany(res, error.retryAt, Date.now(), 'Too many signups from your network.');
      if (!(error instanceof FieldError)) throw error;
      renderSignup(res, 400, typedValues(req.body), { [error.field]: error.message });
    }
  });

  router.get('/patient', patientOnly, (req, res) => {
    // A report typed into a session that ended comes back after the login, as it was typed.
    const kept = takeKeptForm(req, '/patient');
    return renderDashboard(req, res, 200, kept && { values: kept, errors: {} });
  });

  router.post('/patient/reports', patientOnly, async (req, res) => {
    const upload = uploadedFiles(req);
    if (upload?.problem) {
      return renderDashboard(req, res, FILE_REFUSED_STATUS[upload.problem.reason], { values: typedValues(req.body), errors: { files: upload.problem.message } });
    }
    const parsed = parseForm(REPORT, req.body);
    if (!parsed.ok) return renderDashboard(req, res, 400, { values: typedValues(req.body), errors: parsed.errors });
    try {
      const receipt = await patients.addReport(currentUser(req).id, { ...parsed.value, files: upload?.files ?? [] });
      flashSaved(req, `Report "${parsed.value.title}" saved on the ledger as report #${receipt.reportId}.`, receipt);
      res.redirect(303, '/patient');
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      await renderDashboard(req, res, 400, { values: typedValues(req.body), errors: { [error.field]: error.message } });
    }
  });

  /**
   * The report's page; `failed`: a form sent back with what was typed and what is wrong — a share
   * form of one hospital (`hospitalId`), or the claim form (`form: 'claim'`).
   */
  async function renderReport(
    req: Request,
    res: Response,
    status = 200,
    failed?: { hospitalId?: number; form?: 'claim'; values: Record<string, unknown>; errors: FieldErrors },
    reportId = pathId(req),
  ) {
    const report = await patients.report(currentUser(req).id, reportId);
    const [dispatches, pharmacies, insurerList, claims] = await Promise.all([
      pharmacy.dispatchesOf(report.prescriptions.map(p => ({ reportId: report.id, index: p.index }))),
      pharmacy.pharmacies(),
      insurers.insurers(),
      insurers.ofPatient(currentUser(req).id),
    ]);
    res.status(status).render('patient/report', {
      title: report.checked.integrity === 'verified' ? report.checked.body.title : `Report #${report.id}`,
      report,
      dispatches,
      pharmacies,
      insurers: insurerList,
      claims: claims.filter(claim => claim.reportId === report.id),
      failed: failed ?? null,
    });
  }

  router.get('/patient/reports/:id', patientOnly, (req, res) => renderReport(req, res));

  // A revoke is confirmed on a page of its own first: a plain form, so it works without
  // JavaScript (the CSP allows no inline script) and says what the revoke will and won't undo.
  router.get('/patient/reports/:id/revoke', patientOnly, async (req, res) => {
    const report = await patients.report(currentUser(req).id, pathId(req));
    const parsed = parseForm(GRANT, req.query);
    const hospital = parsed.ok ? report.hospitals.find(h => h.id === parsed.value.hospitalId) : undefined;
    if (hospital?.state !== 'live') {
      return res.status(400).render('errors/error', { title: 'Choose a hospital', status: 400, message: 'That hospital has no access to revoke.' });
    }
    const title = report.checked.integrity === 'verified' ? report.checked.body.title : `Report #${report.id}`;
    res.render('patient/revoke', { title: `Revoke access of ${hospital.name}`, reportTitle: title, report, hospital });
  });

  router.post('/patient/reports/:id/share', patientOnly, async (req, res) => {
    const reportId = pathId(req);
    const parsed = parseForm(SHARE, req.body);
    const hospitalId = Number(typedValues(req.body).hospitalId) || 0;
    if (!parsed.ok) return renderReport(req, res, 400, { hospitalId, values: typedValues(req.body), errors: parsed.errors });
    try {
      const receipt = await patients.share(currentUser(req).id, reportId, parsed.value.hospitalId, parsed.value.until);
      const end = parsed.value.until ? ` until ${utcMinute(parsed.value.until)}` : ' with no end';
      flashSaved(req, `Access granted${end} and saved on the ledger.`, receipt);
      res.redirect(303, `/patient/reports/${reportId}`);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      await renderReport(req, res, 400, { hospitalId, values: typedValues(req.body), errors: { [error.field]: error.message } });
    }
  });

  router.post('/patient/claims', patientOnly, async (req, res) => {
    const parsed = parseForm(CLAIM, req.body);
    const typedReport = Number(typedValues(req.body).reportId);
    const failed = (errors: FieldErrors) =>
      Number.isSafeInteger(typedReport) && typedReport > 0
        ? renderReport(req, res, 400, { form: 'claim', values: typedValues(req.body), errors }, typedReport)
        : res.status(400).render('errors/error', { title: 'The claim was not filed', status: 400, message: Object.values(errors).join(' ') });
    if (!parsed.ok) return failed(parsed.errors);
    try {
      const receipt = await insurers.file(currentUser(req).id, parsed.value);
      flashSaved(req, `Claim #${receipt.claimId} filed on the ledger: the insurer may read this report and its prescriptions until it decides.`, receipt);
      res.redirect(303, `/patient/reports/${parsed.value.reportId}`);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      await failed({ [error.field]: error.message });
    }
  });

  router.post('/patient/reports/:id/revoke', patientOnly, async (req, res) => {
    const reportId = pathId(req);
    const parsed = parseForm(GRANT, req.body);
    if (!parsed.ok) {
      return res.status(400).render('errors/error', { title: 'Choose a hospital', status: 400, message: parsed.errors.hospitalId ?? 'Choose a hospital.' });
    }
    try {
      const receipt = await patients.revoke(currentUser(req).id, reportId, parsed.value.hospitalId);
      flashSaved(req, 'Access revoked and saved on the ledger.', receipt);
      res.redirect(303, `/patient/reports/${reportId}`);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      res.status(400).render('errors/error', { title: 'Choose a hospital', status: 400, message: error.message });
    }
  });

  return router;
}
