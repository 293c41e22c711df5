/**
 * Helpers of the security tests and the route matrix: forms with their `_csrf` token, the session
 * cookie and its attributes, request ids, the app's own route table, and byte searches through
 * DATA_DIR. Kept apart from `http.ts` so that these tests do not move when the role tests do.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import supertest from 'supertest';
import { SESSION_COOKIE } from '../../src/app';
import type { AppContext } from '../../src/context';
import { HOMES, LOGIN_PAGES as REGISTRY_LOGIN_PAGES, type SessionRole } from '../../src/domain/roles';

export type Agent = ReturnType<typeof supertest.agent>;
export type Response = supertest.Response;
export type Fields = Record<string, string | string[]>;
export type Headers = Record<string, string>;
/** Every role that signs in (the registry's). */
export type LoginRole = SessionRole;

/** Text as EJS's `<%= %>` writes it. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);
}

const CSRF_FIELD = /<input type="hidden" name="_csrf" value="([^"]+)">/;

export function csrfFrom(html: string): string {
  const match = CSRF_FIELD.exec(html);
  assert.ok(match, 'the page has no _csrf field');
  return match[1];
}

/** The `_csrf` token of the agent's session, read from a page that has a form (any visitor may open it). */
export async function tokenOf(agent: Agent, pagePath = '/patient/login', headers: Headers = {}): Promise<string> {
  const res = await agent.get(pagePath).set(headers);
  assert.equal(res.status, 200, `GET ${pagePath} answered ${res.status}`);
  return csrfFrom(res.text);
}

/**
 * POSTs a form. The session's token is added unless `fields` has its own `_csrf`, or `withToken`
 * is false (then the form goes without one).
 */
export async function postForm(
  agent: Agent,
  actionPath: string,
  fields: Fields,
  options: { headers?: Headers; withToken?: boolean } = {},
): Promise<Response> {
  const headers = options.headers ?? {};
  const body = options.withToken === false || '_csrf' in fields ? fields : { _csrf: await tokenOf(agent, '/patient/login', headers), ...fields };
  return agent.post(actionPath).set(headers).type('form').send(body);
}

/** Every role's login page and home, from the role registry (a role added there comes with its own). */
export const LOGIN_PAGES: Readonly<Record<LoginRole, string>> = REGISTRY_LOGIN_PAGES;
export const HOME_PAGES: Readonly<Record<LoginRole, string>> = HOMES;

/** A new agent (cookie jar) logged in as `username`; fails unless the form answers 303 to the role's home. */
export async function loginAgent(app: Express, role: LoginRole, username: string, password: string, headers: Headers = {}): Promise<Agent> {
  const agent = supertest.agent(app);
  const res = await postForm(agent, LOGIN_PAGES[role], { username, password }, { headers });
  assert.equal(res.status, 303, `${role} ${username} could not log in (${res.status})`);
  assert.equal(res.headers.location, HOME_PAGES[role]);
  return agent;
}

/** Checks a 303 to `location` and returns the page there (its flash included). */
export async function followed(agent: Agent, res: Response, location: string): Promise<string> {
  assert.equal(res.status, 303, `expected 303, got ${res.status}: ${res.text.slice(0, 1500)}`);
  assert.equal(res.headers.location, location);
  const page = await agent.get(location);
  assert.equal(page.status, 200, `GET ${location} answered ${page.status}`);
  return page.text;
}

/** Every `Set-Cookie` line of a response. */
export function setCookies(res: Response): string[] {
  const header = res.headers['set-cookie'] as unknown;
  if (header === undefined) return [];
  return Array.isArray(header) ? header.map(String) : [String(header)];
}

export interface SessionCookie {
  /** `ehr.sid=<value>`, ready for a `Cookie` header. */
  readonly pair: string;
  readonly value: string;
  /** The attributes after the value, lower-cased names: `httponly`, `samesite=lax`, `secure`, … */
  readonly attributes: readonly string[];
}

/** The session cookie the response sets, or undefined. */
export function sessionCookie(res: Response): SessionCookie | undefined {
  const line = setCookies(res).find(cookie => cookie.startsWith(`${SESSION_COOKIE}=`));
  if (!line) return undefined;
  const [pair, ...attributes] = line.split(';').map(part => part.trim());
  return { pair, value: pair.slice(SESSION_COOKIE.length + 1), attributes: attributes.map(a => a.toLowerCase()) };
}

const REQUEST_ID = /Request id <span class="mono">([^<]+)<\/span>/;

/** The request id an error page shows, or undefined. */
export function requestIdOf(html: string): string | undefined {
  return REQUEST_ID.exec(html)?.[1];
}

/** A different client address on every call, for `X-Forwarded-For` behind a trusted proxy. */
let nextIp = 0;
export function uniqueIp(): string {
  nextIp += 1;
  return `10.${(nextIp >> 16) & 255}.${(nextIp >> 8) & 255}.${nextIp & 255}`;
}

/** The context with another trust-proxy setting (the config itself is read-only). */
export function withTrustProxy(context: AppContext, trustProxy: number): AppContext {
  return { ...context, config: { ...context.config, trustProxy } };
}

// ─── The app's own route table ──────────────────────────────────────────────────────────────────

interface RouteLike {
  readonly path: unknown;
  readonly methods: Record<string, boolean | undefined>;
}

interface LayerLike {
  readonly route?: RouteLike;
  readonly handle?: { readonly stack?: readonly LayerLike[] };
  readonly rawPath?: unknown;
}

function joinPaths(prefix: string, routePath: string): string {
  const joined = `${prefix.replace(/\/+$/, '')}/${routePath.replace(/^\/+/, '')}`;
  return joined.length > 1 ? joined.replace(/\/+$/, '') : joined;
}

/**
 * Every route of the app as `METHOD /path`, sorted: route layers of the app's router and of every
 * router mounted in it (at any depth). Throws on what it cannot name exactly (a route for all
 * methods, a path that is not a string), so that such a route cannot slip past the table.
 */
export function appRoutes(app: Express): string[] {
  const router = (app as unknown as { router?: { stack?: readonly LayerLike[] } }).router;
  assert.ok(router?.stack, 'the app has no router stack (is this Express 5?)');
  const found: string[] = [];
  const walk = (stack: readonly LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const { path: routePath, methods } = layer.route;
        if (typeof routePath !== 'string') throw new Error(`a route with a path that is not a string under ${prefix}: ${String(routePath)}`);
        if (methods._all) throw new Error(`route ${joinPaths(prefix, routePath)} answers every method (app.all)`);
        for (const [method, on] of Object.entries(methods)) if (on) found.push(`${method.toUpperCase()} ${joinPaths(prefix, routePath)}`);
      } else if (Array.isArray(layer.handle?.stack)) {
        const mount = layer.rawPath ?? '/';
        if (typeof mount !== 'string') throw new Error(`a router mounted at a path that is not a string: ${String(mount)}`);
        walk(layer.handle.stack, joinPaths(prefix, mount));
      }
    }
  };
  walk(router.stack, '/');
  return [...new Set(found)].sort();
}

// ─── Searching DATA_DIR ────────────────────────────────────────────────────────────────────────

/** Every regular file under `dir`, at any depth. */
export function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(full));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

/** The files under `dir` whose bytes contain any of `needles`; files that vanish while read are skipped. */
export function filesContaining(dir: string, needles: readonly Buffer[]): string[] {
  const hits: string[] = [];
  for (const file of filesUnder(dir)) {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if (needles.some(needle => bytes.includes(needle))) hits.push(path.relative(dir, file));
  }
  return hits;
}
