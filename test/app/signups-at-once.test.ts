/**
 * A class signing up at once, at the real bcrypt cost, on the embedded node: every signup lands.
 * bcrypt and the embedded node's database reads share libuv's thread pool; with every hash let
 * into it at once, the node's reads waited behind sixty of them past their 4 s deadline and about a
 * quarter of the signups answered 503 (src/features/auth/bcrypt-lane.ts). The lane never runs
 * more than two at once.
 */
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { BCRYPT_AT_ONCE, bcryptLoad, hash } from '../../src/features/auth/bcrypt-lane';
import { BCRYPT_COST } from '../../src/features/auth/service';
import { startTestApp } from '../support/context';
import { post } from '../support/http';

describe('a class signing up at once', function () {
  this.timeout(180_000);

  it(`lets sixty signups at bcrypt cost ${BCRYPT_COST} all land on the embedded node`, async () => {
    const test = await startTestApp({}, { bcryptCost: BCRYPT_COST });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const visitor = supertest.agent(test.app);
          const fields = { username: `pupil${i}`, password: 'password1', email: `pupil${i}@school.example`, fullName: `Pupil ${i}`, phone: '+91 98300 11111' };
          const answer = await post(visitor, '/patient/signup', '/patient/signup', fields);
          return answer.status === 303 ? 303 : `${answer.status}: ${/<h1[^>]*>([^<]*)/.exec(answer.text)?.[1] ?? ''}`;
        }),
      );
      assert.deepEqual(statuses.filter(status => status !== 303), []);
      for (const i of [0, 59]) assert.ok(await test.context.store.users.findByUsername(`pupil${i}`));
    } finally {
      await test.context.close();
    }
  });

  it(`runs at most ${BCRYPT_AT_ONCE} hashes at once and the others in turn`, async () => {
    let most = 0;
    const watcher = setInterval(() => (most = Math.max(most, bcryptLoad().running)), 1);
    try {
      const hashes = await Promise.all(Array.from({ length: 12 }, (_, i) => hash(`password${i}`, 6)));
      assert.equal(new Set(hashes).size, 12);
    } finally {
      clearInterval(watcher);
    }
    assert.equal(most, BCRYPT_AT_ONCE);
    assert.deepEqual(bcryptLoad(), { running: 0, waiting: 0 });
  });
});
