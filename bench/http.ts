/**
 * A user of the app over HTTP, as a browser is: a cookie jar (the session's `ehr.sid`, and the
 * message after a write, `ehr.flash`), forms posted urlencoded with the `_csrf` hidden field of a
 * page of the same session, redirects read by hand.
 */
import { exchange } from './client';

const CSRF_FIELD = /<input type="hidden" name="_csrf" value="([^"]+)">/;
const LEDGER_FLASH = /Transaction <a class="mono" href="\/ledger\/tx\/0x[0-9a-f]{64}">(0x[0-9a-f]{64})<\/a> · block <a href="\/ledger\/blocks\/\d+">(\d+)<\/a>/;

export type Fields = Record<string, string | readonly string[]>;

export interface Answer {
  readonly status: number;
  readonly location: string | undefined;
  readonly text: string;
}

export class User {
  /** Each cookie's `name=value`, by name. */
  private readonly cookies = new Map<string, string>();
  private csrf: string | undefined;

  constructor(private readonly base: string) {}

  async get(path: string): Promise<Answer> {
    return this.request(path, { method: 'GET' });
  }

  /** GETs `path` and fails unless it answers 200. */
  async page(path: string): Promise<string> {
    const answer = await this.get(path);
    if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}`);
    return answer.text;
  }

  /** Posts a form with the session's token (read once from `tokenPage`: it lasts the session). */
  async post(path: string, fields: Fields, tokenPage = '/patient/login'): Promise<Answer> {
    this.csrf ??= csrfFrom(await this.page(tokenPage));
    const body = new URLSearchParams({ _csrf: this.csrf });
    for (const [name, value] of Object.entries(fields)) {
      for (const one of typeof value === 'string' ? [value] : value) body.append(name, one);
    }
    return this.request(path, { method: 'POST', body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  /** Posts a form that saves something on the ledger; resolves to the transaction the next page names. */
  async write(path: string, fields: Fields, tokenPage?: string): Promise<{ transactionHash: string; blockNumber: number; page: string }> {
    const answer = await this.post(path, fields, tokenPage);
    if (answer.status !== 303 || !answer.location) throw new Error(`POST ${path} answered ${answer.status}: ${answer.text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").slice(0, 600)}`);
    const page = await this.page(answer.location);
    const flash = lastMatch(LEDGER_FLASH, page);
    if (!flash) throw new Error(`no transaction on the page after POST ${path}`);
    return { transactionHash: flash[1], blockNumber: Number(flash[2]), page };
  }

  /** Posts a form with files (multipart, files in the field `files`), as the report form sends it. */
  async postFiles(path: string, fields: Fields, files: readonly { name: string; bytes: Buffer }[], tokenPage: string): Promise<Answer> {
    this.csrf ??= csrfFrom(await this.page(tokenPage));
    const form = new FormData();
    form.append('_csrf', this.csrf);
    for (const [name, value] of Object.entries(fields)) for (const one of typeof value === 'string' ? [value] : value) form.append(name, one);
    for (const file of files) form.append('files', new Blob([file.bytes]), file.name);
    const encoded = new Response(form); // multipart, with its boundary in the content type
    return this.request(path, { method: 'POST', body: Buffer.from(await encoded.arrayBuffer()), headers: { 'content-type': encoded.headers.get('content-type')! } });
  }

  /** GETs `path` as bytes (a file), failing unless it answers 200. */
  async bytes(path: string): Promise<Buffer> {
    const res = await exchange(this.base + path, 'GET', this.cookieHeader());
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    return res.body;
  }

  async login(role: 'admin' | 'patient' | 'doctor', username: string, password: string): Promise<void> {
    const answer = await this.post(`/${role}/login`, { username, password }, `/${role}/login`);
    if (answer.status !== 303) throw new Error(`${role} ${username} could not log in (${answer.status})`);
    this.csrf = undefined; // login regenerates the session, and with it the token
  }

  private async request(path: string, init: { method: string; body?: string | Buffer; headers?: Record<string, string> }): Promise<Answer> {
    const res = await exchange(this.base + path, init.method, { ...init.headers, ...this.cookieHeader() }, init.body);
    for (const line of res.headers['set-cookie'] ?? []) {
      const [pair, ...attributes] = line.split(';').map(part => part.trim());
      const name = pair.slice(0, pair.indexOf('='));
      // A cleared cookie comes back expired (Express's clearCookie: an Expires in 1970).
      const expired = attributes.some(attribute => /^expires=/i.test(attribute) && Date.parse(attribute.slice(8)) <= Date.now());
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair);
    }
    return { status: res.status, location: res.headers.location, text: res.body.toString('utf8') };
  }

  private cookieHeader(): Record<string, string> {
    return this.cookies.size > 0 ? { cookie: [...this.cookies.values()].join('; ') } : {};
  }
}

export function csrfFrom(html: string): string {
  const match = CSRF_FIELD.exec(html);
  if (!match) throw new Error('the page has no _csrf field');
  return match[1];
}

/**
 * The last match on a page: the newest of its messages. A page shows every message its cookie
 * kept, and a script that posts without reading the page after (postReport) leaves them there.
 */
export function lastMatch(pattern: RegExp, text: string): RegExpExecArray | undefined {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  let last: RegExpExecArray | undefined;
  for (let match = global.exec(text); match; match = global.exec(text)) last = match;
  return last;
}
