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

/** The node cannot be reached or did not answer in time. */
export class LedgerUnavailableError extends Error {
  override readonly name = 'LedgerUnavailableError';
}

/** The node answered with an error that is not a decodable revert. */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';
}

const REVERT_DATA = /^0x[0-9a-f]{8}([0-9a-f]{64})*$/i;

/**
 * Finds revert data in an error from web3 or a node. Where it sits depends on the node and on
 * web3's wrapping (`cause.data` for Ganache through web3 v4, `data.data` or `data` elsewhere),
 * so the error is searched rather than read at one path.
 */
export function findRevertData(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || error === null || typeof error !== 'object') return undefined;
  const record = error as Record<string, unknown>;
  for (const key of ['data', 'cause', 'innerError', 'error', 'originalError']) {
    const value = record[key];
    if (typeof value === 'string' && REVERT_DATA.test(value)) return value;
    const nested = findRevertData(value, depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

/** Whether the node answered at all (a JSON-RPC error) as opposed to being out of reach. */
export function nodeAnswered(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: string; code?: unknown };
  // web3 v4 names: ResponseError / InvalidResponseError carry the node's JSON-RPC error.
  return name === 'ResponseError' || name === 'InvalidResponseError' || name === 'ContractExecutionError' || (typeof code === 'number' && code < 0 && code > -33000);
}
