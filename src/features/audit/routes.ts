/** The admin's reports over the whole ledger: the audit of every act, and the integrity check. */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { AUDIT_FILTER_ACTS } from '../../domain/acts';
import { ACT_SORTS } from '../../store/ports';
import { requireRole } from '../../web/auth';
import { parseForm, typedValues, type FieldErrors } from '../../web/validate';
import { FieldError } from '../../domain/errors';
import { ACT_LABELS } from './acts';
import type { IntegrityCheck } from './integrity';
import type { AuditQuery, AuditService } from './service';

/** An optional query field: absent or empty means "any". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(value => (typeof value === 'string' && value.trim() === '' ? undefined : typeof value === 'string' ? value.trim() : value), schema.optional());

const date = (label: string) =>
  z
    .string({ error: `${label} must be a date` })
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${label} must be a date like 2026-01-31`)
    .refine(value => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), `${label} is not a real date`);

const name = (label: string) => z.string({ error: `${label} must be one name` }).max(32, `${label} must be at most 32 characters`);

const AUDIT_QUERY = z.object({
  from: optional(date('From')),
  to: optional(date('To')),
  actor: optional(name('Actor')),
  patient: optional(name('Patient')),
  act: optional(z.enum(AUDIT_FILTER_ACTS, { error: 'Choose an act from the list' })),
  sort: optional(z.enum(ACT_SORTS, { error: 'Choose a column to sort by' })).transform(value => value ?? 'time'),
  order: optional(z.enum(['asc', 'desc'], { error: 'Choose an order' })).transform(value => value ?? 'desc'),
  page: optional(z.string({ error: 'Page must be a number' }).regex(/^[1-9][0-9]{0,5}$/, 'Page must be a number')).transform(value => Number(value ?? 1)),
  format: optional(z.enum(['html', 'csv'], { error: 'Choose html or csv' })),
});

export function auditRoutes(audit: AuditService, integrity: IntegrityCheck): Router {
  const router = Router();
  const adminOnly = requireRole('admin');

  function renderAudit(res: Response, status: number, values: Record<string, string | string[]>, errors: FieldErrors, result?: Awaited<ReturnType<AuditService['search']>>) {
    res.status(status).render('audit/index', { title: 'Audit report', values, errors, result, acts: ACT_LABELS, query: searchParams(values) });
  }

  router.get('/admin/audit', adminOnly, async (req, res) => {
    const values = typedValues(req.query, []);
    const parsed = parseForm(AUDIT_QUERY, req.query);
    if (!parsed.ok) return renderAudit(res, 400, values, parsed.errors);
    const { format, ...query } = parsed.value satisfies AuditQuery & { format?: string };
    try {
      if (format === 'csv') {
        const day = new Date().toISOString().slice(0, 10);
        res.type('text/csv; charset=utf-8').attachment(`ehr-audit-${day}.csv`).send(await audit.csv(query));
        return;
      }
      renderAudit(res, 200, values, {}, await audit.search(query));
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      renderAudit(res, 400, values, { [error.field]: error.message });
    }
  });

  router.get('/admin/integrity', adminOnly, async (_req, res) => {
    res.render('audit/integrity', { title: 'Integrity check', report: await integrity.run() });
  });

  return router;
}

/** The filters as a query string for the page, sort and CSV links (without page and format). */
function searchParams(values: Record<string, string | string[]>): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of ['from', 'to', 'actor', 'patient', 'act', 'sort', 'order']) {
    const value = values[key];
    if (typeof value === 'string' && value.trim() !== '') params.set(key, value.trim());
  }
  return params;
}
