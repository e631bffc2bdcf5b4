/**
 * Secrets that sign the companion's cookies and derive its CSRF tokens, kept in
 * `keys.dir/cookie-keys.json` (0600) so sessions and in-flight logins survive a restart.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readPrivateJson, writePrivateJson } from './private-file.ts';

/** Name of the secrets file inside `keys.dir`. */
export const COOKIE_KEYS_FILE = 'cookie-keys.json';

/** Tagged outcome: the secrets, newest first. */
export type CookieSecretsResult = { ok: true; keys: string[] } | { ok: false; error: string };

/** Load the cookie secrets in `dir`, generating one (256 random bits) on first start. */
export function loadOrCreateCookieSecrets(dir: string): CookieSecretsResult {
  const path = join(dir, COOKIE_KEYS_FILE);
  const read = readPrivateJson(path);
  if (!read.ok) return read;
  if (read.value !== undefined) {
    const keys = (read.value as { keys?: unknown }).keys;
    if (Array.isArray(keys) && keys.length > 0 && keys.every((k) => typeof k === 'string' && k.length >= 32)) {
      return { ok: true, keys: keys as string[] };
    }
    return { ok: false, error: `${path} does not hold a list of secrets` };
  }
  const keys = [randomBytes(32).toString('base64url')];
  writePrivateJson(path, { keys });
  return { ok: true, keys };
}
