/**
 * Login throttling that never locks out a class. Only FAILED logins count (a success never does,
 * and a login still being checked does not count until it has failed), and they count in the
 * database, so a restart gives a guesser no fresh allowance:
 * - per account: 10 failures in 15 minutes → 429 for that account alone, with Retry-After;
 * - per address: a ceiling of 300 failures in 15 minutes (see ADDRESS_FAILURES_ALLOWED) against
 *   a script that guesses across many accounts, high enough for a classroom behind one NAT.
 *
 * Checked before the password and counted after it, a limit alone would let guesses sent at once
 * all pass the check while none has failed yet. So the attempts on one account still running
 * count as though they had failed (see `attempt`): one runs at once with the others while the
 * account's failures plus the attempts running stay under its limit, and only one that would
 * reach the limit waits — for a running one to end, and is then checked against what it left (a
 * failure counts, a success does not). Of 20 guesses at once, 10 run and fail and 10 are locked
 * out; 30 students logging in at once to one shared account (the demo's) all get in, up to 10 at
 * a time, instead of one bcrypt after another. And the guesses still running from an address
 * count against its ceiling, so a burst across many accounts cannot pass it either — but against
 * the ceiling only: a class logging in at once must not lock itself out.
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
import { cookieValue } from './cookies';

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

/** What became of one login attempt (see `attempt`). */
export type LoginAttempt<User> =
  | { readonly outcome: 'refused'; readonly retryAt: number }
  | { readonly outcome: 'failed' }
  | { readonly outcome: 'passed'; readonly user: User };

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

  const accountAttempts = createGate();
  const addressRunning = createCounts();

  /**
   * When this login may be tried again, or undefined when it may be tried now; `accountRunning` is
   * how many other attempts on its account, and `addressRunning` how many other guesses from its
   * address, are being checked, not yet counted (they count as failures here).
   */
  async function refusal(keyed: ReturnType<typeof keys>, accountRunning: number, addressRunning: number): Promise<number | undefined> {
    const at = now();
    const { account, address, device } = keyed;
    // The account's running attempts count against the tag too (some may be the tag's): on the safe side.
    if (device !== undefined && (await perAccount.retryAt(`device:${device}`, at, accountRunning)) === undefined) return undefined;
    return latest(await perAccount.retryAt(account, at, accountRunning), await perAddress.retryAt(address, at, addressRunning));
  }

  /** Counts a failed login against its account, its address and its known-device tag. */
  function failed({ account, address, device }: ReturnType<typeof keys>): Promise<void> {
    return events.record(device === undefined ? [account, address] : [account, address, `device:${device}`], now());
  }

  return {
    /**
     * Runs one login: refused while its account or address is locked, else `check` (the password;
     * undefined when it is wrong), whose failure is counted before an attempt that could be the
     * account's last allowed one is let through. Attempts on one account run at once while its
     * failures plus the attempts running stay under its limit; one that would reach it waits for
     * a running one to end, then is checked again. This holds within one server process: several
     * servers on one PostgreSQL each count only their own running attempts, so a burst spread over
     * them can get up to the limit's worth of guesses through each server (with N servers, N × 10
     * failures at most, then the account is locked everywhere).
     */
    async attempt<User>(req: Request, role: LoginRole, username: string, check: () => Promise<User | undefined>): Promise<LoginAttempt<User>> {
      const keyed = keys(req, role, username);
      // A locked account's refusals do not queue: a flood of them must not hold up, behind it,
      // the login of a browser the account knows (nor grow the queue without end).
      const lockedUntil = await refusal(keyed, 0, 0);
      if (lockedUntil !== undefined) return { outcome: 'refused', retryAt: lockedUntil };
      return accountAttempts.run(
        keyed.account,
        async (running): Promise<'run' | 'wait' | LoginAttempt<User>> => {
          // Taken before the database is read, given back after the failure is recorded (or now,
          // when this attempt does not run yet): a check that runs in between sees this guess
          // either running or counted, never neither (now and then both, near the ceiling: a
          // refusal on the safe side).
          const othersRunning = addressRunning.add(keyed.address);
          let runs = false;
          try {
            const retryAt = await refusal(keyed, running, othersRunning);
            if (retryAt === undefined) {
              runs = true;
              return 'run';
            }
            if (running === 0) return { outcome: 'refused', retryAt };
            // Refused only if the running attempts all fail: wait for one to end, unless the
            // account or the address is refused without them.
            const refusedAnyway = await refusal(keyed, 0, othersRunning);
            return refusedAnyway === undefined ? 'wait' : { outcome: 'refused', retryAt: refusedAnyway };
          } finally {
            if (!runs) addressRunning.remove(keyed.address);
          }
        },
        async () => {
          try {
            const user = await check();
            if (user !== undefined) return { outcome: 'passed', user };
            await failed(keyed); // counted only now that it has failed
            return { outcome: 'failed' };
          } finally {
            addressRunning.remove(keyed.address);
          }
        },
      );
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

/**
 * Work under one key that runs at once with the key's other work as far as `decide` lets it. The
 * decisions are taken in turn per key, each told how much of the key's work is running: 'run'
 * starts the work (and lets the next decision be taken), a value is the answer without the work,
 * and 'wait' (only while some work runs) keeps the turn — those after it wait too — until a
 * running work has ended (well or not), then decides again. A key's entry goes once nothing
 * runs, waits or decides under it, so the map holds only the keys being worked on.
 */
function createGate() {
  interface Entry {
    users: number; // the calls under the key not yet over
    running: number;
    ended: number; // works ended so far: a decision that saw none end waits for the next
    decided: Promise<void>; // the last call's decision
    wake: (() => void) | undefined; // the waiting decision's
  }
  const entries = new Map<string, Entry>();
  return {
    async run<T, R>(key: string, decide: (running: number) => Promise<'run' | 'wait' | R>, work: () => Promise<T>): Promise<T | R> {
      let entry = entries.get(key);
      if (entry === undefined) entries.set(key, (entry = { users: 0, running: 0, ended: 0, decided: Promise.resolve(), wake: undefined }));
      const e = entry;
      e.users++;
      const before = e.decided;
      let decided = () => {};
      e.decided = new Promise<void>(resolve => (decided = resolve));
      try {
        let verdict: 'run' | 'wait' | R;
        try {
          await before;
          for (;;) {
            const ended = e.ended;
            verdict = await decide(e.running);
            if (verdict !== 'wait') break;
            if (e.ended !== ended) continue; // one ended while deciding: decide again now
            if (e.running === 0) throw new Error('a decision waits with nothing running');
            await new Promise<void>(resolve => (e.wake = resolve));
          }
          if (verdict === 'run') e.running++;
        } finally {
          decided();
        }
        if (verdict !== 'run') return verdict;
        try {
          return await work();
        } finally {
          e.running--;
          e.ended++;
          const wake = e.wake;
          e.wake = undefined;
          wake?.();
        }
      } finally {
        if (--e.users === 0 && entries.get(key) === e) entries.delete(key);
      }
    },
  };
}

/** How many of something each key has running; a key at zero has no entry. */
function createCounts() {
  const counts = new Map<string, number>();
  return {
    /** Counts one more for `key`, and says how many were running before it. */
    add(key: string): number {
      const before = counts.get(key) ?? 0;
      counts.set(key, before + 1);
      return before;
    },
    remove(key: string): void {
      const left = (counts.get(key) ?? 1) - 1;
      if (left > 0) counts.set(key, left);
      else counts.delete(key);
    },
  };
}

const latest = (...times: (number | undefined)[]) => {
  const set = times.filter((t): t is number => t !== undefined);
  return set.length === 0 ? undefined : Math.max(...set);
};

/** The tags of the known-device cookie. */
function cookieTags(req: Request): string[] {
  const value = cookieValue(req, KNOWN_DEVICE_COOKIE);
  return value ? value.split('.').filter(tag => /^[A-Za-z0-9_-]+$/.test(tag)).slice(0, KNOWN_DEVICE_TAGS) : [];
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
