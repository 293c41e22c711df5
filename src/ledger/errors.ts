/**
 * What can go wrong on the ledger, as three kinds the web layer maps to status codes:
 * a revert (the contract said no: 403/400/409), the node out of reach (503), anything else (500).
 */
import type { Decoded } from './abi';

/** The contract reverted with a known error, e.g. `EHRNotGranted(7, 2)`. */
export class LedgerRevertError extends Error {
  override readonly name = 'LedgerRevertError';
  constructor(readonly error: Decoded) {
    super(`the contract refused: ${error.name}(${Object.values(error.args).map(String).join(', ')})`);
  }
}

/**
 * The node cannot be reached or did not answer in time. `notSent`: the failure came before the
 * transaction reached the node (or the node refused the connection), so it cannot land;
 * otherwise a transaction may have been sent and its outcome is unknown.
 */
export class LedgerUnavailableError extends Error {
  override readonly name: string = 'LedgerUnavailableError';
  readonly notSent: boolean;
  constructor(message: string, options?: ErrorOptions & { notSent?: boolean }) {
    super(message, options);
    this.notSent = options?.notSent ?? false;
  }
}

/**
 * The funding account (the admin's, which pays every new account's gas) has too little left to
 * pay for this write or for a top-up. Nothing was sent; an operator must refill it.
 */
export class FundsExhaustedError extends LedgerUnavailableError {
  override readonly name = 'FundsExhaustedError';
  constructor(node: string) {
    super(`the funding account on ${node} has run out of ether`, { notSent: true });
  }
}

/**
 * Whether a failed write certainly left nothing on the ledger: the contract refused it (before
 * sending, or mined with a failure), the node answered the send with an error, or the node was
 * out of reach before the transaction was handed over. Anything else may have landed.
 */
export function certainlyNotOnLedger(error: unknown): boolean {
  if (error instanceof LedgerUnavailableError) return error.notSent;
  return error instanceof LedgerRevertError || error instanceof LedgerError;
}

/** The node answered with an error that is not a decodable revert. */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';
}

const REVERT_DATA = /^0x[0-9a-f]{8}([0-9a-f]{64})*$/i;

/**
 * Finds revert data in an error from web3 or a node. Where it sits depends on the node and on
 * web3's wrapping (`cause.data` for Ganache's eth_call through web3 v4, `cause.data.result` for its eth_estimateGas, `data` elsewhere),
 * so the error is searched rather than read at one path.
 */
export function findRevertData(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || error === null || typeof error !== 'object') return undefined;
  const record = error as Record<string, unknown>;
  for (const key of ['data', 'result', 'cause', 'innerError', 'error', 'originalError']) {
    const value = record[key];
    if (typeof value === 'string' && REVERT_DATA.test(value)) return value;
    const nested = findRevertData(value, depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * Whether an error means the node is out of reach (as opposed to a node that answered "no").
 * web3 v4 reports a refused or dropped HTTP connection as a ConnectionError or as fetch's own
 * "fetch failed" TypeError with the socket error as its cause.
 */
export function isConnectionFailure(error: unknown, depth = 0): boolean {
  if (depth > 5 || error === null || typeof error !== 'object') return false;
  const { name, message, code, cause } = error as { name?: string; message?: string; code?: unknown; cause?: unknown };
  if (error instanceof LedgerUnavailableError) return true;
  if (typeof name === 'string' && /Connection/.test(name)) return true;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|UND_ERR)/.test(code)) return true;
  if (typeof message === 'string' && /fetch failed|socket hang up|disconnected|ECONNREFUSED/i.test(message)) return true;
  return isConnectionFailure(cause, depth + 1);
}

/** Whether the node refused the connection: a request that never reached it. */
export function isConnectionRefused(error: unknown, depth = 0): boolean {
  if (depth > 5 || error === null || typeof error !== 'object') return false;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (code === 'ECONNREFUSED' || (typeof message === 'string' && /ECONNREFUSED/.test(message))) return true;
  return isConnectionRefused(cause, depth + 1);
}
