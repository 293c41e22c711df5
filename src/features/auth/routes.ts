/** The three login pages and logout. */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { endSession, startSession } from '../../web/auth';
import type { SessionRole } from '../../web/session';
import { createLoginThrottle } from '../../web/throttle';
import { parseForm, typedValues } from '../../web/validate';
import type { AuthService } from './service';

const LOGIN = z.object({
  username: z.string({ error: 'Username is required' }).trim().min(1, 'Username is required').max(64, 'Username is too long'),
  password: z.string({ error: 'Password is required' }).min(1, 'Password is required').max(200, 'Password is too long'),
});

const PAGES: Record<SessionRole, { path: string; title: string; home: string }> = {
  admin: { path: '/admin/login', title: 'Admin login', home: '/admin' },
  patient: { path: '/patient/login', title: 'Patient login', home: '/patient' },
  doctor: { path: '/doctor/login', title: 'Doctor login', home: '/doctor' },
};

export function authRoutes(auth: AuthService, now: () => number = Date.now): Router {
  const router = Router();

  function render(res: Response, role: SessionRole, status: number, locals: { values?: Record<string, unknown>; errors?: Record<string, string> } = {}) {
    res.status(status).render('auth/login', { title: PAGES[role].title, role, action: PAGES[role].path, values: {}, errors: {}, ...locals });
  }

  async function login(req: Request, res: Response, role: SessionRole) {
    const parsed = parseForm(LOGIN, req.body);
    if (!parsed.ok) return render(res, role, 400, { values: typedValues(req.body), errors: parsed.errors });
    const { username, password } = parsed.value;
    const user = role === 'admin' ? await auth.loginAdmin(username, password) : await auth.login(role, username.toLowerCase(), password);
    if (!user) {
      return render(res, role, 401, { values: typedValues(req.body), errors: { form: 'The username or password is not correct.' } });
    }
    await startSession(req, user, now());
    res.redirect(303, PAGES[role].home);
  }

  const throttle = createLoginThrottle();
  for (const role of ['admin', 'patient', 'doctor'] as const) {
    router.get(PAGES[role].path, (_req, res) => render(res, role, 200));
    router.post(PAGES[role].path, ...throttle(role), (req, res) => login(req, res, role));
  }

  router.post('/logout', async (req, res) => {
    await endSession(req);
    res.clearCookie('ehr.sid');
    res.redirect(303, '/');
  });

  return router;
}
