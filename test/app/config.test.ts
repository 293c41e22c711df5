import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

describe('config', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.dataDir, path.resolve('data'));
    assert.equal(config.rpcUrl, undefined);
    assert.equal(config.chainPort, undefined, 'the chain port is opt-in: the app needs none');
    assert.equal(config.adminPassword, 'admin');
    assert.equal(config.masterKey, undefined);
    assert.equal(config.sessionSecret, undefined);
  });

  it('reads every setting', () => {
    const key = 'ab'.repeat(32);
    const config = loadConfig({
      PORT: '8080', HOST: '0.0.0.0', DATA_DIR: '/tmp/x', RPC_URL: 'http://127.0.0.1:7545', CHAIN_PORT: '9545',
      ADMIN_PASSWORD: 'correct horse', EHR_MASTER_KEY: `0x${key}`, SESSION_SECRET: 's'.repeat(40), ADMIN_PRIVATE_KEY: key,
    });
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.dataDir, '/tmp/x');
    assert.equal(config.rpcUrl, 'http://127.0.0.1:7545');
    assert.equal(config.chainPort, 9545);
    assert.equal(config.adminPassword, 'correct horse');
    assert.equal(config.masterKey?.toString('hex'), key);
    assert.equal(config.adminPrivateKey, `0x${key}`);
  });

  it('opens a chain port only when CHAIN_PORT names one (off or unset: none), and CHAIN_RPC is read-only unless made writable', () => {
    assert.equal(loadConfig({ CHAIN_PORT: 'off' }).chainPort, undefined);
    assert.equal(loadConfig({ CHAIN_PORT: 'OFF' }).chainPort, undefined);
    assert.equal(loadConfig({ CHAIN_PORT: '' }).chainPort, undefined);
    assert.equal(loadConfig({ CHAIN_PORT: '8545' }).chainPort, 8545);
    assert.equal(loadConfig({ CHAIN_PORT: '0' }).chainPort, 0);
    assert.equal(loadConfig({}).chainRpc, 'read-only');
    assert.equal(loadConfig({ CHAIN_RPC: 'writable', CHAIN_PORT: '8545' }).chainRpc, 'writable');
    assert.equal(loadConfig({}).databaseUrl, undefined);
    assert.equal(loadConfig({ DATABASE_URL: 'postgresql://ehr@db:5432/ehr' }).databaseUrl, 'postgresql://ehr@db:5432/ehr');
  });

  it('refuses a writable embedded node with no port to serve it on, and lets an external node ignore both', () => {
    for (const env of [{ CHAIN_RPC: 'writable' }, { CHAIN_RPC: 'writable', CHAIN_PORT: 'off' }]) {
      assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && /CHAIN_RPC=writable .*CHAIN_PORT is off: set it too/.test(error.message));
    }
    assert.equal(loadConfig({ CHAIN_RPC: 'writable', RPC_URL: 'http://127.0.0.1:7545' }).chainPort, undefined);
  });

  it('never echoes a refused DATABASE_URL (it may hold a password)', () => {
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@db/ehr' }), (error: Error) => !error.message.includes('hunter2'));
  });

  for (const [name, value, message] of [
    ['PORT', 'eighty', /PORT must be a whole number/],
    ['PORT', '70000', /PORT must be a whole number/],
    ['CHAIN_PORT', '-1', /CHAIN_PORT must be a whole number/],
    ['CHAIN_RPC', 'open', /CHAIN_RPC must be one of read-only, writable/],
    ['RPC_URL', 'not a url', /RPC_URL must be an http\(s\) URL/],
    ['RPC_URL', 'ftp://node:1', /RPC_URL must use http or https/],
    ['DATABASE_URL', 'mysql://u:secret@db/ehr', /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
    ['DATABASE_URL', 'postgres://u:secret@[bad', /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
    ['EHR_MASTER_KEY', 'abc', /EHR_MASTER_KEY must be 64 hexadecimal characters/],
    ['EHR_MASTER_KEY', 'zz'.repeat(32), /EHR_MASTER_KEY must be 64 hexadecimal characters/],
    ['SESSION_SECRET', 'short', /SESSION_SECRET must be at least 32 characters/],
    ['ADMIN_PRIVATE_KEY', '0x1234', /ADMIN_PRIVATE_KEY must be 64 hexadecimal characters/],
  ] as const) {
    it(`refuses ${name}=${value} with one clear line`, () => {
      assert.throws(() => loadConfig({ [name]: value }), (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, message);
        assert.ok(!error.message.includes('\n'));
        return true;
      });
    });
  }
});
