/** How acts on the ledger read to people: labels of acts and of who did them. */
import type { ActName, ActRow } from '../../store/acts';

export const ACT_LABELS: Readonly<Record<ActName, string>> = {
  'hospital-added': 'Hospital added',
  'doctor-added': 'Doctor added',
  'patient-registered': 'Patient registered',
  'report-added': 'Report added',
  'report-shared': 'Report shared',
  'report-revoked': 'Access revoked',
  prescribed: 'Prescription written',
  opened: 'Report opened',
};

/** The actor as a name: the admin, a username, or the bare address of an account the app does not know. */
export function actorLabel(row: Pick<ActRow, 'actor' | 'actorUsername'>): string {
  if (row.actor === null) return 'admin';
  return row.actorUsername ?? row.actor;
}
