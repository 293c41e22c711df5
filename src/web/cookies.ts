/** Reading a request's cookies: no cookie middleware is installed, and the app reads two of its own by name. */
import { parse } from 'cookie';
import type { Request } from 'express';

/** One cookie's value from the request's Cookie header (parsed by `cookie`, the package Express's own res.cookie uses). */
export function cookieValue(req: Request, name: string): string | undefined {
  return parse(req.headers.cookie ?? '')[name];
}
