/**
 * Form validation with zod: a parsed value, or a message per field for the 400 page that shows
 * the form again with what was typed.
 */
import { z } from 'zod';
import { HIDDEN_CONTROLS } from '../domain/text';
import { endOfUtcDay } from '../domain/time';

export type FieldErrors = Record<string, string>;
export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

/** Characters no field may hold (domain/text.ts says which and why); without `g`, for `test`. */
const FORBIDDEN_CHARACTERS = new RegExp(HIDDEN_CONTROLS.source);
export const FORBIDDEN_CHARACTER_MESSAGE =
  'Remove the invisible control character (a text-direction override U+202A–U+202E or U+2066–U+2069, or NUL): it is not allowed';

/** Every field of a form, of any schema, that holds a forbidden character: checked here, once. */
function forbiddenCharacters(body: unknown): FieldErrors {
  const errors: FieldErrors = {};
  if (!body || typeof body !== 'object') return errors;
  for (const [field, value] of Object.entries(body as Record<string, unknown>)) {
    if ([value].flat().some(v => typeof v === 'string' && FORBIDDEN_CHARACTERS.test(v))) errors[field] = FORBIDDEN_CHARACTER_MESSAGE;
  }
  return errors;
}

export function parseForm<S extends z.ZodType>(schema: S, body: unknown): Parsed<z.infer<S>> {
  const refused = forbiddenCharacters(body);
  const result = schema.safeParse(body ?? {});
  if (result.success && Object.keys(refused).length === 0) return { ok: true, value: result.data };
  const errors: FieldErrors = { ...refused };
  for (const issue of result.success ? [] : result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  return { ok: false, errors };
}

/** A single text field: one string (not an array), trimmed, with length limits. */
export const text = (label: string, min: number, max: number) =>
  z
    .string({ error: `${label} is required` })
    .transform(value => value.trim())
    .pipe(
      z
        .string()
        .min(min, min === 1 ? `${label} is required` : `${label} must be at least ${min} characters`)
        .max(max, `${label} must be at most ${max} characters`),
    );

export const username = z
  .string({ error: 'Username is required' })
  .transform(value => value.trim().toLowerCase())
  .pipe(
    z
      .string()
      .min(3, 'Username must be 3 to 32 characters')
      .max(32, 'Username must be 3 to 32 characters')
      .regex(/^[a-z0-9._-]+$/, 'Username may use only a–z, 0–9, dot, underscore and hyphen'),
  );

// Not trimmed: spaces may be part of a password. 72 bytes is bcrypt's limit.
export const password = z
  .string({ error: 'Password is required' })
  .min(8, 'Password must be 8 to 72 characters')
  .refine(value => Buffer.byteLength(value, 'utf8') <= 72, 'Password must be 8 to 72 characters');

export const email = z
  .string({ error: 'Email is required' })
  .transform(value => value.trim())
  .pipe(z.email('Enter a valid email address').max(254, 'Email must be at most 254 characters'));

export const phone = z
  .string({ error: 'Phone is required' })
  .transform(value => value.trim())
  .pipe(z.string().regex(/^[0-9+()\-. ]{3,32}$/, 'Enter a phone number (digits, spaces, + ( ) - .)'));

/** A positive whole number given as text, e.g. an id in a form or a path. */
export const id = (label: string) =>
  z
    .string({ error: `${label} is required` })
    .regex(/^[1-9][0-9]{0,9}$/, `${label} is not valid`)
    .transform(Number);

/** The values to show again on a 400 page: the strings that were typed, never a password. */
export function typedValues(body: unknown, omit: readonly string[] = ['password', 'currentPassword', 'newPassword', 'confirmPassword', '_csrf']): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {};
  if (!body || typeof body !== 'object') return values;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (omit.includes(key)) continue;
    if (typeof value === 'string') values[key] = value;
    else if (Array.isArray(value)) values[key] = value.filter((item): item is string => typeof item === 'string');
  }
  return values;
}

/** The longest a grant may be set to last, from today: ten years (a longer one is "no end"). */
const MAX_GRANT_DAYS = 3653;

/** `YYYY-MM-DD` names a day of the calendar (not 2026-02-30). */
function isCalendarDay(day: string): boolean {
  const time = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().startsWith(day);
}

/**
 * An optional last day of access, typed as `YYYY-MM-DD` (a date field): blank is "no end" (0);
 * otherwise the end of that day, UTC, in seconds (what the ledger's `until` takes). A day before
 * today (UTC), or an impossible date, is refused.
 */
export const untilDay = z
  .string({ error: 'Enter the last day of access as a date (YYYY-MM-DD), or leave it blank for no end' })
  .optional()
  .transform((value, ctx) => {
    const day = value?.trim() ?? '';
    if (day === '') return 0;
    const until = isCalendarDay(day) ? endOfUtcDay(day) : undefined;
    const now = Date.now() / 1000;
    const problem = !/^\d{4}-\d{2}-\d{2}$/.test(day)
      ? 'Enter the last day of access as a date (YYYY-MM-DD), or leave it blank for no end'
      : until === undefined
        ? 'That date does not exist'
        : until <= now
          ? 'The last day of access cannot be in the past: choose today or a later day'
          : until > now + MAX_GRANT_DAYS * 86_400
            ? 'Choose a last day within ten years, or leave it blank for no end'
            : undefined;
    if (problem === undefined) return until as number;
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  });
