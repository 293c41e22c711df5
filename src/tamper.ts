/**
 * `npm run tamper -- <reportId> [--file] [--undo]`: the classroom tamper demo (see README): a
 * report's stored body, or with `--file` its first attached file. Works on the
 * database of the data set that DATA_DIR names (default `./data`; the demo's is `data/demo`),
 * with or without the app running. Exit codes: 0 done (or nothing to do), 1 no such report or
 * data set, 2 wrong arguments.
 */
import { loadConfig } from './config';
import { restoreFile, restoreReport, tamperWithFile, tamperWithReport, TamperError } from './features/records/tamper';
import { openStore, storeExists } from './store';

const USAGE = 'usage: npm run tamper -- <reportId> [--file] [--undo]   (the data set is DATA_DIR, default ./data)';

async function main(argv: readonly string[]): Promise<number> {
  const undo = argv.includes('--undo');
  const file = argv.includes('--file');
  const rest = argv.filter(arg => arg !== '--undo' && arg !== '--file');
  if (rest.length !== 1 || !/^[1-9][0-9]{0,9}$/.test(rest[0])) {
    console.error(USAGE);
    return 2;
  }
  const reportId = Number(rest[0]);

  let dataDir: string;
  let databaseUrl: string | undefined;
  try {
    ({ dataDir, databaseUrl } = loadConfig());
  } catch (error) {
    console.error(`tamper: ${(error as Error).message}`);
    return 2;
  }
  // Never make a new, empty data set where the user meant an existing one.
  const missing = storeExists({ dataDir, databaseUrl });
  if (missing !== true) {
    console.error(`tamper: there is no data set in ${dataDir} (${missing}); set DATA_DIR to the app's data directory, e.g. DATA_DIR=data/demo`);
    return 1;
  }

  const store = await openStore({ dataDir, databaseUrl });
  try {
    if (file) return await tamperFile(store, reportId, dataDir, undo);
    if (undo) {
      const { commitment, restored } = await restoreReport(store, reportId);
      if (!restored) {
        console.log(`report ${reportId} in ${dataDir} is not tampered: its stored body matches ${commitment} on the ledger. Nothing to undo.`);
      } else {
        console.log(`report ${reportId} in ${dataDir}: its original stored body is restored and matches ${commitment} on the ledger again.`);
        console.log('Open the report again: it is Verified and its content is shown.');
      }
      return 0;
    }
    const { commitment, alreadyTampered } = await tamperWithReport(store, reportId);
    if (alreadyTampered) {
      console.log(`report ${reportId} in ${dataDir} is already tampered: its stored body does not match ${commitment} on the ledger. Nothing changed; undo with npm run tamper -- ${reportId} --undo`);
      return 0;
    }
    console.log(`report ${reportId}: one byte of its stored ciphertext flipped in ${dataDir}; the ledger still commits to ${commitment}.`);
    console.log(`Open the report as its patient or a doctor: it is now marked Tampered and its content withheld. Undo with npm run tamper -- ${reportId} --undo`);
    return 0;
  } catch (error) {
    if (!(error instanceof TamperError)) throw error;
    console.error(`tamper: ${error.message} (${dataDir})`);
    return 1;
  } finally {
    await store.close();
  }
}

async function tamperFile(store: Awaited<ReturnType<typeof openStore>>, reportId: number, dataDir: string, undo: boolean): Promise<number> {
  if (undo) {
    const { fileId, unchanged } = await restoreFile(store, reportId);
    console.log(
      unchanged
        ? `report ${reportId}'s file ${fileId} in ${dataDir} was not tampered with by this command. Nothing to undo.`
        : `report ${reportId}'s file ${fileId} in ${dataDir}: the flipped byte is flipped back; it matches its hash on the ledger's record again.`,
    );
    return 0;
  }
  const { fileId, unchanged } = await tamperWithFile(store, reportId);
  if (unchanged) {
    console.log(`report ${reportId}'s file ${fileId} in ${dataDir} is already tampered. Nothing changed; undo with npm run tamper -- ${reportId} --file --undo`);
    return 0;
  }
  console.log(`report ${reportId}'s file ${fileId}: one byte of its stored bytes flipped in ${dataDir}; its record on the ledger still commits to the original hash.`);
  console.log(`Open the file from the report's page: it is withheld as tampered. Undo with npm run tamper -- ${reportId} --file --undo`);
  return 0;
}

void main(process.argv.slice(2)).then(code => (process.exitCode = code));
