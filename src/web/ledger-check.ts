/**
 * Pages while the node is out of reach, or is another chain than the one this data was recorded
 * on. Signed-in pages show or change records that only the ledger vouches for (grants,
 * commitments, prescriptions), and a signup writes to it: each answers a clear 503 page at once
 * rather than a stale view or a write that cannot land. Public pages (home, login, the signup
 * form), logging out and /healthz keep answering during an outage.
 *
 * A wrong chain is worse than an outage: nothing may be shown as verified against it, so once a
 * check has found one (here, or the follower's poll), every page answers 503 until a check finds
 * the right chain again.
 *
 * The check is one cheap node call (the newest block; the genesis block too for an external
 * node, and the contract's code when the node comes back after a failed check), shared by the
 * requests that arrive while it is under way or within CHECK_FRESH_MS of its passing: pages stop
 * within a quarter of a second of the node and come back with it. A failed check is never reused.
 */
import type { Request, RequestHandler } from 'express';
import type { Ledger } from '../ledger';
import { LedgerUnavailableError } from '../ledger/errors';
import { WrongChainError } from '../ledger/identity';

/**
 * How long the check waits. A node that never answers gets its 503 page within 5 s; a busy one
 * answers: a classroom Ganache mining twenty signups at once kept a check waiting past 1.5 s, and
 * a signup it was about to take got a 503 (seen in the benchmark's run on Ganache in CI).
 */
export const CHECK_TIMEOUT_MS = 3_000;
/**
 * How long a passed check answers for the requests after it. A check per request was three node
 * calls for every write on a node by URL, as many as the write's own, and on a classroom Ganache
 * a tenth of the node's time (issue 20); a node swapped or stopped in between is noticed by the
 * next check, or by the request's own calls, each with its deadline.
 */
export const CHECK_FRESH_MS = 250;

export function ledgerRequired(ledger: Pick<Ledger, 'health' | 'lastProblem'>, timeoutMs = CHECK_TIMEOUT_MS, now: () => number = () => performance.now()): RequestHandler {
  let checking: Promise<unknown> | undefined;
  let passedAt = -Infinity;
  const check = () => {
    if (now() - passedAt < CHECK_FRESH_MS && ledger.lastProblem() === undefined) return Promise.resolve();
    const started = now();
    return (checking ??= ledger
      .health(timeoutMs)
      .then(() => (passedAt = started))
      .finally(() => (checking = undefined)));
  };

  return (req, _res, next) => {
    if (!(ledger.lastProblem() instanceof WrongChainError) && !needsLedger(req)) return next();
    // Refused before anything was attempted: nothing of this request can have reached the ledger.
    check().then(
      () => next(),
      (error: unknown) => next(error instanceof WrongChainError ? error : new LedgerUnavailableError(error instanceof Error ? error.message : 'the node is out of reach', { cause: error, notSent: true })),
    );
  };
}

function needsLedger(req: Request): boolean {
  if (req.path === '/logout' || req.path.endsWith('/login')) return false;
  if (req.session?.user) return req.path !== '/';
  return req.method !== 'GET' && req.method !== 'HEAD'; // an anonymous write: the signup
}
