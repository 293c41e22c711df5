/**
 * The admin console: hospitals, pharmacies and insurers with their staff; patients listed, one-time
 * passwords, a class's accounts made in one go; the admin's own password.
 */
import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { endOtherSessions, requireRole } from '../../web/auth';
import { flash, flashSaved } from '../../web/flash';
import { HttpError } from '../../web/http-error';
import { email, id, parseForm, password, text, typedValues, username, type FieldErrors } from '../../web/validate';
import { PASSWORD_CHANGE } from '../account/routes'; // one form for every role's password (confirmPassword optional)
import type { AuthService } from '../auth/service';
import { FieldError, NotFound } from '../../domain/errors';
import type { OrganisationKind, StaffRole } from '../../domain/organisations';
import { SealedSessionStore } from '../../store/session-store';
import { accountsCsv, BULK_MAX_LINES, parseBulk, tooManyLines, type RefusedLine } from './bulk-form';
import type { AdminService, Enrolment } from './service';

const organisation = (nameLabel: string) =>
  z.object({
    name: text(nameLabel, 1, 120),
    address: text('Address', 1, 300),
    phone: text('Phone', 3, 32),
  });

/** What every staff form asks (a doctor's adds a specialty; each names its organisation its own way). */
const STAFF_FIELDS = { fullName: text('Full name', 1, 120), username, password, email };

const HOSPITAL = organisation('Hospital name');

const DOCTOR = z.object({ ...STAFF_FIELDS, specialty: text('Specialty', 1, 120), hospitalId: id('Hospital') });

/** The forms of the console that add an organisation (hospitals keep their own route, above all). */
const ORGANISATION_FORMS = {
  pharmacy: { path: '/admin/pharmacies', schema: organisation('Pharmacy name'), noun: 'Pharmacy' },
  insurer: { path: '/admin/insurers', schema: organisation('Insurer name'), noun: 'Insurer' },
} as const satisfies Partial<Record<OrganisationKind, unknown>>;

/** The forms that add a staff member of a pharmacy or an insurer: each field naming the organisation is its id. */
const STAFF_FORMS = {
  pharmacist: {
    path: '/admin/pharmacists',
    role: 'pharmacist',
    noun: 'Pharmacist',
    schema: z.object({ ...STAFF_FIELDS, pharmacyId: id('Pharmacy') }).transform(({ pharmacyId, ...member }) => ({ ...member, organisationId: pharmacyId })),
  },
  insurerStaff: {
    path: '/admin/insurer-staff',
    role: 'insurer',
    noun: "Insurer's staff member",
    schema: z.object({ ...STAFF_FIELDS, insurerId: id('Insurer') }).transform(({ insurerId, ...member }) => ({ ...member, organisationId: insurerId })),
  },
} as const satisfies Record<string, { role: StaffRole; [key: string]: unknown }>;

type Form = 'hospital' | 'doctor' | keyof typeof ORGANISATION_FORMS | keyof typeof STAFF_FORMS | 'password';

const BULK = z.object({
  rows: z
    .string({ error: 'Paste the lines of the class: username,fullName,email' })
    .refine(rows => rows.trim() !== '', 'Paste at least one line: username,fullName,email')
    .refine(rows => !tooManyLines(rows), `At most ${BULK_MAX_LINES} lines at a time: paste the rest in a second go`),
});

/**
 * A paste's accounts as CSV, downloadable once. Held in this process's memory only — never in the
 * database, the session or a log — for the admin session that made them, and dropped on the
 * download or after DOWNLOAD_TTL_MS, whichever comes first. (Several app servers sharing one
 * database need the download to reach the server that made it: a sticky session.)
 */
const DOWNLOAD_TTL_MS = 15 * 60 * 1000;
const DOWNLOADS_HELD = 20;

interface HeldDownload {
  readonly csv: string;
  readonly sessionId: string;
  readonly expires: number;
}

/** No copy of a page or file holding one-time passwords: not in the browser's cache, not in a proxy's. */
const noStore = (res: Response) => res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache');

export function adminRoutes(admin: AdminService, auth: AuthService): Router {
  const router = Router();
  router.use('/admin', (req, res, next) => (req.path === '/login' ? next() : requireRole('admin')(req, res, next)));
  const downloads = new Map<string, HeldDownload>();

  async function render(res: Response, status = 200, failed?: { form: Form; values: Record<string, unknown>; errors: FieldErrors }) {
    const [funds, hospitals, doctors, pharmacies, pharmacists, insurers, insurerStaff, defaultPassword] = await Promise.all([
      admin.funds(),
      admin.hospitals(),
      admin.doctors(),
      admin.organisations('pharmacy'),
      admin.staff('pharmacist'),
      admin.organisations('insurer'),
      admin.staff('insurer'),
      auth.adminPasswordIsDefault(),
    ]);
    res.status(status).render('admin/index', {
      funds: funds ?? null,
      title: 'Admin console',
      hospitals,
      doctors,
      pharmacies,
      pharmacists,
      insurers,
      insurerStaff,
      defaultPassword,
      failed: failed ?? null,
    });
  }

  /** Runs a form's write; a FieldError is the form again, 400, with the error beside its field. */
  async function written(req: Request, res: Response, form: Form, write: () => Promise<void>) {
    try {
      await write();
      res.redirect(303, '/admin');
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      await render(res, 400, { form, values: typedValues(req.body), errors: { [error.field]: error.message } });
    }
  }

  router.get('/admin', (_req, res) => render(res));

  router.post('/admin/hospitals', async (req, res) => {
    const parsed = parseForm(HOSPITAL, req.body);
    if (!parsed.ok) return render(res, 400, { form: 'hospital', values: typedValues(req.body), errors: parsed.errors });
    await written(req, res, 'hospital', async () => {
      const receipt = await admin.addHospital(parsed.value);
      flashSaved(req, `Hospital "${parsed.value.name}" added and saved on the ledger.`, receipt);
    });
  });

  router.post('/admin/doctors', async (req, res) => {
    const parsed = parseForm(DOCTOR, req.body);
    if (!parsed.ok) return render(res, 400, { form: 'doctor', values: typedValues(req.body), errors: parsed.errors });
    await written(req, res, 'doctor', async () => {
      const receipt = await admin.addDoctor(parsed.value);
      flashSaved(req, `Doctor ${parsed.value.fullName} (${parsed.value.username}) added and saved on the ledger.`, receipt);
    });
  });

  for (const [kind, { path, schema, noun }] of Object.entries(ORGANISATION_FORMS) as [keyof typeof ORGANISATION_FORMS, (typeof ORGANISATION_FORMS)[keyof typeof ORGANISATION_FORMS]][]) {
    router.post(path, async (req, res) => {
      const parsed = parseForm(schema, req.body);
      if (!parsed.ok) return render(res, 400, { form: kind, values: typedValues(req.body), errors: parsed.errors });
      await written(req, res, kind, async () => {
        const receipt = await admin.addOrganisation(kind, parsed.value);
        flashSaved(req, `${noun} "${parsed.value.name}" added and saved on the ledger.`, receipt);
      });
    });
  }

  for (const [form, { path, role, noun, schema }] of Object.entries(STAFF_FORMS) as [keyof typeof STAFF_FORMS, (typeof STAFF_FORMS)[keyof typeof STAFF_FORMS]][]) {
    router.post(path, async (req, res) => {
      const parsed = parseForm(schema, req.body);
      if (!parsed.ok) return render(res, 400, { form, values: typedValues(req.body), errors: parsed.errors });
      const member = parsed.value;
      await written(req, res, form, async () => {
        const receipt = await admin.addStaff(role, member);
        flashSaved(req, `${noun} ${member.fullName} (${member.username}) added and saved on the ledger.`, receipt);
      });
    });
  }

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

  // ─── Patients, one-time passwords, a class's accounts ───────────────────────────────────────

  async function renderPatients(res: Response, status = 200, failed?: { values: Record<string, unknown>; errors: FieldErrors; refused: readonly RefusedLine[] }) {
    res.status(status).render('admin/patients', {
      title: 'Patients',
      patients: await admin.patients(),
      maxLines: BULK_MAX_LINES,
      values: failed?.values ?? {},
      errors: failed?.errors ?? {},
      refused: failed?.refused ?? [],
    });
  }

  router.get('/admin/patients', (_req, res) => renderPatients(res));

  /**
   * A new one-time password for a patient or staff member, shown on this page once: it is in no
   * redirect, flash, session or log, and the page is not cached. Every session of theirs ends.
   */
  router.post('/admin/users/:username/reset-password', async (req, res) => {
    const parsed = username.safeParse(req.params.username);
    if (!parsed.success) throw new NotFound('user');
    const { user, password: oneTime } = await admin.resetPassword(parsed.data);
    const store = req.sessionStore;
    const ended = store instanceof SealedSessionStore ? await store.destroyOthers({ role: user.role, id: user.id }, req.sessionID) : 0;
    noStore(res).render('admin/one-time-password', { title: `New password for ${user.fullName}`, member: user, oneTime, ended });
  });

  router.post('/admin/patients/bulk', async (req, res) => {
    const parsed = parseForm(BULK, req.body);
    if (!parsed.ok) return renderPatients(res, 400, { values: typedValues(req.body), errors: parsed.errors, refused: [] });
    const { good, bad } = parseBulk(parsed.value.rows);
    const started = Date.now();
    const enrolment: Enrolment = good.length > 0 ? await admin.enrolPatients(good) : { created: [], refused: [] };
    const refused = [...bad, ...enrolment.refused].sort((a, b) => a.line - b.line);
    if (enrolment.created.length === 0) {
      if (enrolment.stopped) throw enrolment.stopped.error; // nothing made: the outage's own page (503…)
      const errors = { rows: refused.length === 1 ? 'The line could not be used: see why below' : `None of the ${refused.length} lines could be used: see why below` };
      return renderPatients(res, 400, { values: typedValues(req.body), errors, refused });
    }
    if (enrolment.stopped) console.error('bulk enrolment stopped:', enrolment.stopped.error);
    const token = holdDownload(req, accountsCsv(enrolment.created));
    // The lines to paste again (refused or not reached), as they were pasted.
    const again = [...refused.map(r => ({ line: r.line, text: r.text })), ...(enrolment.stopped?.lines ?? [])].sort((a, b) => a.line - b.line);
    noStore(res).render('admin/bulk-result', {
      title: `${enrolment.created.length} patient account${enrolment.created.length === 1 ? '' : 's'} made`,
      created: enrolment.created,
      refused,
      notReached: enrolment.stopped?.lines ?? [],
      again: again.map(line => line.text).join('\n'),
      seconds: (Date.now() - started) / 1000,
      token,
      maxLines: BULK_MAX_LINES,
    });
  });

  /** Keeps `csv` for one download by this session; resolves to the download's token. */
  function holdDownload(req: Request, csv: string): string {
    const now = Date.now();
    for (const [token, held] of downloads) if (held.expires <= now) downloads.delete(token);
    while (downloads.size >= DOWNLOADS_HELD) downloads.delete(downloads.keys().next().value as string); // the oldest first
    const token = randomBytes(24).toString('base64url');
    downloads.set(token, { csv, sessionId: req.sessionID, expires: now + DOWNLOAD_TTL_MS });
    return token;
  }

  // A POST (a button), not a link: the token stays out of URLs, histories and the request log.
  router.post('/admin/patients/bulk/download', (req, res) => {
    const token = typeof req.body?.token === 'string' ? req.body.token : '';
    const held = downloads.get(token);
    downloads.delete(token); // one try, whoever makes it
    if (!held || held.sessionId !== req.sessionID || held.expires <= Date.now()) {
      throw new HttpError(
        410,
        'Download gone',
        'This list of one-time passwords was already downloaded, or it expired: its passwords are kept nowhere. Give a patient a new one with "Reset password" on the patients page.',
      );
    }
    const day = new Date().toISOString().slice(0, 10);
    noStore(res)
      .type('text/csv; charset=utf-8')
      .attachment(`patients-${day}.csv`)
      .send(held.csv);
  });

  return router;
}
