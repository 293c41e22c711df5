/**
 * The one role registry: every role the app knows, with its login page, home, navigation,
 * whether it signs up and what it may do. Everything else that names roles (the `Role` and
 * `SessionRole` types, the login pages, the auth routes, the nav partial, the login throttle,
 * the route matrix) is derived from this table, so a new role is a new entry here, its feature
 * folder and its views. (The users table's CHECK lists the roles with a users row; a role of a
 * new kind needs a migration too: `test/app/domain.test.ts` keeps the two equal.)
 */

/** What a role may do. */
export type Capability =
  /** Add hospitals and staff, see every doctor. */
  | 'administer'
  /** The audit report and the integrity check (the ledger explorer is every signed-in role's). */
  | 'audit'
  /** Add reports, read them, share and revoke them: one's own. */
  | 'own-reports'
  /** Read the reports shared with one's hospital, for treatment. */
  | 'read-shared-reports'
  /** Write a prescription on a report one may read. */
  | 'prescribe'
  /** See and dispense the prescriptions sent to one's pharmacy. */
  | 'dispense'
  /** See and decide the claims filed with one's insurer. */
  | 'decide-claims';

/**
 * Where a role's accounts live: the admin is one built-in account (a setting); patients and staff
 * are rows of the users table, whose CHECK lists exactly the roles of these two kinds.
 */
export type AccountKind = 'admin' | 'patient' | 'staff';

export interface NavEntry {
  readonly label: string;
  readonly path: string;
}

/** A link on the home page. */
export interface EntryLink {
  readonly label: string;
  readonly blurb: string;
}

export interface RoleSpec {
  readonly kind: AccountKind;
  readonly login: {
    readonly path: string;
    /** The login page's title (and heading). */
    readonly title: string;
    /** The home page's link to it. */
    readonly entry: EntryLink;
    /** A line under the form (how the role gets its login). */
    readonly note?: string;
  };
  /** Where a login leads. */
  readonly home: string;
  /** The navigation of a signed-in user of this role, in order. */
  readonly nav: readonly NavEntry[];
  /** Present when the role signs up by itself: its signup page. */
  readonly signup?: { readonly path: string; readonly entry: EntryLink };
  /**
   * Forms whose typed fields outlive an ended session (kept across the login): the path a form
   * posts to → the page that shows it.
   */
  readonly keptForms?: Readonly<Record<string, string>>;
  readonly may: readonly Capability[];
}

/** In the order the home page links them. */
const REGISTRY = {
  admin: {
    kind: 'admin',
    login: { path: '/admin/login', title: 'Admin login', entry: { label: 'Admin', blurb: 'Add hospitals and doctors' } },
    home: '/admin',
    nav: [
      { label: 'Console', path: '/admin' },
      { label: 'Patients', path: '/admin/patients' },
      { label: 'Emergencies', path: '/admin/emergency' },
      { label: 'Ledger', path: '/ledger' },
      { label: 'Audit', path: '/admin/audit' },
      { label: 'Integrity', path: '/admin/integrity' },
    ],
    may: ['administer', 'audit'],
  },
  doctor: {
    kind: 'staff',
    login: {
      path: '/doctor/login',
      title: 'Doctor login',
      entry: { label: 'Doctor Login', blurb: 'Reports shared with your hospital' },
      note: 'Doctors get their login from the admin.',
    },
    home: '/doctor',
    nav: [
      { label: 'Shared reports', path: '/doctor' },
      { label: 'Emergency access', path: '/doctor/emergency' },
      { label: 'Ledger', path: '/ledger' },
      { label: 'Password', path: '/account/password' },
    ],
    may: ['read-shared-reports', 'prescribe'],
  },
  patient: {
    kind: 'patient',
    login: { path: '/patient/login', title: 'Patient login', entry: { label: 'Patient Login', blurb: 'Your reports and prescriptions' } },
    home: '/patient',
    nav: [
      { label: 'My reports', path: '/patient' },
      { label: 'Access log', path: '/patient/access-log' },
      { label: 'Ledger', path: '/ledger' },
      { label: 'Password', path: '/account/password' },
    ],
    signup: { path: '/patient/signup', entry: { label: 'Patient Signup', blurb: 'Create your record' } },
    keptForms: { '/patient/reports': '/patient' },
    may: ['own-reports'],
  },
  pharmacist: {
    kind: 'staff',
    login: {
      path: '/pharmacist/login',
      title: 'Pharmacist login',
      entry: { label: 'Pharmacist Login', blurb: 'Prescriptions sent to your pharmacy' },
      note: 'Pharmacists get their login from the admin.',
    },
    home: '/pharmacist',
    nav: [
      { label: 'Prescriptions', path: '/pharmacist' },
      { label: 'Ledger', path: '/ledger' },
      { label: 'Password', path: '/account/password' },
    ],
    may: ['dispense'],
  },
  insurer: {
    kind: 'staff',
    login: {
      path: '/insurer/login',
      title: 'Insurer login',
      entry: { label: 'Insurer Login', blurb: 'Claims filed with your company' },
      note: "An insurer's staff get their login from the admin.",
    },
    home: '/insurer',
    nav: [
      { label: 'Claims', path: '/insurer' },
      { label: 'Ledger', path: '/ledger' },
      { label: 'Password', path: '/account/password' },
    ],
    may: ['decide-claims'],
  },
} as const satisfies Record<string, RoleSpec>;

/** Every role a session can hold. */
export type SessionRole = keyof typeof REGISTRY;

/** The roles with a users row (patients and staff; not the admin). */
export type Role = { [K in SessionRole]: (typeof REGISTRY)[K]['kind'] extends 'admin' ? never : K }[SessionRole];

export const ROLES: Readonly<Record<SessionRole, RoleSpec>> = REGISTRY;

/** Every role, in the registry's order. */
export const ROLE_NAMES = Object.keys(REGISTRY) as readonly SessionRole[];

/** The roles of users rows: exactly the values the users table's CHECK allows. */
export const USER_ROLES = ROLE_NAMES.filter((role): role is Role => ROLES[role].kind !== 'admin');

export const isUserRole = (role: SessionRole): role is Role => ROLES[role].kind !== 'admin';

/** Whether the role is staff of an organisation (a doctor…): the admin can remove them. */
export const isStaffRole = (role: SessionRole): boolean => ROLES[role].kind === 'staff';

/** Each role's login page. */
export const LOGIN_PAGES = Object.fromEntries(ROLE_NAMES.map(role => [role, ROLES[role].login.path])) as Readonly<Record<SessionRole, string>>;

/** Each role's home. */
export const HOMES = Object.fromEntries(ROLE_NAMES.map(role => [role, ROLES[role].home])) as Readonly<Record<SessionRole, string>>;

/** Whether `role` may do `capability`. */
export const may = (role: SessionRole, capability: Capability): boolean => ROLES[role].may.includes(capability);

/** The kept forms of every role: the path a form posts to → its role and page. */
export const KEPT_FORMS: Readonly<Record<string, { role: SessionRole; page: string }>> = Object.fromEntries(
  ROLE_NAMES.flatMap(role => Object.entries(ROLES[role].keptForms ?? {}).map(([path, page]) => [path, { role, page }])),
);

/** Who is signed in, as a session holds it. */
export interface SessionUser {
  readonly role: SessionRole;
  /** The users row; 0 for the admin. */
  readonly id: number;
  readonly username: string;
  readonly displayName: string;
}
