/**
 * The built-in `password` login method: configured users with a bcrypt hash (bcryptjs, pure JS)
 * or a password read from an environment variable. An unknown username still costs one bcrypt
 * comparison, so response time does not reveal which usernames exist.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { AsUser } from '../../config/app-config.ts';
import { escapeHtml } from '../html.ts';
import type { LoginFormState, LoginMethod, LoginOutcome } from './login-method.ts';

const REJECTED: LoginOutcome = { kind: 'rejected', message: 'Wrong username or password.' };

/** Longest password accepted; bcrypt reads 72 bytes, and huge inputs only cost CPU. */
const MAX_PASSWORD_LENGTH = 1024;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

// Same cost as the strongest configured hash, so a miss takes as long as a hit.
function dummyCost(users: readonly AsUser[]): number {
  const costs = users.flatMap((u) => (u.password_hash ? [Number(u.password_hash.slice(4, 6))] : []));
  return Math.min(Math.max(10, ...costs), 14);
}

/**
 * Create the method for `users`; `passwords` holds the env-provided passwords by username
 * (from {@link resolveCompanionSecrets}).
 */
export async function createPasswordLogin(users: readonly AsUser[], passwords: ReadonlyMap<string, string>): Promise<LoginMethod> {
  const byName = new Map(users.map((u) => [u.username, u]));
  const dummyHash = await bcrypt.hash('mcp-authz timing equaliser', dummyCost(users));

  async function check(user: AsUser | undefined, password: string): Promise<boolean> {
    if (user?.password_hash) return bcrypt.compare(password, user.password_hash);
    // Env passwords and unknown users spend the same bcrypt time, then compare digests in
    // constant time (equal-length buffers, so no early exit on length).
    await bcrypt.compare(password, dummyHash);
    const expected = user ? passwords.get(user.username) : undefined;
    return expected !== undefined && timingSafeEqual(sha256(password), sha256(expected));
  }

  return {
    id: 'password',
    label: 'Sign in with your username and password',
    renderFields(state: LoginFormState): string {
      return `<label>Username <input name="username" autocomplete="username" required autofocus value="${escapeHtml(state.username ?? '')}"></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>`;
    },
    async authenticate(form): Promise<LoginOutcome> {
      const username = form.username ?? '';
      const password = form.password ?? '';
      if (username === '' || password === '' || password.length > MAX_PASSWORD_LENGTH) return REJECTED;
      const user = byName.get(username);
      return (await check(user, password)) && user ? { kind: 'authenticated', accountId: user.username } : REJECTED;
    },
  };
}
