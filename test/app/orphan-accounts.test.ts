/**
 * Custodial accounts that no login came to use (src/keys/orphans.ts): what a signup leaves when
 * it stops after its account was made, funded and registered on the ledger but before its login
 * was stored. The next start names them in one line and keeps them, and frees the username at
 * once rather than after the reservation window.
 */
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { openSqliteStore } from '../../src/store/sqlite';
import { freePort, startTestContext, tempDataDir } from '../support/context';
import { followSaved, post } from '../support/http';
import { startServerProcess } from '../support/process';

describe('a signup that stopped between its registration on the ledger and its login', function () {
  this.timeout(180_000);

  it('is named at the next start in one line, its account kept, and its username free at once', async () => {
    const dataDir = tempDataDir('orphans');
    // What such a signup leaves (a crash, or a 503 "may or may not have been saved"): its name
    // reserved, its account made, topped up and registered as a patient, and no user row.
    const context = await startTestContext({ DATA_DIR: dataDir, NODE_ENV: 'production' });
    let orphan: string;
    try {
      assert.equal(await context.store.users.reserve('erin', Date.now(), 0), true);
      orphan = await context.custodian.createAccount();
      await context.ledger.client.registerPatient(await context.custodian.signer(orphan));
    } finally {
      await context.close();
    }

    const server = startServerProcess({ DATA_DIR: dataDir, PORT: String(await freePort()) });
    try {
      const base = await server.ready(90_000);
      const lines = server.stdout().split('\n').filter(line => line.startsWith('accounts'));
      assert.equal(lines.length, 1, server.stdout());
      assert.match(lines[0], new RegExp(`^accounts\\s+1 custodial account with no login .*: ${orphan}; kept with their keys`));
      assert.match(lines[0], /; 1 username reservation of dead signups freed$/);

      // The name is free now, not five minutes on.
      const visitor = supertest.agent(base);
      const fields = { username: 'erin', password: 'password1', email: 'e@x.example', fullName: 'Erin', phone: '123' };
      await followSaved(visitor, await post(visitor, '/patient/signup', '/patient/signup', fields), '/patient/login');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited();
    }

    const store = openSqliteStore(dataDir);
    try {
      assert.ok(await store.accounts.findByAddress(orphan), 'the orphan\'s key was removed');
      assert.notEqual((await store.users.findByUsername('erin'))?.address, orphan, 'the new erin has an account of her own');
    } finally {
      await store.close();
    }
  });
});
