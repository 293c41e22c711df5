/** The explorer (admin only): recent blocks, one block, one transaction. */
import { Router } from 'express';
import { requireRole } from '../../web/auth';
import { HttpError, notFound } from '../../web/http-error';
import type { ExplorerService } from './service';

/** A block number in a path or query: 0 or a positive whole number within the ledger's range. */
function blockNumber(raw: unknown): number | undefined {
  return typeof raw === 'string' && /^(0|[1-9][0-9]{0,14})$/.test(raw) ? Number(raw) : undefined;
}

export function explorerRoutes(explorer: ExplorerService): Router {
  const router = Router();
  const adminOnly = requireRole('admin');

  router.get('/ledger', adminOnly, async (req, res) => {
    const raw = req.query.before;
    const before = raw === undefined ? undefined : blockNumber(raw);
    if (raw !== undefined && before === undefined) throw new HttpError(400, 'Bad page', 'The page of blocks must be a block number.');
    res.render('explorer/index', { title: 'Ledger explorer', ...(await explorer.recentBlocks(before)) });
  });

  router.get('/ledger/blocks/:n', adminOnly, async (req, res) => {
    const n = blockNumber(req.params.n);
    if (n === undefined) throw notFound('block');
    res.render('explorer/block', { title: `Block ${n}`, ...(await explorer.block(n)) });
  });

  router.get('/ledger/tx/:hash', adminOnly, async (req, res) => {
    const hash = String(req.params.hash);
    if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) throw notFound('transaction');
    const tx = await explorer.transaction(hash.toLowerCase());
    res.render('explorer/tx', { title: `Transaction ${tx.hash.slice(0, 10)}…`, tx });
  });

  return router;
}
