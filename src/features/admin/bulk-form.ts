/**
 * A class's patient accounts, pasted as lines of `username,fullName,email`: each line read and
 * checked with the signup's own rules, before anything is made. What a line can be refused for
 * here is what signup refuses (the username's rules, the email, the name's length) and a
 * username repeated within the paste; a name already taken is the service's to find.
 */
import { z } from 'zod';
import { email, parseForm, text, username } from '../../web/validate';

/** The most lines one paste may hold: a class or two (each line is two transactions). */
export const BULK_MAX_LINES = 500;

/** The header a spreadsheet's export starts with: skipped wherever it appears. */
const HEADER = 'username,fullname,email';

/** One line as signup checks it (a patient's full name: 1 to 120 characters). */
const LINE = z.object({ username, fullName: text('Full name', 1, 120), email });

export interface BulkLine {
  /** 1-based, counting every line of the paste (blank ones too), as an editor numbers them. */
  readonly line: number;
  /** The line as pasted (trimmed). */
  readonly text: string;
  readonly username: string;
  readonly fullName: string;
  readonly email: string;
}

export interface RefusedLine {
  readonly line: number;
  /** The line as pasted (trimmed). */
  readonly text: string;
  readonly reason: string;
}

export interface ParsedBulk {
  readonly good: readonly BulkLine[];
  readonly bad: readonly RefusedLine[];
}

/** A field as a spreadsheet may quote it: `"Kumar, Alice"` → `Kumar, Alice` (a `""` inside is one `"`). */
function unquote(field: string): string {
  const trimmed = field.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).replace(/""/g, '"') : trimmed;
}

/**
 * The three fields of a line: the username is everything before the first separator, the email
 * everything after the last, and the full name everything between — so a name with a comma in it
 * ("Kumar, Alice") needs no quoting. A line with a tab is split at tabs (a paste from a
 * spreadsheet), any other at commas. Undefined when the line has fewer than three fields.
 */
function fieldsOf(line: string): [string, string, string] | undefined {
  const separator = line.includes('\t') ? '\t' : ',';
  const first = line.indexOf(separator);
  const last = line.lastIndexOf(separator);
  if (first < 0 || first === last) return undefined;
  return [unquote(line.slice(0, first)), unquote(line.slice(first + 1, last)), unquote(line.slice(last + 1))];
}

/** Reads a paste: good lines (in order, each username once) and refused ones, each with why. */
export function parseBulk(rows: string): ParsedBulk {
  const good: BulkLine[] = [];
  const bad: RefusedLine[] = [];
  const firstLineOf = new Map<string, number>();
  rows.split(/\r\n|\r|\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.replace(/[\s"]/g, '').toLowerCase() === HEADER) return;
    const fields = fieldsOf(trimmed);
    if (!fields) {
      bad.push({ line, text: trimmed, reason: 'Write three fields: username,fullName,email' });
      return;
    }
    const parsed = parseForm(LINE, { username: fields[0], fullName: fields[1], email: fields[2] });
    if (!parsed.ok) {
      bad.push({ line, text: trimmed, reason: Object.values(parsed.errors).join('; ') });
      return;
    }
    const earlier = firstLineOf.get(parsed.value.username);
    if (earlier !== undefined) {
      bad.push({ line, text: trimmed, reason: `The username ${parsed.value.username} is already on line ${earlier} of this list` });
      return;
    }
    firstLineOf.set(parsed.value.username, line);
    good.push({ line, text: trimmed, ...parsed.value });
  });
  return { good, bad };
}

/** Whether a paste has more lines (not counting blank ones) than one go may take. */
export function tooManyLines(rows: string): boolean {
  let count = 0;
  for (const raw of rows.split(/\r\n|\r|\n/)) if (raw.trim() !== '' && ++count > BULK_MAX_LINES) return true;
  return false;
}

/** A CSV field: quoted when it holds a comma, quote or line break; a leading = + - @ defused (spreadsheet formulas). */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The created accounts as CSV: `username,fullName,email,oneTimePassword`, one a line. */
export function accountsCsv(accounts: readonly { username: string; fullName: string; email: string; password: string }[]): string {
  const lines = accounts.map(a => [a.username, a.fullName, a.email, a.password].map(csvField).join(','));
  return ['username,fullName,email,oneTimePassword', ...lines].join('\r\n') + '\r\n';
}
