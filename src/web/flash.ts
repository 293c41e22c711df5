/**
 * Messages shown once on the next page, e.g. what a write saved on the ledger.
 *
 * They travel in a cookie of their own, as Django's messages do by default, rather than in the
 * session: a write's POST then changes nothing in the session, and neither the POST nor the page
 * that shows its message writes the session's row (two database commits a write before). The
 * cookie is sealed (AES-256-GCM under a key from the master key), since a message can repeat what
 * was typed (a report's title), and bound to whoever was signed in when it was made: a message
 * left unread (a tab closed before its page) is never shown to whoever next uses the browser.
 */
import type { Request, RequestHandler, Response } from 'express';
import { DecryptionError, deriveKey, open, seal } from '../crypto/envelope';
import type { LedgerReceipt } from '../ledger/ehr-client';
import { sessionUserKey } from '../store/session-store';
import { cookieValue } from './cookies';
import type { Flash } from './session';

export const FLASH_COOKIE = 'ehr.flash';

// Messages wait for the next page; a client that never reads one (a script posting form after
// form) must not grow its cookie without end.
const KEPT = 5;
// Browsers drop a cookie of more than 4096 bytes (name, value and attributes): the oldest
// messages give way first.
const MOST_SEALED_BYTES = 3800;

/** The messages a request may add to, kept per request by `flashMessages`. */
const adders = new WeakMap<Request, (message: Flash) => void>();

export function flash(req: Request, message: Flash): void {
  const add = adders.get(req);
  if (!add) throw new Error('flash() needs the flashMessages middleware');
  add(message);
}

/** "Saved on the ledger" with where: the paper's "record saved in Blockchain". */
export function flashSaved(req: Request, message: string, receipt: Pick<LedgerReceipt, 'transactionHash' | 'blockNumber'>): void {
  flash(req, { kind: 'success', message, transactionHash: receipt.transactionHash, blockNumber: receipt.blockNumber });
}

/**
 * Reads the messages of the request's cookie and lets the request add more. On a page (GET) they
 * move into the page's locals and the cookie is cleared; a form's POST answers with a redirect to
 * the page that shows them, or with its own form, and taking them there would lose them (and
 * explain each one's transaction for nothing, see ledgerPanels). Runs after the session's
 * middleware: the messages are bound to the session's user. A message not shown within `maxAgeMs`
 * (the session's idle timeout) is stale, and the browser drops it.
 */
export function flashMessages(masterKey: Buffer, maxAgeMs: number): RequestHandler {
  const key = deriveKey(masterKey, 'flash');
  return (req, res, next) => {
    const page = req.method === 'GET' || req.method === 'HEAD';
    const sealed = cookieValue(req, FLASH_COOKIE);
    const incoming = sealed === undefined ? [] : opened(key, sealed, owner(req));
    res.locals.flash = page ? incoming : [];
    let waiting = page ? [] : incoming;
    if (page && sealed !== undefined) setFlashCookie(req, res, undefined, maxAgeMs);
    adders.set(req, message => {
      waiting = [...waiting, message].slice(-KEPT);
      setFlashCookie(req, res, sealedWithin(key, waiting, owner(req)), maxAgeMs);
    });
    next();
  };
}

/** Whom a message is for: the signed-in user (`patient:12`), or `anonymous`. */
const owner = (req: Request) => sessionUserKey(req.session?.user) ?? 'anonymous';

/** The messages of a sealed cookie; none for one that does not open for `who` (another user's, or altered). */
function opened(key: Buffer, sealed: string, who: string): Flash[] {
  try {
    const messages: unknown = JSON.parse(open(key, sealed, `flash:${who}`).toString('utf8'));
    return Array.isArray(messages) ? (messages as Flash[]) : [];
  } catch (error) {
    if (error instanceof DecryptionError || error instanceof SyntaxError) return [];
    throw error;
  }
}

/** The newest of `messages` sealed, as many as fit in a cookie. */
function sealedWithin(key: Buffer, messages: readonly Flash[], who: string): string {
  for (let from = 0; ; from++) {
    const sealed = seal(key, JSON.stringify(messages.slice(from)), `flash:${who}`);
    if (sealed.length <= MOST_SEALED_BYTES || from === messages.length - 1) return sealed;
  }
}

/** Sets (or, with undefined, clears) the response's flash cookie, replacing one set earlier by this response. */
function setFlashCookie(req: Request, res: Response, sealed: string | undefined, maxAgeMs: number): void {
  const earlier = res.getHeader('Set-Cookie');
  const others = (Array.isArray(earlier) ? earlier : earlier === undefined ? [] : [String(earlier)]).filter(line => !line.startsWith(`${FLASH_COOKIE}=`));
  if (others.length > 0) res.setHeader('Set-Cookie', others);
  else res.removeHeader('Set-Cookie');
  const options = { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' } as const;
  if (sealed === undefined) res.clearCookie(FLASH_COOKIE, options);
  else res.cookie(FLASH_COOKIE, sealed, { ...options, maxAge: maxAgeMs });
}
