/**
 * Signed-in pages while the node is out of reach: every one of them shows or changes records
 * that only the ledger vouches for (grants, commitments, prescriptions), so each answers a clear
 * 503 page at once rather than a stale view or a write that cannot land. Public pages (home,
 * login, signup form), logging out and /healthz keep answering.
 *
 * The check is one cheap node call (the newest block), shared by the requests that arrive while
 * it is under way, and never cached: pages stop the moment the node does and come back with it.
 */
import type { RequestHandler } from 'express';
import type { Ledger } from '../ledger';
import { LedgerUnavailableError } from '../ledger/errors';

export function ledgerRequired(ledger: Pick<Ledger, 'health'>, timeoutMs = 1500): RequestHandler {
  let checking: Promise<unknown> | undefined;
  const check = () => (checking ??= ledger.health(timeoutMs).finally(() => (checking = undefined)));

  return (req, _res, next) => {
    if (!req.session?.user || req.path === '/' || req.path === '/logout') return next();
    // Refused before anything was attempted: nothing of this request can have reached the ledger.
    check().then(
      () => next(),
      (error: unknown) => next(new LedgerUnavailableError('the node is out of reach', { cause: error, notSent: true })),
    );
  };
}
