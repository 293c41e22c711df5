/**
 * `npm run tamper -- <reportId>`: the classroom tamper demo (see README). Works on DATA_DIR's
 * database directly, with or without the app running.
 */
import { loadConfig } from './config';
import { tamperWithReport } from './features/records/tamper';
import { openDatabase } from './store/database';

const reportId = Number(process.argv[2]);
if (!Number.isInteger(reportId) || reportId < 1) {
  console.error('usage: npm run tamper -- <reportId>');
  process.exit(2);
}
const db = openDatabase(loadConfig().dataDir);
try {
  const { commitment } = tamperWithReport(db, reportId);
  console.log(`report ${reportId}: one byte of its stored ciphertext flipped; the ledger still commits to ${commitment}.`);
  console.log('Open the report as its patient or a doctor: it is now marked Tampered and its content withheld.');
} catch (error) {
  console.error(`tamper: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  db.close();
}
