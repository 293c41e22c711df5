import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createApp } from '../../src/app';
import { startContext } from '../../src/context';
import { createServices } from '../../src/services';
import { freePort, testConfig } from '../support/context';
import { seedWorld, userIdOf } from '../support/world';

describe('integrity of stored records', function () {
  this.timeout(120_000);

  it('marks a report tampered in SQLite as Tampered after a restart, and withholds it', async () => {
    const config = await testConfig();
    let context = await startContext(config);
    let services = createServices(context, { bcryptCost: 4 });
    const secret = 'Secret details 8c1f';
    const {
      reports: [reportId],
    } = await seedWorld(context, services, {
      hospitals: [{ name: 'Apollo', address: 'A', phone: '111' }],
      doctors: [{ fullName: 'Doc', username: 'doc', email: 'd@x.example', hospital: 'Apollo' }],
      patients: [{ username: 'pat', email: 'p@x.example', fullName: 'Pat' }],
      reports: [{ patient: 'pat', title: 'Kept', details: secret, sharedWith: ['Apollo'] }],
    });
    const userId = (name: string) => userIdOf(context, name);
    assert.equal((await services.patients.report(userId('pat'), reportId)).checked.integrity, 'verified');
    await context.close();

    // The classroom command, against the stopped app's DATA_DIR.
    const tamper = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'src/tamper.ts', String(reportId)], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, DATA_DIR: config.dataDir },
      encoding: 'utf8',
    });
    assert.equal(tamper.status, 0, tamper.stderr);
    assert.match(tamper.stdout, new RegExp(`report ${reportId}: one byte`));

    context = await startContext({ ...config, chainPort: await freePort() });
    try {
      services = createServices(context, { bcryptCost: 4 });
      const forPatient = await services.patients.report(userId('pat'), reportId);
      assert.equal(forPatient.checked.integrity, 'tampered');
      const forDoctor = await services.doctors.report(userId('doc'), reportId);
      assert.equal(forDoctor.checked.integrity, 'tampered');
      assert.equal((await services.patients.dashboard(userId('pat')))[0].checked.integrity, 'tampered');

      // And as pages: the notice, no body.
      const request = (await import('supertest')).default;
      const agent = request.agent(createApp(context, services));
      const login = await agent.get('/patient/login');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)![1];
      await agent.post('/patient/login').type('form').send({ _csrf: csrf, username: 'pat', password: 'password1' }).expect(303);
      const page = await agent.get(`/patient/reports/${reportId}`).expect(200);
      assert.match(page.text, /Tampered/);
      assert.doesNotMatch(page.text, new RegExp(secret));
    } finally {
      await context.close();
    }
  });
});
