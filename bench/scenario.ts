/**
 * The acts the benchmark drives over HTTP, as the app's users make them: the admin's set-up,
 * signups, reports, sharing, revoking, prescribing and reading the doctor's dashboard.
 */
import { lastMatch, User } from './http';

export const PASSWORD = 'bench-pass-42';
/** A 1 KB report: the figure the gas targets speak of (only its hash reaches the ledger). */
export const REPORT_1KB = { title: 'Annual check-up', disease: 'Hypertension', details: 'Blood pressure 150/95 mmHg. '.repeat(37).slice(0, 1024) };

export interface Hospital {
  readonly id: number;
  readonly name: string;
}

export async function addHospital(admin: User, name: string): Promise<Hospital> {
  const { page } = await admin.write('/admin/hospitals', { name, address: `${name} Road 1`, phone: '+91 33 4000 1000' }, '/admin');
  const row = new RegExp(`<tr><td>(\\d+)</td><td>${name}</td>`).exec(page);
  if (!row) throw new Error(`hospital ${name} is not listed`);
  return { id: Number(row[1]), name };
}

export async function addDoctor(admin: User, username: string, hospital: Hospital): Promise<void> {
  await admin.write(
    '/admin/doctors',
    { fullName: `Dr ${username}`, username, password: PASSWORD, email: `${username}@bench.example`, specialty: 'General', hospitalId: String(hospital.id) },
    '/admin',
  );
}

/** Signs up as a visitor; resolves to the signup's transaction. */
export async function signup(base: string, username: string): Promise<string> {
  const visitor = new User(base);
  const fields = { username, password: PASSWORD, email: `${username}@bench.example`, fullName: `Patient ${username}`, phone: '+91 98300 11111' };
  return (await visitor.write('/patient/signup', fields, '/patient/signup')).transactionHash;
}

export async function loggedIn(base: string, role: 'admin' | 'patient' | 'doctor', username: string, password = PASSWORD): Promise<User> {
  const user = new User(base);
  await user.login(role, username, password);
  return user;
}

/** Adds the 1 KB report; resolves to its id and transaction. */
export async function addReport(patient: User, hospitals: readonly Hospital[]): Promise<{ reportId: number; transactionHash: string }> {
  const saved = await patient.write('/patient/reports', { ...REPORT_1KB, hospitalIds: hospitals.map(h => String(h.id)) }, '/patient');
  const id = lastMatch(/saved on the ledger as report #(\d+)\./, saved.page);
  if (!id) throw new Error('the flash does not name the report');
  return { reportId: Number(id[1]), transactionHash: saved.transactionHash };
}

/** Adds the report without following the redirect: the write as the throughput test counts it. */
export async function postReport(patient: User, hospitals: readonly Hospital[]): Promise<void> {
  const answer = await patient.post('/patient/reports', { ...REPORT_1KB, hospitalIds: hospitals.map(h => String(h.id)) }, '/patient');
  if (answer.status !== 303) throw new Error(`POST /patient/reports answered ${answer.status}`);
}

export async function changeGrant(patient: User, reportId: number, hospital: Hospital, action: 'share' | 'revoke'): Promise<string> {
  return (await patient.write(`/patient/reports/${reportId}/${action}`, { hospitalId: String(hospital.id) }, '/patient')).transactionHash;
}

export async function prescribe(doctor: User, reportId: number): Promise<string> {
  const fields = { medicines: 'Amlodipine 5 mg', dosage: 'Once a day', instructions: 'After breakfast; review in 4 weeks' };
  return (await doctor.write(`/doctor/reports/${reportId}/prescriptions`, fields, '/doctor')).transactionHash;
}
