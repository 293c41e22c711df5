/** The home page (the paper's four links) and the health check for scripts and monitors. */
import { Router } from 'express';
import type { Ledger } from '../../ledger';
import { WrongChainError } from '../../ledger/identity';

/** The home page, which shows who is signed in: mounted after the session. */
export function homeRoutes(): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.render('home/index', { title: 'Secure health records on a ledger' });
  });
  return router;
}

/** The health check, mounted before the session: monitors get no cookie. */
export function healthRoutes(ledger: Ledger): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    try {
      const { chainId, blockNumber } = await ledger.health(2000);
      res.json({ status: 'ok', chainId, blockNumber, contract: ledger.deployment.address });
    } catch (error) {
      res.status(503).json(error instanceof WrongChainError ? error.toJSON() : { status: 'unavailable' });
    }
  });

  return router;
}
