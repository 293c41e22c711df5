/**
 * Errors that become pages: a status, a title and a message meant for the user. The error
 * handler also turns the ledger's errors into these (a refused grant is 403, an outage 503).
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { LedgerRevertError, LedgerUnavailableError } from '../ledger/errors';

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

/** How the contract's refusals read to a user. */
function fromRevert(error: LedgerRevertError): HttpError {
  switch (error.error.name) {
    case 'EHRNotGranted':
    case 'EHRNotReportOwner':
    case 'EHRNotDoctor':
    case 'EHRNotPatient':
    case 'AccessControlUnauthorizedAccount':
      return forbidden('The ledger refused this: you have no access to that record.');
    case 'EHRUnknownReport':
      return notFound('report');
    case 'EHRUnknownHospital':
      return new HttpError(400, 'Unknown hospital', 'That hospital does not exist.');
    default:
      return new HttpError(409, 'Refused by the ledger', `The ledger refused this action (${error.error.name}).`);
  }
}

/**
 * The page for an error, or undefined for an unexpected one (a 500). `write`: the request meant to
 * change something, so an outage that may have come after its transaction was sent must not say
 * that nothing changed.
 */
export function toHttpError(error: unknown, { write = false } = {}): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof LedgerRevertError) return fromRevert(error);
  if (error instanceof LedgerUnavailableError) {
    if (write && !error.notSent) {
      return new HttpError(
        503,
        'Ledger unavailable',
        'The blockchain node stopped answering while this was being saved, so it may or may not have been saved. Open the page again in a minute to see whether it was before you try again.',
      );
    }
    return new HttpError(503, 'Ledger unavailable', 'The blockchain node cannot be reached right now. Nothing was changed; please try again shortly.');
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

export function errorHandler(options: { production: boolean }): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = toHttpError(error, { write: req.method !== 'GET' && req.method !== 'HEAD' });
    const status = known?.status ?? 500;
    if (!known || status >= 500) console.error(`${req.method} ${req.originalUrl} → ${status}:`, options.production ? String(error) : error);
    if (res.headersSent) return;
    res.status(status).render('errors/error', {
      title: known?.title ?? 'Something went wrong',
      status,
      message: known?.message ?? 'The server could not complete this request.',
    });
  };
}
