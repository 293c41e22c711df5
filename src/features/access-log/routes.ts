/** The patient's access log. */
import { Router } from 'express';
import { currentUser, requireRole } from '../../web/auth';
import { pageNumber } from '../../web/paging';
import type { AccessLogService } from './service';

export function accessLogRoutes(accessLog: AccessLogService): Router {
  const router = Router();
  router.get('/patient/access-log', requireRole('patient'), async (req, res) => {
    res.render('patient/access-log', { title: 'Who opened my reports', ...(await accessLog.page(currentUser(req).id, pageNumber(req))) });
  });
  return router;
}
