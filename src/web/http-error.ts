/**
 * Errors that become pages: a status, a title and a message meant for the user. The one place
 * that gives errors their status codes: the services' domain errors (NotFound 404, Forbidden 403,
 * Conflict 409, a FieldError no route caught 400), the ledger's (a refused grant is 403, an
 * outage 503) and the database's (an outage 503) become these here.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { Conflict, FieldError, FileRefused, FileWithheld, Forbidden, NotFound } from '../domain/errors';
import { FundsExhaustedError, LedgerRevertError, LedgerUnavailableError } from '../ledger/errors';
import { WrongChainError } from '../ledger/identity';
import { isStoreUnavailable } from '../store';

/** The status of each reason a file is refused. */
export const FILE_REFUSED_STATUS = { type: 415, size: 413, empty: 400, count: 400, cut: 400 } as const;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what = 'page') => new HttpError(404, 'Not found', `There is no such ${what}.`);
export const forbidden = (message = 'You do not have access to this page.') => new HttpError(403, 'Access denied', message);

/** How the services' domain errors read to a user: their own message, under the title of their kind. */
function fromDomain(error: unknown): HttpError | undefined {
  if (error instanceof NotFound) return new HttpError(404, 'Not found', error.message);
  if (error instanceof Forbidden) return new HttpError(403, 'Access denied', error.message);
  if (error instanceof Conflict) return new HttpError(409, 'Conflict', error.message);
  if (error instanceof FileWithheld) return new HttpError(409, error.state === 'tampered' ? 'File withheld: tampered' : 'File missing', error.message);
  if (error instanceof FileRefused) return new HttpError(FILE_REFUSED_STATUS[error.reason], 'File refused', error.message);
  if (error instanceof FieldError) return new HttpError(400, 'Bad request', error.message);
  return undefined;
}

/** How the contract's refusals read to a user. */
function fromRevert(error: LedgerRevertError): HttpError {
  switch (error.error.name) {
    case 'EHRNotGranted':
    case 'EHRGrantEnded':
    case 'EHRNotReportOwner':
    case 'EHRNotStaff':
    case 'EHRNotPatient':
    case 'EHRNotClaimInsurer':
    case 'EHRNotEmergencyPatient':
    case 'AccessControlUnauthorizedAccount':
      return forbidden('The ledger refused this: you have no access to that record.');
    case 'EHRUnknownReport':
      return notFound('report');
    case 'EHRUnknownPrescription':
      return notFound('prescription');
    case 'EHRUnknownClaim':
      return notFound('claim');
    case 'EHRUnknownEmergency':
      return notFound('emergency access');
    case 'EHRUnknownOrganisation':
    case 'EHRWrongOrganisationKind':
      return new HttpError(400, 'Unknown organisation', 'That organisation does not exist, or is not of the kind this needs.');
    default:
      return new HttpError(409, 'Refused by the ledger', `The ledger refused this action (${error.error.name}).`);
  }
}

/** The node the app uses, for messages that say which node failed and how to start it. */
export interface NodeInfo {
  readonly description: string;
  readonly embedded: boolean;
}

const UNKNOWN_NODE: NodeInfo = { description: '', embedded: false };

/** " (at http://…)" — which node was tried, when it is known. */
function where(node: NodeInfo): string {
  if (!node.description) return '';
  return node.embedded ? ` (${node.description})` : ` (tried at ${node.description})`;
}

/** How to bring a node back, in one sentence. */
function howToStart(node: NodeInfo): string {
  if (!node.description) return 'Please try again shortly.';
  return node.embedded
    ? 'The embedded node runs inside this server: restart it with npm start.'
    : `Start the node at ${node.description} again (a classroom Ganache: open Ganache, or run npx ganache with its --database.dbPath, on that port), then reload this page.`;
}

/** The ledger's outages and refusals as pages. */
function fromUnavailable(error: LedgerUnavailableError, write: boolean, node: NodeInfo): HttpError {
  if (error instanceof WrongChainError) {
    return new HttpError(
      503,
      'Wrong blockchain',
      `The node at ${error.node} is not the chain this data was recorded on (${error.message.split(': ').pop()}). Nothing is shown from it. The operator must point RPC_URL at the node that holds this data, or start with a new DATA_DIR.`,
    );
  }
  if (error instanceof FundsExhaustedError) {
    return new HttpError(503, 'Ledger funds exhausted', 'The account that pays for transactions on the ledger has run out of ether, so nothing was saved. The administrator must refill it; then try again.');
  }
  if (write && !error.notSent) {
    return new HttpError(
      503,
      'Ledger unavailable',
      `The blockchain node${where(node)} stopped answering while this was being saved, so it may or may not have been saved. Open the page again in a minute to see whether it was before you try again.`,
    );
  }
  return new HttpError(503, 'Ledger unavailable', `The blockchain node cannot be reached right now${where(node)}. Nothing was changed. ${howToStart(node)}`);
}

/**
 * The page for an error, or undefined for an unexpected one (a 500). `write`: the request meant to
 * change something, so an outage that may have come after its transaction was sent must not say
 * that nothing changed.
 */
export function toHttpError(error: unknown, { write = false, node = UNKNOWN_NODE } = {}): HttpError | undefined {
  if (error instanceof HttpError) return error;
  const domain = fromDomain(error);
  if (domain) return domain;
  if (error instanceof LedgerRevertError) return fromRevert(error);
  if (error instanceof LedgerUnavailableError) return fromUnavailable(error, write, node);
  if (isStoreUnavailable(error)) {
    return new HttpError(
      503,
      'Database unavailable',
      write
        ? 'The database could not be reached, so this may not have been saved. Check again in a moment before you send it again.'
        : 'The database could not be reached. Try again in a moment.',
    );
  }
  if ((error as { code?: string })?.code === 'EBADCSRFTOKEN') {
    return new HttpError(403, 'Form expired', 'This form has expired or did not come from this site. Go back, reload the page and try again.');
  }
  const status = (error as { status?: number; statusCode?: number })?.status ?? (error as { statusCode?: number })?.statusCode;
  if (status === 413) return new HttpError(413, 'Too large', 'What you sent is larger than this form accepts.');
  if (status === 415) return new HttpError(415, 'Unsupported form', 'This form was sent in an encoding the server cannot read.');
  // Any other client error a library raised on purpose (body-parser's `expose`): a plain 4xx page.
  if (typeof status === 'number' && status >= 400 && status < 500) return new HttpError(status, 'Bad request', 'The request could not be read.');
  return undefined;
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(notFound());

export interface ErrorHandlerOptions {
  readonly production: boolean;
  readonly node?: NodeInfo;
  /** Where errors are logged (default: stderr). */
  readonly log?: (line: string) => void;
  readonly now?: () => number;
}

/** An outage is logged once a minute, with how many requests it refused since: not a line (or a stack) a request. */
const OUTAGE_LOG_INTERVAL_MS = 60_000;

export function errorHandler(options: ErrorHandlerOptions): ErrorRequestHandler {
  const log = options.log ?? ((line: string) => console.error(line));
  const now = options.now ?? Date.now;
  let outage = { loggedAt: -Infinity, refused: 0 };
  return (error, req, res, _next) => {
    const known = toHttpError(error, { write: req.method !== 'GET' && req.method !== 'HEAD', node: options.node });
    const status = known?.status ?? 500;
    if (error instanceof LedgerUnavailableError || isStoreUnavailable(error)) {
      outage.refused += 1;
      if (now() - outage.loggedAt >= OUTAGE_LOG_INTERVAL_MS) {
        const since = outage.refused > 1 ? ` (${outage.refused} requests answered 503 since the last line)` : '';
        log(`${error instanceof LedgerUnavailableError ? 'ledger' : 'database'}: ${(error as Error)?.message ?? String(error)}${since}`);
        outage = { loggedAt: now(), refused: 0 };
      }
    } else if (!known || status >= 500) {
      log(`${req.method} ${req.originalUrl} → ${status}: ${options.production ? String(error) : ((error as Error)?.stack ?? String(error))}`);
    }
    if (res.headersSent) return;
    res.status(status).render('errors/error', {
      title: known?.title ?? 'Something went wrong',
      status,
      message: known?.message ?? 'The server could not complete this request.',
    });
  };
}
