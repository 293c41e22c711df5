/**
 * Login throttling that never locks out a class. Only FAILED logins count (a success never does,
 * and a login still being checked does not count until it has failed), and they count in the
 * database, so a restart gives a guesser no fresh allowance:
 * - per account: 10 failures in 15 minutes → 429 for that account alone, with Retry-After;
 * - per address: a ceiling of 300 failures in 15 minutes (see ADDRESS_FAILURES_ALLOWED) against
 *   a script that guesses across many accounts, high enough for a classroom behind one NAT.
 *
 * The way in for someone whose account is locked by others (the admin, most of all, whom anyone
 * could otherwise keep out with ten requests every fifteen minutes): a browser that has logged in
 * to the account before carries a "known device" tag for it, an HMAC of the role and username
 * under the session secret, in an HttpOnly cookie. With the tag, a login is let through both
 * locks; the tag's own failures are counted under the same limit, so a stolen cookie does not
 * buy unlimited guesses.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { rateLimit } from '../features/auth/rate-limit';
import type { SessionRole } from '../domain/roles';
import type { ThrottleEvents } from '../store/ports';

export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
export const LOGIN_FAILURES_ALLOWED = 10;
/**
 * Failed logins per address in 15 minutes. A class of 60 behind one school address, each with
 * two or three typos, makes 120–180; 300 leaves room for a second class in the same window,
 * while a script guessing across accounts from one address gets 300 guesses per 15 minutes in
 * all (and still only 10 per account), not the unlimited spread it had without a ceiling.
 */
export const ADDRESS_FAILURES_ALLOWED = 300;

export const KNOWN_DEVICE_COOKIE = 'ehr.known';
const KNOWN_DEVICE_MAX_AGE_MS = 180 * 24 * 60 * 60 * 1000;
/** Tags kept in one browser (a shared lab computer sees many users); the newest stay. */
const KNOWN_DEVICE_TAGS = 10;
const TAG_LENGTH = 22; // 128 bits of the HMAC, base64url

/** Every role logs in (the role registry's). */
export type LoginRole = SessionRole;

export interface LoginThrottleOptions {
  readonly events: ThrottleEvents;
  /** Keys the known-device tags (the session secret: kept out of the database). */
  readonly secret: string;
  readonly now?: () => number;
}

export function createLoginThrottle({ events, secret, now = Date.now }: LoginThrottleOptions) {
  const perAccount = rateLimit(events, LOGIN_FAILURES_ALLOWED, LOGIN_WINDOW_MS);
  const perAddress = rateLimit(events, ADDRESS_FAILURES_ALLOWED, LOGIN_WINDOW_MS);
  const tagKey = createHmac('sha256', secret).update('ehr known-device tags').digest();
  const tagOf = (role: LoginRole, username: string) =>
    createHmac('sha256', tagKey).update(`${role}\n${username.toLowerCase()}`).digest('base64url').slice(0, TAG_LENGTH);

  /** The request's tag for this account, when its browser has logged in to it before. */
  function knownTag(req: Request, role: LoginRole, username: string): string | undefined {
    const expected = Buffer.from(tagOf(role, username));
    return cookieTags(req).find(tag => tag.length === expected.length && timingSafeEqual(Buffer.from(tag), expected));
  }

  const keys = (req: Request, role: LoginRole, username: string) => {
    const tag = knownTag(req, role, username);
    return {
      account: `account:${role}:${username.toLowerCase()}`,
      // An IPv6 client holds a whole /56 or more: counted as one address, or it could rotate past the ceiling.
      address: `address:${ipKeyGenerator(req.ip ?? '')}`,
      // Counted under the tag's hash: a copy of the database must not hand out working tags.
      device: tag === undefined ? undefined : createHash('sha256').update(tag).digest('base64url'),
    };
  };

  return {
    /** When this login may be tried again, or undefined when it may be tried now. */
    async refusal(req: Request, role: LoginRole, username: string): Promise<number | undefined> {
      const at = now();
      const { account, address, device } = keys(req, role, username);
      if (device !== undefined && (await perAccount.retryAt(`device:${device}`, at)) === undefined) return undefined;
      return latest(await perAccount.retryAt(account, at), await perAddress.retryAt(address, at));
    },

    /** Counts a failed login against its account, its address and its known-device tag. */
    failed(req: Request, role: LoginRole, username: string): Promise<void> {
      const { account, address, device } = keys(req, role, username);
      return events.record(device === undefined ? [account, address] : [account, address, `device:${device}`], now());
    },

    /** Marks this browser as known to the account (newest tag first). */
    succeeded(req: Request, res: Response, role: LoginRole, username: string): void {
      const tag = tagOf(role, username);
      const tags = [tag, ...cookieTags(req).filter(t => t !== tag)].slice(0, KNOWN_DEVICE_TAGS);
      res.cookie(KNOWN_DEVICE_COOKIE, tags.join('.'), {
        httpOnly: true,
        sameSite: 'lax',
        secure: req.secure,
        maxAge: KNOWN_DEVICE_MAX_AGE_MS,
        path: '/',
      });
    },

    now,
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

const latest = (...times: (number | undefined)[]) => {
  const set = times.filter((t): t is number => t !== undefined);
  return set.length === 0 ? undefined : Math.max(...set);
};

/** The tags of the known-device cookie (no cookie parser is installed: one cookie is read here). */
function cookieTags(req: Request): string[] {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [name, value] = part.trim().split('=', 2);
    if (name === KNOWN_DEVICE_COOKIE && value) return value.split('.').filter(tag => /^[A-Za-z0-9_-]+$/.test(tag)).slice(0, KNOWN_DEVICE_TAGS);
  }
  return [];
}

/** The 429 page: what was refused, and when to try again (a page and Retry-After). */
export function tooMany(res: Response, retryAt: number, now: number, what: string): void {
  const seconds = Math.max(1, Math.ceil((retryAt - now) / 1000));
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  res.set('Retry-After', String(seconds));
  res.status(429).render('errors/error', {
    title: 'Too many attempts',
    status: 429,
    message: `${what} Try again after ${new Date(retryAt).toISOString().slice(11, 16)} UTC (in about ${minutes} minute${minutes === 1 ? '' : 's'}).`,
  });
}
