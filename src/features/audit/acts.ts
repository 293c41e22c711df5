/** How acts on the ledger read to people: labels of acts and of who did them. */
import type { ActRow } from '../../store/ports';

/** Each act's label, from the act vocabulary. */
export { ACT_LABELS } from '../../domain/acts';

/** The actor as a name: the admin, a username, or the bare address of an account the app does not know. */
export function actorLabel(row: Pick<ActRow, 'actor' | 'actorUsername'>): string {
  if (row.actor === null) return 'admin';
  return row.actorUsername ?? row.actor;
}
