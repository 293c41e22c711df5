/**
 * Driving the app over HTTP as its users do: one supertest agent (one cookie jar) per user, the
 * form's `_csrf` token read from a page of that session, `application/x-www-form-urlencoded`
 * bodies, and fixture builders that check each write answered 303 and named its transaction.
 */
import type { NewDoctor } from '../../src/features/admin/service';
import assert from 'node:assert/strict';
import type { Express } from 'express';
import supertest from 'supertest';
import type { SessionRole } from '../../src/domain/roles';

export type Agent = ReturnType<typeof supertest.agent>;
export type Response = supertest.Response;
/** Every role that signs in (the registry's). */
export type Role = SessionRole;
export type Fields = Record<string, string | string[]>;

/** The flash a page shows after a write: `Transaction <hash> · block <n>` (each a link to the explorer). */
const LEDGER_FLASH = /Transaction <a class="mono" href="\/ledger\/tx\/0x[0-9a-f]{64}">(0x[0-9a-f]{64})<\/a> · block <a href="\/ledger\/blocks\/\d+">(\d+)<\/a>/;

/** Where a write landed on the ledger, as the page after it says. */
export interface Saved {
  readonly transactionHash: string;
  readonly blockNumber: number;
  /** The page the redirect led to, flash included. */
  readonly page: string;
}

/** Text as EJS's `<%= %>` writes it. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function csrfFrom(html: string): string {
  const match = /<input type="hidden" name="_csrf" value="([^"]+)">/.exec(html);
  assert.ok(match, 'the page has no _csrf field');
  return match[1];
}

/** GETs `pagePath` (expecting 200) and returns its body. */
export async function page(agent: Agent, pagePath: string): Promise<string> {
  const res = await agent.get(pagePath);
  assert.equal(res.status, 200, `GET ${pagePath} answered ${res.status}`);
  return res.text;
}

/** Posts `fields` to `actionPath` with the token of a fresh `pagePath`; `fields` may override `_csrf`. */
export async function post(agent: Agent, pagePath: string, actionPath: string, fields: Fields): Promise<Response> {
  const _csrf = csrfFrom(await page(agent, pagePath));
  return agent.post(actionPath).type('form').send({ _csrf, ...fields });
}

/** The flash's transaction and block on `html`, or undefined. */
export function ledgerFlash(html: string): { transactionHash: string; blockNumber: number } | undefined {
  const match = LEDGER_FLASH.exec(html);
  return match ? { transactionHash: match[1], blockNumber: Number(match[2]) } : undefined;
}

/** Checks `res` is a 303 to `location` and returns what the page there says was saved. */
export async function followSaved(agent: Agent, res: Response, location: string): Promise<Saved> {
  assert.equal(res.status, 303, `expected 303, got ${res.status}: ${res.text.slice(0, 2000)}`);
  assert.equal(res.headers.location, location);
  const html = await page(agent, location);
  const saved = ledgerFlash(html);
  assert.ok(saved, `no transaction flash on ${location}`);
  return { ...saved, page: html };
}

export async function login(app: Express, role: Role, username: string, password: string): Promise<Agent> {
  const agent = supertest.agent(app);
  const res = await post(agent, `/${role}/login`, `/${role}/login`, { username, password });
  assert.equal(res.status, 303, `${role} ${username} could not log in (${res.status})`);
  assert.equal(res.headers.location, `/${role}`);
  return agent;
}

export function assertIncludes(html: string, ...texts: string[]): void {
  for (const text of texts) assert.ok(html.includes(text), `expected the page to include ${text}`);
}

export function assertExcludes(html: string, ...texts: string[]): void {
  for (const text of texts) assert.ok(!html.includes(text), `expected the page not to include ${text}`);
}

/** Every `<tr>…</tr>` of the page. */
export function rows(html: string): string[] {
  return html.match(/<tr>[\s\S]*?<\/tr>/g) ?? [];
}

/** The one table row that contains `text`. */
export function rowWith(html: string, text: string): string {
  const found = rows(html).filter(row => row.includes(text));
  assert.equal(found.length, 1, `expected one row with ${text}, found ${found.length}`);
  return found[0];
}

/** The message next to each field of a 400 page, by the field's element id. */
export function fieldErrors(html: string): Record<string, string> {
  return Object.fromEntries([...html.matchAll(/<p class="field__error" id="([^"]+)-error">([^<]*)<\/p>/g)].map(m => [m[1], m[2]]));
}

/** What an input or textarea (by element id) holds on the page, as HTML. */
export function fieldValue(html: string, id: string): string {
  const input = new RegExp(`<input id="${escapeRegExp(id)}"[^>]*? value="([^"]*)"`).exec(html);
  const textarea = new RegExp(`<textarea id="${escapeRegExp(id)}"[^>]*>([^<]*)</textarea>`).exec(html);
  const match = input ?? textarea;
  assert.ok(match, `no field #${id} on the page`);
  return match[1];
}

/** The values of the options selected in a select (by element id). */
export function selectedOptions(html: string, id: string): string[] {
  const select = new RegExp(`<select id="${escapeRegExp(id)}"[\\s\\S]*?</select>`).exec(html);
  assert.ok(select, `no select #${id} on the page`);
  return [...select[0].matchAll(/<option value="([^"]*)" selected>/g)].map(m => m[1]);
}

/** The values of the ticked checkboxes named `name`. */
export function checkedBoxes(html: string, name: string): string[] {
  const boxes = [...html.matchAll(new RegExp(`<input type="checkbox" name="${escapeRegExp(name)}" value="([^"]*)"([^>]*)>`, 'g'))];
  assert.ok(boxes.length > 0, `no checkbox ${name} on the page`);
  return boxes.filter(m => /\bchecked\b/.test(m[2])).map(m => m[1]);
}

/** The ids of the reports a page links to under `base` (`/patient/reports` or `/doctor/reports`), in page order. */
export function extractReportIds(html: string, base = '/patient/reports'): number[] {
  return [...html.matchAll(new RegExp(`href="${escapeRegExp(base)}/(\\d+)"`, 'g'))].map(m => Number(m[1]));
}

// Fixture builders: each drives the form, checks the 303 and its flash, and returns where it landed.

export async function addHospital(admin: Agent, hospital: { name: string; address: string; phone: string }): Promise<Saved & { id: number }> {
  const saved = await followSaved(admin, await post(admin, '/admin', '/admin/hospitals', hospital), '/admin');
  const row = new RegExp(`<tr><td>(\\d+)</td><td>${escapeRegExp(escapeHtml(hospital.name))}</td>`).exec(saved.page);
  assert.ok(row, `hospital ${hospital.name} is not listed`);
  return { ...saved, id: Number(row[1]) };
}

/** A doctor as the admin's form takes it: the service's own type. */
export type DoctorFields = NewDoctor;

export async function addDoctor(admin: Agent, doctor: DoctorFields): Promise<Saved> {
  const res = await post(admin, '/admin', '/admin/doctors', { ...doctor, hospitalId: String(doctor.hospitalId) });
  return followSaved(admin, res, '/admin');
}

export interface PatientFields {
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly fullName: string;
  readonly phone: string;
}

/** Signs up as an anonymous visitor; the result's page is the login page with its flash. */
export async function signupPatient(app: Express, patient: PatientFields): Promise<Saved> {
  const visitor = supertest.agent(app);
  return followSaved(visitor, await post(visitor, '/patient/signup', '/patient/signup', { ...patient }), '/patient/login');
}

export interface ReportFields {
  readonly title: string;
  readonly disease: string;
  readonly details: string;
  readonly hospitalIds: readonly number[];
}

/** Adds a report; `id` is the one the flash names ("saved on the ledger as report #N"). */
export async function addReport(patient: Agent, report: ReportFields): Promise<Saved & { id: number }> {
  const { hospitalIds, ...text } = report;
  const res = await post(patient, '/patient', '/patient/reports', { ...text, hospitalIds: hospitalIds.map(String) });
  const saved = await followSaved(patient, res, '/patient');
  const id = /saved on the ledger as report #(\d+)\./.exec(saved.page);
  assert.ok(id, 'the flash does not name the report');
  return { ...saved, id: Number(id[1]) };
}
