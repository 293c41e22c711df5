/** What a session holds, typed for every route. Who is signed in (and the roles) are the domain's. */
import type { SessionRole, SessionUser } from '../domain/roles';

export type { SessionRole, SessionUser };

/** A message shown once on the next page, e.g. what a write saved on the ledger. */
export interface Flash {
  readonly kind: 'success' | 'error' | 'info';
  readonly message: string;
  readonly transactionHash?: string;
  readonly blockNumber?: number;
}

/**
 * What was typed into a form whose session had ended: kept in the new anonymous session across
 * the login, then shown again on the form's page. Never a password or the CSRF token.
 */
export interface KeptForm {
  /** Whose form it was: the login must be of this role for it to be given back. */
  readonly role: SessionRole;
  /** The page that holds the form (where the login then leads). */
  readonly page: string;
  readonly values: Record<string, string | string[]>;
}

declare module 'express-session' {
  interface SessionData {
    user?: SessionUser;
    /** When the user logged in (ms): a session lives at most 8 hours from then. */
    startedAt?: number;
    kept?: KeptForm;
    /** The username the login page offers (after signup). */
    loginName?: string;
  }
}

/**
 * A value that pages write with `<%= %>` and that is made only when one does: the CSRF token,
 * whose making creates the session row. Pages without a form then leave no session behind.
 * (A getter on res.locals would not do: Express copies the locals into each render, reading them all.)
 */
export function lazyText(make: () => string): { toString(): string; toJSON(): string } {
  let value: string | undefined;
  const get = () => (value ??= make());
  return { toString: get, toJSON: get };
}
