/** The patient's access log. */
import { Router } from 'express';
import { currentUser, requireRole } from '../../web/auth';
import type { AccessLogService } from './service';

export function accessLogRoutes(accessLog: AccessLogService): Router {
  const router = Router();
  router.get('/patient/access-log', requireRole('patient'), (req, res) => {
    const raw = req.query.page;
    const page = typeof raw === 'string' && /^[1-9][0-9]{0,5}$/.test(raw) ? Number(raw) : 1;
    res.render('patient/access-log', { title: 'Who opened my reports', ...accessLog.page(currentUser(req).id, page) });
  });
  return router;
}
