import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { commitment, DecryptionError, deriveKey, open, seal } from '../../src/crypto/envelope';
import { loadMasterKey, loadSessionSecret } from '../../src/crypto/secrets';
import { tempDataDir } from '../support/context';

describe('envelope encryption', () => {
  const key = deriveKey(randomBytes(32), 'test');

  it('opens what it sealed', () => {
    const envelope = seal(key, 'Type 2 diabetes — HbA1c 7.9 %', 'report:0xabc');
    assert.equal(open(key, envelope, 'report:0xabc').toString('utf8'), 'Type 2 diabetes — HbA1c 7.9 %');
  });

  it('never seals the same text to the same envelope', () => {
    assert.notEqual(seal(key, 'same', 'a'), seal(key, 'same', 'a'));
  });

  it('refuses a wrong key, another owner and an altered byte', () => {
    const envelope = seal(key, 'secret', 'owner:1');
    assert.throws(() => open(deriveKey(randomBytes(32), 'test'), envelope, 'owner:1'), DecryptionError);
    assert.throws(() => open(key, envelope, 'owner:2'), DecryptionError);
    const parts = envelope.split('.');
    const ciphertext = Buffer.from(parts[3], 'base64url');
    ciphertext[0] ^= 1;
    parts[3] = ciphertext.toString('base64url');
    assert.throws(() => open(key, parts.join('.'), 'owner:1'), DecryptionError);
    assert.throws(() => open(key, 'not an envelope', 'owner:1'), DecryptionError);
  });

  it('derives different keys for different purposes', () => {
    const master = randomBytes(32);
    assert.notDeepEqual(deriveKey(master, 'a'), deriveKey(master, 'b'));
    assert.deepEqual(deriveKey(master, 'a'), deriveKey(master, 'a'));
  });

  it('commits to an envelope with keccak256', () => {
    // keccak256("") is a well-known constant.
    assert.equal(commitment(''), '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    assert.match(commitment(seal(key, 'x', 'y')), /^0x[0-9a-f]{64}$/);
  });
});

describe('generated secrets', () => {
  it('creates the master key once, with mode 0600, and reads it back', () => {
    const dir = tempDataDir();
    const first = loadMasterKey(dir, undefined);
    assert.equal(first.length, 32);
    assert.deepEqual(loadMasterKey(dir, undefined), first);
    assert.equal(fs.statSync(path.join(dir, 'master.key')).mode & 0o777, 0o600);
  });

  it('prefers a key given in settings and writes nothing', () => {
    const dir = tempDataDir();
    const given = randomBytes(32);
    assert.deepEqual(loadMasterKey(dir, given), given);
    assert.equal(fs.existsSync(path.join(dir, 'master.key')), false);
  });

  it('creates the session secret once, with mode 0600', () => {
    const dir = tempDataDir();
    const secret = loadSessionSecret(dir, undefined);
    assert.ok(secret.length >= 32);
    assert.equal(loadSessionSecret(dir, undefined), secret);
    assert.equal(fs.statSync(path.join(dir, 'session.secret')).mode & 0o777, 0o600);
  });
});
