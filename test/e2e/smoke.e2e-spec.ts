import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { bootApp, TestApp, USERS } from '../harness.js';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp('postgres');
  });
  afterAll(() => t.close());

  it('answers health and me', async () => {
    await t.http().get('/health').expect(200);
    const token = await t.token(USERS.officer);
    const me = await t
      .http()
      .get('/api/v1/auth/me')
      .set('authorization', `Bearer ${token}`)
      .expect(200);
    assert.equal(me.body.role, 'officer');
  });
});
