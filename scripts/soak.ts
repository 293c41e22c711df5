/**
 * `npm run soak -- --minutes N [--every S] [--workers W]`: starts the server on a fresh DATA_DIR
 * (embedded node) and runs mixed traffic of every role against it for N minutes — the admin's
 * lists, patients signing up, adding reports, sharing and revoking, doctors opening shared
 * reports and prescribing, and /healthz. Every S seconds (30) it prints the requests, errors,
 * p95 latency and the server's RSS; at the end a summary. Exits 1 on any error, or when memory
 * grew: the median RSS of the last third of the run above the first third's by more than 20%
 * (the first minute, or tenth of a short run, is warm-up and not counted).
 *
 * Every action is one a user may take at that moment, so every answer is expected: 200 for a
 * page, 303 for a form. Revokes only touch a hospital without doctors, so no doctor's open
 * report is revoked under them; anything else is an error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import supertest from 'supertest';
import { freePort, startServer } from '../bench/server';
import { median, percentile } from '../bench/stats';

type Agent = ReturnType<typeof supertest.agent>;

const { values: args } = parseArgs({
  options: { minutes: { type: 'string', default: '10' }, every: { type: 'string', default: '30' }, workers: { type: 'string', default: '4' } },
});
const MINUTES = Number(args.minutes);
const EVERY_MS = Number(args.every) * 1000;
const WORKERS = Number(args.workers);
if (!(MINUTES > 0) || !(EVERY_MS > 0) || !(WORKERS >= 1)) {
  console.error('usage: npm run soak -- --minutes N [--every seconds] [--workers W]');
  process.exit(2);
}
const PASSWORD = 'soak-password';

// ─── Measurements ────────────────────────────────────────────────────────────────────────────

interface Sample {
  readonly at: number;
  readonly ms: number;
}
const samples: Sample[] = [];
const errors: string[] = [];
const rss: { at: number; mb: number }[] = [];
let intervalStart = 0;

/** Runs one request, timing it and checking its status. */
async function call(label: string, expected: number, request: () => supertest.Test): Promise<supertest.Response | undefined> {
  const started = Date.now();
  try {
    const res = await request();
    samples.push({ at: Date.now(), ms: Date.now() - started });
    if (res.status !== expected) {
      errors.push(`${new Date().toISOString()} ${label}: ${res.status} (expected ${expected}) ${res.text.replace(/\s+/g, ' ').slice(0, 200)}`);
      return undefined;
    }
    return res;
  } catch (error) {
    samples.push({ at: Date.now(), ms: Date.now() - started });
    errors.push(`${new Date().toISOString()} ${label}: ${(error as Error).message}`);
    return undefined;
  }
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

// ─── The server ──────────────────────────────────────────────────────────────────────────────

const SOAK_ADMIN_PASSWORD = 'admin'; // the default, as a fresh `npm start` has it

async function startSoakServer() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ehr-soak-'));
  const server = await startServer({ dataDir, port: await freePort(), chainPort: await freePort(), adminPassword: SOAK_ADMIN_PASSWORD });
  return { ...server, dataDir };
}

// ─── Users ───────────────────────────────────────────────────────────────────────────────────

interface Patient {
  readonly agent: Agent;
  token: string;
  /** Report id → whether the hospital without doctors has access. */
  readonly reports: Map<number, boolean>;
}

interface Doctor {
  readonly agent: Agent;
  token: string;
}

async function login(url: string, role: 'admin' | 'patient' | 'doctor', username: string, password: string): Promise<{ agent: Agent; token: string }> {
  const agent = supertest.agent(url);
  const form = await call(`GET /${role}/login`, 200, () => agent.get(`/${role}/login`));
  await call(`POST /${role}/login`, 303, () => agent.post(`/${role}/login`).type('form').send({ _csrf: csrfOf(form?.text ?? ''), username, password }));
  const home = await call(`GET /${role}`, 200, () => agent.get(`/${role}`));
  return { agent, token: csrfOf(home?.text ?? '') };
}

let patientCount = 0;
async function newPatient(url: string): Promise<Patient | undefined> {
  const username = `patient${++patientCount}`;
  const visitor = supertest.agent(url);
  const form = await call('GET /patient/signup', 200, () => visitor.get('/patient/signup'));
  const signedUp = await call('POST /patient/signup', 303, () =>
    visitor
      .post('/patient/signup')
      .type('form')
      .send({ _csrf: csrfOf(form?.text ?? ''), username, password: PASSWORD, email: `${username}@soak.example`, fullName: `Patient ${patientCount}`, phone: '555 0100' }),
  );
  if (!signedUp) return undefined;
  const { agent, token } = await login(url, 'patient', username, PASSWORD);
  return { agent, token, reports: new Map() };
}

// ─── Traffic ─────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  console.log(`soak: ${MINUTES} min, ${WORKERS} workers, a line every ${EVERY_MS / 1000} s`);
  const server = await startSoakServer();
  const { url } = server;
  console.log(`soak: server ${server.pid} at ${url}, DATA_DIR ${server.dataDir}`);

  // The admin: hospitals 1 and 2 with two doctors each; hospital 3 has none (share/revoke go there).
  const admin = await login(url, 'admin', 'admin', SOAK_ADMIN_PASSWORD);
  const hospitals: number[] = [];
  for (const name of ['Apollo', 'Care', 'Lakeside']) {
    await call('POST /admin/hospitals', 303, () => admin.agent.post('/admin/hospitals').type('form').send({ _csrf: admin.token, name, address: `${name} Road`, phone: '555 0000' }));
  }
  const console_ = await call('GET /admin', 200, () => admin.agent.get('/admin'));
  for (const match of (console_?.text ?? '').matchAll(/<tr><td>(\d+)<\/td><td>(Apollo|Care|Lakeside)<\/td>/g)) hospitals.push(Number(match[1]));
  if (hospitals.length !== 3) throw new Error(`setup: found hospitals ${hospitals.join(', ')}`);
  const [withDoctorsA, withDoctorsB, withoutDoctors] = hospitals;
  const doctors: Doctor[] = [];
  for (const [i, hospitalId] of [withDoctorsA, withDoctorsA, withDoctorsB, withDoctorsB].entries()) {
    const username = `doctor${i + 1}`;
    await call('POST /admin/doctors', 303, () =>
      admin.agent
        .post('/admin/doctors')
        .type('form')
        .send({ _csrf: admin.token, fullName: `Doctor ${i + 1}`, username, password: PASSWORD, email: `${username}@soak.example`, specialty: 'GP', hospitalId: String(hospitalId) }),
    );
    doctors.push(await login(url, 'doctor', username, PASSWORD));
  }
  const patients: Patient[] = [];
  for (let i = 0; i < 3; i++) {
    const patient = await newPatient(url);
    if (patient) patients.push(patient);
  }
  if (errors.length > 0) throw new Error(`setup failed:\n${errors.join('\n')}`);

  const actions: { weight: number; run: (patient: Patient) => Promise<unknown> }[] = [
    { weight: 2, run: () => call('GET /healthz', 200, () => supertest(url).get('/healthz')) },
    { weight: 2, run: () => call('GET /admin', 200, () => admin.agent.get('/admin')) },
    {
      weight: 6,
      run: async patient => {
        const page = await call('GET /patient', 200, () => patient.agent.get('/patient'));
        const ids = [...(page?.text ?? '').matchAll(/href="\/patient\/reports\/(\d+)"/g)].map(m => Number(m[1]));
        if (ids.length > 0) await call('GET /patient/reports/:id', 200, () => patient.agent.get(`/patient/reports/${pick(ids)}`));
      },
    },
    {
      weight: 5,
      run: async patient => {
        const shared = [pick([withDoctorsA, withDoctorsB]), ...(Math.random() < 0.3 ? [withoutDoctors] : [])];
        const res = await call('POST /patient/reports', 303, () =>
          patient.agent
            .post('/patient/reports')
            .type('form')
            .send(
              new URLSearchParams([
                ['_csrf', patient.token],
                ['title', `Checkup ${Date.now()}`],
                ['disease', 'Flu'],
                ['details', 'Fever for two days.\nRest advised.'],
                ...shared.map((id): [string, string] => ['hospitalIds', String(id)]),
              ]).toString(),
            ),
        );
        if (!res) return;
        const flashed = await call('GET /patient', 200, () => patient.agent.get('/patient'));
        const id = Number(/saved on the ledger as report #(\d+)\./.exec(flashed?.text ?? '')?.[1]);
        if (id > 0) patient.reports.set(id, shared.includes(withoutDoctors));
        else errors.push(`${new Date().toISOString()} the page after a report names no report`);
      },
    },
    {
      weight: 3,
      run: async patient => {
        if (patient.reports.size === 0) return;
        const [id, granted] = pick([...patient.reports]);
        const action = granted ? 'revoke' : 'share';
        // Taken before the answer: the patient's next action sees the new state (one patient acts once at a time).
        patient.reports.set(id, !granted);
        const res = await call(`POST /patient/reports/:id/${action}`, 303, () =>
          patient.agent.post(`/patient/reports/${id}/${action}`).type('form').send({ _csrf: patient.token, hospitalId: String(withoutDoctors) }),
        );
        if (!res) patient.reports.set(id, granted);
      },
    },
    {
      weight: 6,
      run: async () => {
        const doctor = pick(doctors);
        const page = await call('GET /doctor', 200, () => doctor.agent.get('/doctor'));
        const ids = [...(page?.text ?? '').matchAll(/href="\/doctor\/reports\/(\d+)"/g)].map(m => Number(m[1]));
        if (ids.length === 0) return;
        const id = pick(ids);
        await call('GET /doctor/reports/:id', 200, () => doctor.agent.get(`/doctor/reports/${id}`));
        if (Math.random() < 0.5) {
          await call('POST /doctor/reports/:id/prescriptions', 303, () =>
            doctor.agent
              .post(`/doctor/reports/${id}/prescriptions`)
              .type('form')
              .send({ _csrf: doctor.token, medicines: 'Paracetamol 500 mg', dosage: 'Twice a day', instructions: 'After meals, for five days.' }),
          );
        }
      },
    },
  ];
  const totalWeight = actions.reduce((sum, a) => sum + a.weight, 0);
  const chooseAction = () => {
    let r = Math.random() * totalWeight;
    for (const action of actions) if ((r -= action.weight) < 0) return action;
    return actions[0];
  };

  const started = Date.now();
  const endAt = started + MINUTES * 60_000;
  const busy = new Set<Patient>();
  intervalStart = started;
  const rssTimer = setInterval(() => rss.push({ at: Date.now(), mb: server.rssMb() }), 5000);
  const report = setInterval(() => {
    const now = Date.now();
    const recent = samples.filter(s => s.at >= intervalStart).map(s => s.ms);
    const mb = server.rssMb();
    console.log(
      `${((now - started) / 1000).toFixed(0).padStart(5)} s  requests ${String(recent.length).padStart(5)} (total ${samples.length})  errors ${errors.length}  p95 ${percentile(recent, 95)} ms  RSS ${mb.toFixed(0)} MB  patients ${patients.length}`,
    );
    intervalStart = now;
  }, EVERY_MS);

  // Workers: one patient acts at a time (a person does not click two forms at once); a new
  // patient signs up every 20 s or so.
  let lastSignup = Date.now();
  const worker = async () => {
    while (Date.now() < endAt) {
      if (Date.now() - lastSignup > 20_000) {
        lastSignup = Date.now();
        const patient = await newPatient(url);
        if (patient) patients.push(patient);
        continue;
      }
      const action = chooseAction();
      // Every action is given a patient nobody else is using right now (the others ignore it).
      const free = patients.filter(p => !busy.has(p));
      if (free.length === 0) {
        await sleep(50);
        continue;
      }
      const patient = pick(free);
      busy.add(patient);
      await action.run(patient).finally(() => busy.delete(patient));
      await sleep(50 + Math.random() * 100);
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  clearInterval(report);
  clearInterval(rssTimer);

  // Stop the server as an operator would, and check it stopped cleanly.
  const code = await server.stop();
  if (code !== 0) errors.push(`the server exited with ${code} on SIGTERM`);

  const all = samples.map(s => s.ms);
  const warmUp = started + Math.min(60_000, (MINUTES * 60_000) / 10);
  const counted = rss.filter(r => r.at >= warmUp).map(r => r.mb);
  const third = Math.max(1, Math.floor(counted.length / 3));
  const firstThird = median(counted.slice(0, third));
  const lastThird = median(counted.slice(-third));
  const growth = firstThird > 0 ? (lastThird - firstThird) / firstThird : 0;
  console.log('\nsoak summary');
  console.log(`  duration        ${((Date.now() - started) / 60_000).toFixed(1)} min, ${WORKERS} workers, ${patients.length} patients, ${doctors.length} doctors`);
  console.log(`  requests        ${all.length} (${(all.length / ((Date.now() - started) / 1000)).toFixed(1)}/s)`);
  console.log(`  errors          ${errors.length}`);
  console.log(`  latency         p50 ${percentile(all, 50)} ms, p95 ${percentile(all, 95)} ms, p99 ${percentile(all, 99)} ms, max ${Math.max(0, ...all)} ms`);
  console.log(`  RSS (MB)        min ${Math.min(...rss.map(r => r.mb)).toFixed(0)}, max ${Math.max(...rss.map(r => r.mb)).toFixed(0)}; median first third ${firstThird.toFixed(0)}, last third ${lastThird.toFixed(0)} (${(growth * 100).toFixed(1)}%)`);
  for (const line of errors.slice(0, 20)) console.log(`  error: ${line}`);
  fs.rmSync(server.dataDir, { recursive: true, force: true });
  const grew = growth > 0.2;
  if (grew) console.log('  FAIL: memory grew by more than 20%');
  process.exit(errors.length > 0 || grew ? 1 : 0);
}

main().catch(error => {
  console.error(`soak: ${(error as Error).message}`);
  process.exit(1);
});
