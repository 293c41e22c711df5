/**
 * Login throttling: at most 10 failed logins in 15 minutes per username and per IP address;
 * then 429 with Retry-After and a page that says when to try again. Successful logins do not
 * count, so a user who types the password right is never locked out by their own success.
 */
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Options } from 'express-rate-limit';

export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
export const LOGIN_FAILURES_ALLOWED = 10;

function tooMany(req: Request, res: Response, _next: unknown, options: Options): void {
  const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  const retryAt = resetTime ?? new Date(Date.now() + options.windowMs);
  res.status(options.statusCode).render('errors/error', {
    title: 'Too many attempts',
    status: options.statusCode,
    message: `Too many failed logins. Try again after ${retryAt.toISOString().slice(11, 16)} UTC (in about ${Math.max(1, Math.ceil((retryAt.getTime() - Date.now()) / 60000))} minutes).`,
  });
}

function limiter(key: (req: Request) => string): RequestHandler {
  return rateLimit({
    windowMs: LOGIN_WINDOW_MS,
    limit: LOGIN_FAILURES_ALLOWED,
    skipSuccessfulRequests: true, // a 3xx (logged in) takes its request back off the count
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: key,
    handler: tooMany,
  });
}

/**
 * The limits of one app: one per IP address across all login forms, and one per username of
 * each form (lower-cased, as the forms compare usernames).
 */
export function createLoginThrottle(): (form: string) => RequestHandler[] {
  const perIp = limiter(req => `ip:${ipKeyGenerator(req.ip ?? '')}`);
  return form => [
    perIp,
    limiter(req => `user:${form}:${typeof req.body?.username === 'string' ? req.body.username.trim().toLowerCase() : ''}`),
  ];
}
