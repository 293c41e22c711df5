/** Every role's login page (from the role registry) and logout. */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { endSession, PASSWORD_PAGE, startSession } from '../../web/auth';
import { isUserRole, ROLE_NAMES, ROLES, type SessionRole } from '../../domain/roles';
import type { KeptForm } from '../../web/session';
import { tooMany, type LoginThrottle } from '../../web/throttle';
import { parseForm, typedValues } from '../../web/validate';
import type { AuthService } from './service';
import { Forbidden } from '../../domain/errors';

const LOGIN = z.object({
  username: z.string({ error: 'Username is required' }).trim().min(1, 'Username is required').max(64, 'Username is too long'),
  password: z.string({ error: 'Password is required' }).min(1, 'Password is required').max(200, 'Password is too long'),
});

export function authRoutes(auth: AuthService, throttle: LoginThrottle): Router {
  const router = Router();
  // Mounted before every signed-in route: a user with a one-time password goes nowhere else first.

  function render(res: Response, role: SessionRole, status: number, locals: { values?: Record<string, unknown>; errors?: Record<string, string> } = {}) {
    res.status(status).render('auth/login', { title: ROLES[role].login.title, role, action: ROLES[role].login.path, values: {}, errors: {}, ...locals });
  }

  async function login(req: Request, res: Response, role: SessionRole) {
    const parsed = parseForm(LOGIN, req.body);
    if (!parsed.ok) return render(res, role, 400, { values: typedValues(req.body), errors: parsed.errors });
    const { username, password } = parsed.value;
    // Throttled with the other attempts on this account: those running count as failures until they end.
    let attempt;
    try {
      attempt = await throttle.attempt(req, role, username, () =>
        isUserRole(role) ? auth.login(role, username.toLowerCase(), password) : auth.loginAdmin(username, password),
      );
    } catch (error) {
      if (!(error instanceof Forbidden)) throw error;
      return render(res, role, 403, { values: typedValues(req.body), errors: { form: error.message } });
    }
    if (attempt.outcome === 'refused') return tooMany(res, attempt.retryAt, throttle.now(), 'Too many failed logins for this account or from your network.');
    if (attempt.outcome === 'failed') {
      return render(res, role, 401, { values: typedValues(req.body), errors: { form: 'The username or password is not correct.' } });
    }
    const { user } = attempt;
    const kept = keptFor(req.session.kept, role);
    const { mustChangePassword } = await auth.signedIn(user, throttle.now());
    await startSession(req, user, throttle.now());
    if (kept) req.session.kept = kept; // the new session carries the typed form to its page
    if (mustChangePassword) req.session.mustChangePassword = true;
    throttle.succeeded(req, res, role, username);
    // A one-time password (the admin's) is replaced first; a kept form waits on its page meanwhile.
    res.redirect(303, mustChangePassword ? PASSWORD_PAGE : (kept?.page ?? ROLES[role].home));
  }

  for (const role of ROLE_NAMES) {
    const { path } = ROLES[role].login;
    router.get(path, (req, res) => {
      // After signup the login page offers the new username (shown once).
      const loginName = ROLES[role].signup ? req.session.loginName : undefined;
      if (loginName !== undefined) delete req.session.loginName;
      render(res, role, 200, { values: loginName ? { username: loginName } : {} });
    });
    router.post(path, (req, res) => login(req, res, role));
  }

  router.post('/logout', async (req, res) => {
    await endSession(req);
    res.clearCookie('ehr.sid');
    res.redirect(303, '/');
  });

  return router;
}

/** A kept form goes to a login of its own role only (a doctor logging in gets no patient's text). */
const keptFor = (kept: KeptForm | undefined, role: SessionRole) => (kept?.role === role ? kept : undefined);
