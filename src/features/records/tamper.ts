/**
 * Alters a stored report body the way an attacker with the database would, for a class to watch
 * the ledger catch it: one byte of the ciphertext is flipped, the commitment on the ledger is
 * untouched, so the next page that shows the report marks it Tampered and withholds it.
 */
import type { Db } from '../../store/database';

export function tamperWithReport(db: Db, reportId: number): { commitment: string } {
  const row = db
    .prepare<[number], { commitment: string; envelope: string }>(
      'SELECT b.commitment, b.envelope FROM ledger_reports r JOIN bodies b ON b.commitment = r.commitment WHERE r.id = ?',
    )
    .get(reportId);
  if (!row) throw new Error(`there is no stored body for report ${reportId}`);
  const parts = row.envelope.split('.');
  const ciphertext = Buffer.from(parts[3], 'base64url');
  ciphertext[0] ^= 0x01;
  parts[3] = ciphertext.toString('base64url');
  db.prepare('UPDATE bodies SET envelope = ? WHERE commitment = ?').run(parts.join('.'), row.commitment);
  return { commitment: row.commitment };
}
