/**
 * One's own account, for every signed-in role: changing one's password. A change ends the
 * user's other sessions (whoever knew the old password is signed out everywhere) and keeps this one.
 * A user who signed in with a one-time password (the admin's reset, a class's accounts) is held
 * here until they have chosen their own (see mustChangePasswordGate).
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { currentUser, endOtherSessions, requireSignedIn } from '../../web/auth';
import { flash } from '../../web/flash';
import { parseForm, password, type FieldErrors } from '../../web/validate';
import type { AuthService } from '../auth/service';
import { FieldError } from '../../domain/errors';
import { HOMES } from '../../domain/roles';

/** `confirmPassword` is optional: scripts and the HTTP contract send the two fields only. */
export const PASSWORD_CHANGE = z
  .object({
    currentPassword: z.string({ error: 'Enter the current password' }).min(1, 'Enter the current password').max(200, 'The current password is not correct'),
    newPassword: password,
    confirmPassword: z.string().optional(),
  })
  .refine(form => form.confirmPassword === undefined || form.newPassword === form.confirmPassword, {
    path: ['confirmPassword'],
    message: 'The two new passwords differ',
  });

export function accountRoutes(auth: AuthService): Router {
  const router = Router();
  router.use('/account', requireSignedIn);

  // Nothing of a password is ever typed back: the form comes back empty, with what was wrong.
  const render = (req: Request, res: Response, status: number, errors: FieldErrors = {}) => {
    const oneTime = req.session.mustChangePassword === true;
    res.status(status).render('account/password', { title: oneTime ? 'Choose your own password' : 'Change your password', errors, oneTime });
  };

  router.get('/account/password', (req, res) => render(req, res, 200));

  router.post('/account/password', async (req, res) => {
    const parsed = parseForm(PASSWORD_CHANGE, req.body);
    if (!parsed.ok) return render(req, res, 400, parsed.errors);
    const user = currentUser(req);
    if (req.session.mustChangePassword && parsed.value.newPassword === parsed.value.currentPassword) {
      return render(req, res, 400, { newPassword: 'Choose a password of your own, not the one-time password' });
    }
    try {
      await auth.changePassword(user, parsed.value.currentPassword, parsed.value.newPassword);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      return render(req, res, 400, { [error.field]: error.message });
    }
    delete req.session.mustChangePassword; // the store's flag went with the new hash
    const ended = await endOtherSessions(req);
    flash(req, { kind: 'success', message: `Your password was changed${ended > 0 ? `; your ${ended} other session${ended === 1 ? ' was' : 's were'} ended` : ''}.` });
    res.redirect(303, HOMES[user.role]);
  });

  return router;
}
