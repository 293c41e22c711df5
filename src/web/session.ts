/** What a session holds, typed for every route. */
import type { Role } from '../store/users';

export type SessionRole = Role | 'admin';

export interface SessionUser {
  readonly role: SessionRole;
  /** The users row; 0 for the admin. */
  readonly id: number;
  readonly username: string;
  readonly displayName: string;
}

/** A message shown once on the next page, e.g. what a write saved on the ledger. */
export interface Flash {
  readonly kind: 'success' | 'error' | 'info';
  readonly message: string;
  readonly transactionHash?: string;
  readonly blockNumber?: number;
}

declare module 'express-session' {
  interface SessionData {
    user?: SessionUser;
    /** When the user logged in (ms): a session lives at most 8 hours from then. */
    startedAt?: number;
    flash?: Flash[];
  }
}
