/** The insurer's queue, a claim and its decision. */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { currentUser, requireRole } from '../../web/auth';
import { flashSaved } from '../../web/flash';
import { pathId } from '../../web/params';
import { id, parseForm, text, typedValues, type FieldErrors } from '../../web/validate';
import { FieldError } from '../../domain/errors';
import { MAX_CLAIM_RUPEES, type InsurerService } from './service';

/** Whole rupees, as typed: digits (commas and spaces allowed, as people write amounts). */
const rupees = (label: string) =>
  z
    .string({ error: `${label} is required` })
    .transform(value => value.replace(/[,\s]/g, ''))
    .pipe(
      z
        .string()
        .regex(/^[1-9][0-9]{0,12}$/, `${label} must be a whole number of rupees, at least 1`)
        .transform(Number)
        .refine(value => value <= MAX_CLAIM_RUPEES, `${label} must be at most ₹${MAX_CLAIM_RUPEES.toLocaleString('en-IN')}`),
    );

/** A claim filed by a patient (posted from the report page: see patient/routes.ts). */
export const CLAIM = z.object({ reportId: id('Report'), insurerId: id('Insurance company'), amount: rupees('Amount') });

const DECISION = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('approve'), amount: rupees('Approved amount'), note: z.string().optional().transform(v => v?.trim() ?? '').pipe(z.string().max(1000, 'Note must be at most 1000 characters')) }),
  z.object({ decision: z.literal('reject'), note: text('A note saying why', 1, 1000) }),
], { error: 'Choose approve or reject' });

export function insurerRoutes(insurers: InsurerService): Router {
  const router = Router();
  const insurerOnly = requireRole('insurer');

  router.get('/insurer', insurerOnly, async (req, res) => {
    const { id: userId } = currentUser(req);
    const [claims, insurerName] = await Promise.all([insurers.queue(userId), insurers.insurerName(userId)]);
    res.render('insurer/index', { title: 'Claims', claims, insurerName });
  });

  async function renderClaim(req: Request, res: Response, status = 200, failed?: { values: Record<string, unknown>; errors: FieldErrors }) {
    const claim = await insurers.claim(currentUser(req).id, pathId(req));
    res.status(status).render('insurer/claim', { title: `Claim #${claim.id}`, claim, values: failed?.values ?? {}, errors: failed?.errors ?? {} });
  }

  router.get('/insurer/claims/:id', insurerOnly, (req, res) => renderClaim(req, res));

  router.post('/insurer/claims/:id/decide', insurerOnly, async (req, res) => {
    const claimId = pathId(req);
    const parsed = parseForm(DECISION, req.body);
    if (!parsed.ok) return renderClaim(req, res, 400, { values: typedValues(req.body), errors: parsed.errors });
    try {
      const receipt = await insurers.decide(currentUser(req).id, claimId, parsed.value);
      flashSaved(req, `Claim #${claimId} ${parsed.value.decision === 'approve' ? 'approved' : 'rejected'} on the ledger.`, receipt);
      res.redirect(303, `/insurer/claims/${claimId}`);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      await renderClaim(req, res, 400, { values: typedValues(req.body), errors: { [error.field]: error.message } });
    }
  });

  return router;
}
