/**
 * Sliding-window limits over the counted events of the store (ThrottleEvents),
 * and the domain error a service throws when one is reached: the web layer answers it with 429
 * and Retry-After.
 */
import { ipKeyGenerator } from 'express-rate-limit';
import type { ThrottleEvents } from '../../store/ports';

/** Too many attempts of something; `retryAt` (ms) is when the next one will be let through. */
export class TooManyAttempts extends Error {
  constructor(
    readonly retryAt: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RateLimit {
  /**
   * When `key` may act again, or undefined while it is under its limit at `now`. `running` acts of
   * the key, under way and not yet counted, count as though they had been counted at `now`.
   */
  retryAt(key: string, now: number, running?: number): Promise<number | undefined>;
  /** Counts an act of `key` at `now` when under the limit (undefined), else says when it may act again. */
  take(key: string, now: number): Promise<number | undefined>;
}

/** The count falls under the limit when the (n - limit + 1)th oldest event leaves the window. */
const reopensAt = (times: readonly number[], limit: number, windowMs: number) => times[times.length - limit] + windowMs;

export function rateLimit(events: ThrottleEvents, limit: number, windowMs: number): RateLimit {
  return {
    async retryAt(key, now, running = 0) {
      const times = [...(await events.since(key, now - windowMs)), ...Array<number>(running).fill(now)];
      return times.length < limit ? undefined : reopensAt(times, limit, windowMs);
    },
    async take(key, now) {
      const times = await events.admit(key, now, limit, windowMs);
      return times === undefined ? undefined : reopensAt(times, limit, windowMs);
    },
  };
}

export const SIGNUP_WINDOW_MS = 60 * 60 * 1000;
/**
 * Signups let through per address and hour. A class signs up together from behind one school
 * address (NAT): 60 students, with the odd second try after a taken username, stay under 100,
 * while a script is held to 100 accounts an hour (each costs bcrypt, two transactions and the
 * gas money of a new account) instead of the several a second that nothing stopped before.
 */
export const SIGNUPS_ALLOWED = 100;

/** The signup limit of one address: `take` counts a signup, or throws TooManyAttempts. */
export function createSignupLimit(events: ThrottleEvents, now: () => number = Date.now) {
  const limit = rateLimit(events, SIGNUPS_ALLOWED, SIGNUP_WINDOW_MS);
  return {
    async take(address: string): Promise<void> {
      const key = `signup:${ipKeyGenerator(address)}`; // an IPv6 /56 is one address
      // Checked and counted in one step: two signups at once cannot both slip through.
      const retryAt = await limit.take(key, now());
      if (retryAt !== undefined) throw new TooManyAttempts(retryAt, 'Too many signups from your network.');
    },
  };
}

export type SignupLimit = ReturnType<typeof createSignupLimit>;
