/**
 * Secret handling for anything that prints or logs configuration. All secret locations are
 * listed once, in {@link SECRET_PATHS}; masking and redaction both derive from that list.
 */

/** `'*'` matches any key or list index at that position. */
type PathPattern = readonly string[];

/**
 * Every place a secret can live in the effective configuration. Add new credential fields
 * here when the schema grows one (the config-mask test fails for unlisted key/token fields).
 */
export const SECRET_PATHS: readonly PathPattern[] = [
  // apikey strategy: the API keys themselves.
  ['endpoints', '*', 'strategies', '*', 'keys', '*', 'key'],
  // bearer strategy: the static tokens.
  ['endpoints', '*', 'strategies', '*', 'tokens', '*', 'token'],
  // introspection strategy: the client secret; remote strategy: static headers (keys to the validator).
  ['endpoints', '*', 'strategies', '*', 'client_secret'],
  ['endpoints', '*', 'strategies', '*', 'headers', '*'],
  // Outbound credentials (upstream_auth): static token, API key, OAuth client secret.
  ['endpoints', '*', 'upstream_auth', 'token'],
  ['endpoints', '*', 'upstream_auth', 'key'],
  ['endpoints', '*', 'upstream_auth', 'client_secret'],
  // Authorization Server: password hashes (crackable offline) and a Redis URL's password.
  ['authorization_server', 'users', '*', 'password_hash'],
  ['authorization_server', 'storage', 'url'],
  // Rate-limit counters in Redis: the URL may carry a password.
  ['rate_limits', 'redis_url'],
];

/** What masked secrets are replaced with: the whole value, so nothing of it leaks. */
export const MASK = '***';

/** A deep copy of `config` with every secret value replaced by `***`. */
export function maskSecrets<T>(config: T): T {
  return mapSecrets(config, [], () => MASK) as T;
}

/** Every secret string in `config`, for {@link redact}. */
export function secretValues(config: unknown): string[] {
  const found: string[] = [];
  mapSecrets(config, [], (value) => {
    found.push(value);
    return value;
  });
  return [...new Set(found)];
}

/**
 * Replace every occurrence of any secret in `line` with `***`. Longer secrets go first so a
 * secret that contains another is not left half-visible.
 */
export function redact(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret !== '') out = out.split(secret).join(MASK);
  }
  return out;
}

function mapSecrets(node: unknown, path: string[], onSecret: (value: string) => string): unknown {
  if (typeof node === 'string') return isSecretPath(path) ? onSecret(node) : node;
  if (Array.isArray(node)) return node.map((item, i) => mapSecrets(item, [...path, String(i)], onSecret));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) out[key] = mapSecrets(value, [...path, key], onSecret);
    return out;
  }
  return node;
}

function isSecretPath(path: readonly string[]): boolean {
  return SECRET_PATHS.some(
    (pattern) => pattern.length === path.length && pattern.every((part, i) => part === '*' || part === path[i]),
  );
}
