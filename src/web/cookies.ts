/** Reading a request's cookies: no cookie parser is installed, and the app reads two of its own by name. */
import type { Request } from 'express';

/** One cookie's value from the request's Cookie header, as sent (the app's own values need no decoding). */
export function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
