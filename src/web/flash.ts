/** Messages kept in the session until the next page shows them. */
import type { Request, RequestHandler } from 'express';
import type { LedgerReceipt } from '../ledger/ehr-client';
import type { Flash } from './session';

export function flash(req: Request, message: Flash): void {
  req.session.flash = [...(req.session.flash ?? []), message];
}

/** "Saved on the ledger" with where: the paper's "record saved in Blockchain". */
export function flashSaved(req: Request, message: string, receipt: Pick<LedgerReceipt, 'transactionHash' | 'blockNumber'>): void {
  flash(req, { kind: 'success', message, transactionHash: receipt.transactionHash, blockNumber: receipt.blockNumber });
}

/** Moves the session's messages into the page's locals. */
export const flashLocals: RequestHandler = (req, res, next) => {
  res.locals.flash = req.session?.flash ?? [];
  if (req.session?.flash) delete req.session.flash;
  next();
};
