/**
 * The world most app tests start from, built through the services (as the admin's and the
 * patients' forms would): hospitals, doctors at them, patients, and reports shared with some
 * hospitals. Each test says what its world holds; names and passwords are the test's own, so
 * what it asserts about them reads the same as before.
 */
import type { AppContext } from '../../src/context';
import type { Services } from '../../src/services';
import { sqlOf } from './context';

export const WORLD_PASSWORD = 'password1';

export interface WorldHospital {
  readonly name: string;
  readonly address?: string;
  readonly phone?: string;
}

export interface WorldDoctor {
  readonly username: string;
  /** The hospital's name, one of the world's. */
  readonly hospital: string;
  readonly fullName?: string;
  readonly password?: string;
  readonly email?: string;
  readonly specialty?: string;
}

export interface WorldPatient {
  readonly username: string;
  readonly fullName?: string;
  readonly password?: string;
  readonly email?: string;
  readonly phone?: string;
}

export interface WorldReport {
  /** The patient's username. */
  readonly patient: string;
  readonly title: string;
  readonly disease?: string;
  readonly details?: string;
  /** Names of the hospitals it is shared with. */
  readonly sharedWith?: readonly string[];
}

export interface WorldSpec {
  readonly hospitals: readonly WorldHospital[];
  readonly doctors?: readonly WorldDoctor[];
  readonly patients?: readonly WorldPatient[];
  readonly reports?: readonly WorldReport[];
}

export interface World {
  /** Hospital ids by name. */
  readonly hospitals: Readonly<Record<string, number>>;
  /** User ids by username (doctors and patients). */
  readonly users: Readonly<Record<string, number>>;
  /** Report ids, in the order of `spec.reports`. */
  readonly reports: readonly number[];
}

/** Where a test's users live: a context, or anything with its database. */
type HasDb = Pick<AppContext, 'store'>;

/** The id of the user `username` (a patient or a doctor); throws when there is none. */
export function userIdOf(context: HasDb, username: string): number {
  const row = sqlOf(context).prepare<[string], { id: number }>('SELECT id FROM users WHERE username = ?').get(username);
  if (!row) throw new Error(`no user ${username}`);
  return row.id;
}

/** The account address of the user `username`. */
export function addressOf(context: HasDb, username: string): string {
  const row = sqlOf(context).prepare<[string], { address: string }>('SELECT address FROM users WHERE username = ?').get(username);
  if (!row) throw new Error(`no user ${username}`);
  return row.address;
}

/** Admin, hospitals, doctors, patients and shared reports, in that order, each a transaction. */
export async function seedWorld(context: HasDb, services: Services, spec: WorldSpec): Promise<World> {
  const hospitals: Record<string, number> = {};
  for (const { name, address = `${name} Street 1`, phone = '111' } of spec.hospitals) {
    hospitals[name] = (await services.admin.addHospital({ name, address, phone })).hospitalId;
  }
  const hospitalId = (name: string) => {
    const id = hospitals[name];
    if (id === undefined) throw new Error(`no hospital ${name} in this world`);
    return id;
  };
  const users: Record<string, number> = {};
  for (const doctor of spec.doctors ?? []) {
    const { username, fullName = username, password = WORLD_PASSWORD, email = `${username}@example.org`, specialty = 'GP' } = doctor;
    await services.admin.addDoctor({ fullName, username, password, email, specialty, hospitalId: hospitalId(doctor.hospital) });
    users[username] = userIdOf(context, username);
  }
  for (const patient of spec.patients ?? []) {
    const { username, fullName = username, password = WORLD_PASSWORD, email = `${username}@example.org`, phone = '123' } = patient;
    await services.patients.signup({ username, password, email, fullName, phone });
    users[username] = userIdOf(context, username);
  }
  const reports: number[] = [];
  for (const report of spec.reports ?? []) {
    const patient = users[report.patient] ?? userIdOf(context, report.patient);
    const { title, disease = 'D', details = 'X', sharedWith = [] } = report;
    reports.push((await services.patients.addReport(patient, { title, disease, details, hospitalIds: sharedWith.map(hospitalId) })).reportId);
  }
  return { hospitals, users, reports };
}
