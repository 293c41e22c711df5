/** Messages kept in the session until the next page shows them. */
import type { Request, RequestHandler } from 'express';
import type { LedgerReceipt } from '../ledger/ehr-client';
import type { Flash } from './session';

// Messages wait for the next page; a client that never reads one (a script posting form after
// form) must not grow its session without end.
const KEPT = 5;

export function flash(req: Request, message: Flash): void {
  req.session.flash = [...(req.session.flash ?? []), message].slice(-KEPT);
}

/** "Saved on the ledger" with where: the paper's "record saved in Blockchain". */
export function flashSaved(req: Request, message: string, receipt: Pick<LedgerReceipt, 'transactionHash' | 'blockNumber'>): void {
  flash(req, { kind: 'success', message, transactionHash: receipt.transactionHash, blockNumber: receipt.blockNumber });
}

/**
 * Moves the session's messages into the page's locals, on a page (GET) only: a form's POST
 * answers with a redirect to the page that shows them, or with its own form, and taking them
 * there would lose them (and explain each one's transaction for nothing, see ledgerPanels).
 */
export const flashLocals: RequestHandler = (req, res, next) => {
  const page = req.method === 'GET' || req.method === 'HEAD';
  res.locals.flash = page ? (req.session?.flash ?? []) : [];
  if (page && req.session?.flash) delete req.session.flash;
  next();
};
