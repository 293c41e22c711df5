/** Break-glass: the doctor's request and access pages, the patient's "end it now", the admin's list. */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { currentUser, requireRole } from '../../web/auth';
import { flash, flashSaved } from '../../web/flash';
import { pathId } from '../../web/params';
import { parseForm, text, typedValues, type FieldErrors } from '../../web/validate';
import { FieldError } from '../../domain/errors';
import { utcMinute } from '../../domain/time';
import { MIN_REASON_LENGTH, type EmergencyService } from './service';

const REQUEST = z.object({
  patient: z
    .string({ error: "The patient's username is required" })
    .transform(value => value.trim())
    .pipe(z.string().min(1, "The patient's username is required").max(64, 'A username is at most 64 characters')),
  reason: text('Reason', MIN_REASON_LENGTH, 1000),
});

export function emergencyRoutes(emergencies: EmergencyService): Router {
  const router = Router();
  const doctorOnly = requireRole('doctor');

  function renderRequest(res: Response, status = 200, values: Record<string, unknown> = {}, errors: FieldErrors = {}) {
    res.status(status).render('doctor/emergency', { title: 'Emergency access', hours: emergencies.hours, minReason: MIN_REASON_LENGTH, values, errors });
  }

  router.get('/doctor/emergency', doctorOnly, (_req, res) => renderRequest(res));

  router.post('/doctor/emergency', doctorOnly, async (req: Request, res: Response) => {
    const parsed = parseForm(REQUEST, req.body);
    if (!parsed.ok) return renderRequest(res, 400, typedValues(req.body), parsed.errors);
    try {
      const opened = await emergencies.open(currentUser(req).id, parsed.value);
      if (opened.receipt) {
        flashSaved(req, `Emergency access opened and recorded on the ledger for ${emergencies.hours} hours. The patient and the admin see it, with your reason.`, opened.receipt);
      } else {
        flash(req, { kind: 'info', message: 'You already hold an emergency access to this patient: here it is.' });
      }
      res.redirect(303, `/doctor/emergency/${opened.emergencyId}`);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      renderRequest(res, 400, typedValues(req.body), { [error.field]: error.message });
    }
  });

  router.get('/doctor/emergency/:id', doctorOnly, async (req, res) => {
    const access = await emergencies.access(currentUser(req).id, pathId(req));
    res.render('doctor/emergency-access', { title: `Emergency access to ${access.patientName}'s records`, access });
  });

  router.post('/patient/emergency/:id/end', requireRole('patient'), async (req, res) => {
    const receipt = await emergencies.end(currentUser(req).id, pathId(req));
    flashSaved(req, `Emergency access ended at ${utcMinute(receipt.timestamp)} and recorded on the ledger.`, receipt);
    res.redirect(303, '/patient');
  });

  router.get('/admin/emergency', requireRole('admin'), async (_req, res) => {
    res.render('admin/emergency', { title: 'Emergency accesses', emergencies: await emergencies.all() });
  });

  return router;
}
