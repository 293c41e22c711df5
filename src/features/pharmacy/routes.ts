/** The pharmacist's list and dispensing; the patient's sending of a prescription to a pharmacy. */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { currentUser, requireRole } from '../../web/auth';
import { flashSaved } from '../../web/flash';
import { notFound } from '../../web/http-error';
import { id, parseForm } from '../../web/validate';
import { FieldError } from '../../domain/errors';
import type { PharmacyService, PrescriptionRef } from './service';

const SEND = z.object({ pharmacyId: id('Pharmacy') });

/** A prescription's id in a path: `<reportId>-<index>` (index from 0), or the page does not exist. */
function prescriptionRef(req: Request): PrescriptionRef {
  const match = /^([1-9][0-9]{0,9})-(0|[1-9][0-9]{0,5})$/.exec(String(req.params.id));
  if (!match || Number(match[1]) > 0xffffffff) throw notFound();
  return { reportId: Number(match[1]), index: Number(match[2]) };
}

export function pharmacyRoutes(pharmacy: PharmacyService): Router {
  const router = Router();
  const pharmacistOnly = requireRole('pharmacist');
  const patientOnly = requireRole('patient');

  router.get('/pharmacist', pharmacistOnly, async (req, res) => {
    const { id: userId } = currentUser(req);
    const [prescriptions, pharmacyName] = await Promise.all([pharmacy.dashboard(userId), pharmacy.pharmacyName(userId)]);
    res.render('pharmacist/index', { title: 'Prescriptions', prescriptions, pharmacyName });
  });

  router.post('/pharmacist/prescriptions/:id/dispense', pharmacistOnly, async (req, res) => {
    const receipt = await pharmacy.dispense(currentUser(req).id, prescriptionRef(req));
    flashSaved(req, 'Dispensed, and recorded on the ledger: no pharmacy can dispense this prescription again.', receipt);
    res.redirect(303, '/pharmacist');
  });

  for (const action of ['send', 'withdraw'] as const) {
    router.post(`/patient/prescriptions/:id/${action}`, patientOnly, async (req, res) => {
      const ref = prescriptionRef(req);
      const back = `/patient/reports/${ref.reportId}`;
      try {
        if (action === 'send') {
          const parsed = parseForm(SEND, req.body);
          if (!parsed.ok) throw new FieldError('pharmacyId', parsed.errors.pharmacyId ?? 'Choose a pharmacy');
          const receipt = await pharmacy.send(currentUser(req).id, ref, parsed.value.pharmacyId);
          flashSaved(req, 'Prescription sent: that pharmacy may now see and dispense it.', receipt);
        } else {
          const receipt = await pharmacy.withdraw(currentUser(req).id, ref);
          flashSaved(req, 'Prescription taken back from the pharmacy.', receipt);
        }
        res.redirect(303, back);
      } catch (error) {
        if (!(error instanceof FieldError)) throw error;
        res.status(400).render('errors/error', { title: 'Choose a pharmacy', status: 400, message: error.message });
      }
    });
  }

  return router;
}
