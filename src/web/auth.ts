/** Who may see a route, and starting and ending a session. */
import type { Request, RequestHandler } from 'express';
import { KEPT_FORMS, LOGIN_PAGES, type SessionRole, type SessionUser } from '../domain/roles';
import { SealedSessionStore } from '../store/session-store';
import { flash } from './flash';
import { forbidden } from './http-error';
import type { KeptForm } from './session';
import { typedValues } from './validate';

/** Each role's login page (the role registry's). */
export { LOGIN_PAGES };

/** Lets `role` through; sends the anonymous to that role's login page; refuses other roles. */
export function requireRole(role: SessionRole): RequestHandler {
  return (req, res, next) => {
    const user = req.session.user;
    if (!user) return res.redirect(302, LOGIN_PAGES[role]);
    if (user.role !== role) return next(forbidden());
    next();
  };
}

declare module 'express-session' {
  interface SessionData {
    /** The user signed in with a one-time password (the admin's): they must choose their own first. */
    mustChangePassword?: boolean;
  }
}

/** Where a user with a one-time password is sent, and the paths they may still reach. */
export const PASSWORD_PAGE = '/account/password';
const OPEN_TO_ONE_TIME = new Set([PASSWORD_PAGE, '/logout']);

/**
 * A user signed in with a one-time password reaches nothing but the password page (and the
 * logout) until they have chosen their own: every other request is a 303 there. Mounted ahead of
 * every route of a signed-in user.
 */
export const mustChangePasswordGate: RequestHandler = (req, res, next) => {
  if (!req.session?.user || !req.session.mustChangePassword || OPEN_TO_ONE_TIME.has(req.path)) return next();
  res.redirect(303, PASSWORD_PAGE);
};

/** Lets any signed-in user through; sends the anonymous to the home page, which links every login. */
export const requireSignedIn: RequestHandler = (req, res, next) => (req.session.user ? next() : res.redirect(302, '/'));

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

/**
 * Ends every other session of the signed-in user (after a password change: whoever held the old
 * password is signed out everywhere), keeping this one. Returns how many were ended.
 */
export async function endOtherSessions(req: Request): Promise<number> {
  const store = req.sessionStore;
  if (!(store instanceof SealedSessionStore)) throw new Error('the session store cannot end other sessions');
  return store.destroyOthers(currentUser(req), req.sessionID);
}

/** Never kept, whatever the form: secrets and the token. */
const NEVER_KEPT = ['_csrf', 'password', 'currentPassword', 'newPassword', 'confirmPassword'];
const KEPT_VALUE_MAX = 20_000;

/** Whether the request came from a page of this site (a browser sends Origin with every POST). */
function sameOrigin(req: Request): boolean {
  const origin = req.get('origin');
  if (!origin) return req.get('sec-fetch-site') === 'same-origin';
  try {
    return new URL(origin).host === req.get('host');
  } catch {
    return false;
  }
}

/**
 * A form posted after its session ended (idle timeout, lifetime, restart of a browser): rather
 * than a "form expired" page and the text gone, what was typed is kept in a new anonymous session
 * and the user is sent to log in, after which the form is shown again filled in. Runs before the
 * CSRF check (the ended session's token is gone with it). Only for a request from this site's own
 * pages, so another site cannot plant text in a form; nothing is written but the new session.
 */
export const keepTypedForm: RequestHandler = (req, res, next) => {
  const form = KEPT_FORMS[req.path];
  if (req.method !== 'POST' || !form || req.session.user || !sameOrigin(req)) return next();
  const values = Object.fromEntries(
    Object.entries(typedValues(req.body, NEVER_KEPT)).filter(([, value]) => [value].flat().every(v => v.length <= KEPT_VALUE_MAX)),
  );
  req.session.kept = { role: form.role, page: form.page, values };
  flash(req, { kind: 'info', message: 'Your session ended; log in to continue — what you typed is kept.' });
  res.redirect(303, LOGIN_PAGES[form.role]);
};

/** The kept form for `page`, taken out of the session (shown once), or undefined. */
export function takeKeptForm(req: Request, page: string): KeptForm['values'] | undefined {
  const kept = req.session.kept;
  if (!kept || kept.page !== page || kept.role !== req.session.user?.role) return undefined;
  delete req.session.kept;
  return kept.values;
}
