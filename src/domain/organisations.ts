/**
 * Organisations and their staff, as the contract's second version has them: an organisation is
 * a hospital, a pharmacy or an insurer; each staff role belongs to one kind of organisation.
 */
import { utils } from 'web3';

/** The organisation kinds of the contract's OrganisationKind enum, by index (0 is none). */
export const ORGANISATION_KINDS = [undefined, 'hospital', 'pharmacy', 'insurer'] as const;
export type OrganisationKind = NonNullable<(typeof ORGANISATION_KINDS)[number]>;

/** Every kind of organisation, in the contract's order. */
export const KINDS_OF_ORGANISATION = ORGANISATION_KINDS.filter((kind): kind is OrganisationKind => kind !== undefined);

/** The staff role of each organisation kind. */
export const STAFF_ROLE_OF = {
  hospital: 'doctor',
  pharmacy: 'pharmacist',
  insurer: 'insurer',
} as const satisfies Record<OrganisationKind, string>;
export type StaffRole = (typeof STAFF_ROLE_OF)[OrganisationKind];

/** Every staff role. */
export const STAFF_ROLES: readonly StaffRole[] = Object.values(STAFF_ROLE_OF);

/** The kind of organisation each staff role works at. */
export const ORGANISATION_OF_ROLE = Object.fromEntries(
  KINDS_OF_ORGANISATION.map(kind => [STAFF_ROLE_OF[kind], kind]),
) as Readonly<Record<StaffRole, OrganisationKind>>;

/** The contract's staff role ids (keccak256 of "DOCTOR_ROLE" and so on), each with its role. */
export const STAFF_ROLE_IDS: ReadonlyMap<string, StaffRole> = new Map(
  Object.values(STAFF_ROLE_OF).map(role => [utils.keccak256(Buffer.from(`${role.toUpperCase()}_ROLE`, 'utf8')).toLowerCase(), role]),
);
