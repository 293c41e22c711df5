/** The admin console: hospitals and doctors. */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { endOtherSessions, requireRole } from '../../web/auth';
import { flash, flashSaved } from '../../web/flash';
import { email, id, parseForm, password, text, typedValues, username, type FieldErrors } from '../../web/validate';
import { PASSWORD_CHANGE } from '../account/routes'; // one form for every role's password (confirmPassword optional)
import type { AuthService } from '../auth/service';
import { FieldError, NotFound } from '../../domain/errors';
import type { AdminService } from './service';

const HOSPITAL = z.object({
  name: text('Hospital name', 1, 120),
  address: text('Address', 1, 300),
  phone: text('Phone', 3, 32),
});

const DOCTOR = z.object({
  fullName: text('Full name', 1, 120),
  username,
  password,
  email,
  specialty: text('Specialty', 1, 120),
  hospitalId: id('Hospital'),
});


type Form = 'hospital' | 'doctor' | 'password';

export function adminRoutes(admin: AdminService, auth: AuthService): Router {
  const router = Router();
  router.use('/admin', (req, res, next) => (req.path === '/login' ? next() : requireRole('admin')(req, res, next)));

  async function render(res: Response, status = 200, failed?: { form: Form; values: Record<string, unknown>; errors: FieldErrors }) {
    const [funds, hospitals, doctors] = await Promise.all([admin.funds(), admin.hospitals(), admin.doctors()]);
    res.status(status).render('admin/index', {
      funds: funds ?? null,
      title: 'Admin console',
      hospitals,
      doctors,
      defaultPassword: await auth.adminPasswordIsDefault(),
      failed: failed ?? null,
    });
  }

  router.get('/admin', (_req, res) => render(res));

  router.post('/admin/hospitals', async (req, res) => {
    const parsed = parseForm(HOSPITAL, req.body);
    if (!parsed.ok) return render(res, 400, { form: 'hospital', values: typedValues(req.body), errors: parsed.errors });
    try {
      const receipt = await admin.addHospital(parsed.value);
      flashSaved(req, `Hospital "${parsed.value.name}" added and saved on the ledger.`, receipt);
      res.redirect(303, '/admin');
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      await render(res, 400, { form: 'hospital', values: typedValues(req.body), errors: { [error.field]: error.message } });
    }
  });

  router.post('/admin/doctors', async (req, res) => {
    const parsed = parseForm(DOCTOR, req.body);
    if (!parsed.ok) return render(res, 400, { form: 'doctor', values: typedValues(req.body), errors: parsed.errors });
    try {
      const receipt = await admin.addDoctor(parsed.value);
      flashSaved(req, `Doctor ${parsed.value.fullName} (${parsed.value.username}) added and saved on the ledger.`, receipt);
      res.redirect(303, '/admin');
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      await render(res, 400, { form: 'doctor', values: typedValues(req.body), errors: { [error.field]: error.message } });
    }
  });

  /** The staff member a path names (`:username`); NotFound for anyone else. */
  async function staffMember(req: Request) {
    const parsed = username.safeParse(req.params.username);
    const member = parsed.success ? await admin.staffMember(parsed.data) : undefined;
    if (!member) throw new NotFound('staff member');
    return member;
  }

  // A removal is confirmed on a page of its own first (a plain form: no script needed).
  router.get('/admin/staff/:username/remove', async (req, res) => {
    const member = await staffMember(req);
    res.render('admin/remove-staff', { title: `Remove ${member.fullName}?`, member });
  });

  router.post('/admin/staff/:username/remove', async (req, res) => {
    const member = await staffMember(req);
    try {
      const receipt = await admin.removeStaff(member.username);
      flashSaved(req, `${member.fullName} (${member.username}) was removed on the ledger: their login and every record are refused from now on.`, receipt);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      flash(req, { kind: 'info', message: error.message });
    }
    res.redirect(303, '/admin');
  });

  router.post('/admin/password', async (req, res) => {
    const parsed = parseForm(PASSWORD_CHANGE, req.body);
    if (!parsed.ok) return render(res, 400, { form: 'password', values: {}, errors: parsed.errors });
    if (!(await auth.loginAdmin('admin', parsed.value.currentPassword))) {
      return render(res, 400, { form: 'password', values: {}, errors: { currentPassword: 'The current password is not correct' } });
    }
    await auth.changeAdminPassword(parsed.value.newPassword);
    await endOtherSessions(req); // whoever held the old password is signed out everywhere else
    flash(req, { kind: 'success', message: 'The admin password was changed.' });
    res.redirect(303, '/admin');
  });

  return router;
}
