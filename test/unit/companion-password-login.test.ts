import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import type { AsUser } from '../../src/config/app-config.ts';
import { createPasswordLogin } from '../../src/companion/login/password-login.ts';

const user = (over: Partial<AsUser>): AsUser => ({ username: 'u', password_hash: null, password_env: null, scopes: [], email: null, groups: [], ...over });

describe('password login method', () => {
  it('accepts a bcrypt user and an env-password user, refuses everything else with one message', async () => {
    const method = await createPasswordLogin(
      [user({ username: 'bob', password_hash: bcrypt.hashSync('bob-pw', 4) }), user({ username: 'alice', password_env: 'ALICE' })],
      new Map([['alice', 'alice-pw']]),
    );
    assert.deepEqual(await method.authenticate({ username: 'bob', password: 'bob-pw' }), { kind: 'authenticated', accountId: 'bob' });
    assert.deepEqual(await method.authenticate({ username: 'alice', password: 'alice-pw' }), { kind: 'authenticated', accountId: 'alice' });
    const rejected = { kind: 'rejected', message: 'Wrong username or password.' };
    assert.deepEqual(await method.authenticate({ username: 'bob', password: 'alice-pw' }), rejected);
    assert.deepEqual(await method.authenticate({ username: 'alice', password: 'alice-pwX' }), rejected);
    assert.deepEqual(await method.authenticate({ username: 'mallory', password: 'x' }), rejected);
    assert.deepEqual(await method.authenticate({ username: 'alice' }), rejected);
    assert.deepEqual(await method.authenticate({}), rejected);
  });

  it('renders its fields with the username escaped', async () => {
    const method = await createPasswordLogin([], new Map());
    const html = method.renderFields({ username: '"><script>' });
    assert.doesNotMatch(html, /<script>/);
    assert.match(html, /name="password" type="password"/);
  });
});
