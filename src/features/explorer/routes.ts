/**
 * The explorer, for every signed-in role: recent blocks, one block (and its tamper lab), one
 * transaction, one account, the contract, and a search. Read-only: nothing here writes to the
 * ledger (the lab's POST only computes over a copy). And the panel every write's next page shows.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { NotFound } from '../../domain/errors';
import { requireSignedIn } from '../../web/auth';
import { HttpError, notFound } from '../../web/http-error';
import { LabEditsRefused, type BlockEdits, type TamperLab } from './lab';
import type { Viewer } from './names';
import type { ExplorerService } from './service';

/** A block number in a path or query: 0 or a positive whole number within the ledger's range. */
function blockNumber(raw: unknown): number | undefined {
  return typeof raw === 'string' && /^(0|[1-9][0-9]{0,14})$/.test(raw) ? Number(raw) : undefined;
}

/** The lab's form: `timestamp`, and `to-<i>`, `value-<i>`, `input-<i>` for each transaction i. */
function labEdits(body: Record<string, unknown>): BlockEdits {
  const text = (name: string) => (typeof body[name] === 'string' ? body[name] : undefined);
  const transactions: { to?: string; value?: string; input?: string }[] = [];
  for (const name of Object.keys(body)) {
    const match = /^(to|value|input)-([0-9]{1,4})$/.exec(name);
    if (match) (transactions[Number(match[2])] ??= {})[match[1] as 'to' | 'value' | 'input'] = text(name);
  }
  return { timestamp: text('timestamp'), transactions: Array.from(transactions, tx => tx ?? {}) };
}

export function explorerRoutes(explorer: ExplorerService, lab: TamperLab): Router {
  const router = Router();
  // Who reads: their own account is marked "you" and linked from every explorer page.
  router.use('/ledger', requireSignedIn, async (req, res, next) => {
    res.locals.viewer = await explorer.viewer(req.session.user);
    next();
  });
  const viewerOf = (_req: Request, res: Response): Viewer => res.locals.viewer as Viewer;

  router.get('/ledger', requireSignedIn, async (req, res) => {
    const raw = req.query.before;
    const before = raw === undefined ? undefined : blockNumber(raw);
    if (raw !== undefined && before === undefined) throw new HttpError(400, 'Bad page', 'The page of blocks must be a block number.');
    res.render('explorer/index', { title: 'Ledger explorer', ...(await explorer.recentBlocks(before)) });
  });

  router.get('/ledger/search', requireSignedIn, async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 200) : '';
    try {
      res.redirect(302, await explorer.search(q));
    } catch (error) {
      if (!(error instanceof NotFound)) throw error;
      res.status(404).render('explorer/search', { title: 'Not found on the ledger', q, message: error.message });
    }
  });

  router.get('/ledger/contract', requireSignedIn, async (_req, res) => {
    res.render('explorer/contract', { title: 'The EHR contract', contract: await explorer.contract() });
  });

  router.get('/ledger/accounts/:address', requireSignedIn, async (req, res) => {
    const address = String(req.params.address);
    if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw notFound('account');
    const account = await explorer.account(address, viewerOf(req, res));
    res.render('explorer/account', { title: `Account ${account.address.slice(0, 10)}…`, account });
  });

  router.get('/ledger/blocks/:n', requireSignedIn, async (req, res) => {
    const n = blockNumber(req.params.n);
    if (n === undefined) throw notFound('block');
    res.render('explorer/block', { title: `Block ${n}`, ...(await explorer.block(n, viewerOf(req, res))) });
  });

  // The lab: GET shows the block's copy unchanged, POST recomputes it with the form's edits.
  // A POST, not a GET: a contract's deployment data is longer than a URL may be.
  const labPage: RequestHandler = async (req, res) => {
    const n = blockNumber(req.params.n);
    if (n === undefined) throw notFound('block');
    const edits = req.method === 'POST' ? labEdits(req.body as Record<string, unknown>) : undefined;
    try {
      res.render('explorer/lab', { title: `Tamper lab: block ${n}`, lab: await lab.recompute(n, edits), typed: edits, errors: {} });
    } catch (error) {
      if (!(error instanceof LabEditsRefused)) throw error;
      res.status(400).render('explorer/lab', { title: `Tamper lab: block ${n}`, lab: await lab.recompute(n), typed: edits, errors: error.errors });
    }
  };
  router.get('/ledger/blocks/:n/lab', requireSignedIn, labPage);
  router.post('/ledger/blocks/:n/lab', requireSignedIn, labPage);

  router.get('/ledger/tx/:hash', requireSignedIn, async (req, res) => {
    const hash = String(req.params.hash);
    if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) throw notFound('transaction');
    const tx = await explorer.transaction(hash.toLowerCase(), viewerOf(req, res));
    res.render('explorer/tx', { title: `Transaction ${tx.hash.slice(0, 10)}…`, tx });
  });

  return router;
}

/**
 * "What just happened on the ledger": each flash that names a transaction gets that
 * transaction decoded for its panel (the session keeps only the hash and block). A node that
 * cannot answer leaves the flash as it was: the write is done, only its explanation is missing.
 */
export function ledgerPanels(explorer: ExplorerService): RequestHandler {
  return async (req, res, next) => {
    const messages = res.locals.flash as { transactionHash?: string }[] | undefined;
    if (!messages?.some(message => message.transactionHash)) return next();
    try {
      const viewer = await explorer.viewer(req.session.user);
      res.locals.flash = await Promise.all(
        messages.map(async message => (message.transactionHash ? { ...message, ledger: await explorer.panel(message.transactionHash, viewer) } : message)),
      );
    } catch {
      // Leave the plain flash.
    }
    next();
  };
}
