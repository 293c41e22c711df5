/** Who may see a route, and starting and ending a session. */
import type { Request, RequestHandler } from 'express';
import { forbidden } from './http-error';
import type { SessionRole, SessionUser } from './session';

const LOGIN_PAGES: Record<SessionRole, string> = {
  admin: '/admin/login',
  patient: '/patient/login',
  doctor: '/doctor/login',
};

/** Lets `role` through; sends the anonymous to that role's login page; refuses other roles. */
export function requireRole(role: SessionRole): RequestHandler {
  return (req, res, next) => {
    const user = req.session.user;
    if (!user) return res.redirect(302, LOGIN_PAGES[role]);
    if (user.role !== role) return next(forbidden());
    next();
  };
}

export function currentUser(req: Request): SessionUser {
  const user = req.session.user;
  if (!user) throw new Error('route reached without a session user');
  return user;
}

/** Starts a fresh session for `user`: a new session id at login defeats session fixation. */
export function startSession(req: Request, user: SessionUser, now = Date.now()): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate(error => {
      if (error) return reject(error);
      req.session.user = user;
      req.session.startedAt = now;
      req.session.save(saveError => (saveError ? reject(saveError) : resolve()));
    });
  });
}

export const SESSION_IDLE_MS = 15 * 60 * 1000;
export const SESSION_LIFETIME_MS = 8 * 60 * 60 * 1000;

/**
 * Ends a session that has lived past its absolute lifetime, however active it was; the idle
 * timeout is the store's (a session not touched for 15 minutes is gone from it).
 */
export function sessionLifetime(now: () => number): RequestHandler {
  return (req, _res, next) => {
    const startedAt = req.session?.startedAt;
    if (req.session?.user && (startedAt === undefined || now() - startedAt > SESSION_LIFETIME_MS)) {
      // A new, empty session (not none): later middleware and the login page expect one.
      return req.session.regenerate(error => next(error));
    }
    next();
  };
}

/** Destroys the session on the server, so its cookie no longer works. */
export function endSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.destroy(error => (error ? reject(error) : resolve())));
}
