/**
 * Secrets the configuration names by environment variable (`password_env`, `client_secret_env` of
 * clients and of `login.oidc`), read once at start-up. Missing or empty variables are configuration
 * errors with their paths, so `check` and `serve` report them like any other mistake, without
 * echoing a value.
 */
import type { AuthorizationServerSettings } from '../config/app-config.ts';
import type { ConfigError } from '../config/config-error.ts';
import type { Env } from '../config/env-expand.ts';

/** The secrets, by username and by client_id. */
export interface CompanionSecrets {
  passwords: Map<string, string>;
  clientSecrets: Map<string, string>;
  /** Our client secret at the upstream IdP (`login.oidc.client_secret_env`); undefined for a public client. */
  oidcClientSecret?: string;
}

/** Shortest client secret accepted: shorter ones are guessable. */
export const MIN_CLIENT_SECRET_LENGTH = 32;

/** Read every secret the AS settings name from `env`; all problems at once. */
export function resolveCompanionSecrets(
  as: AuthorizationServerSettings,
  env: Env,
): { ok: true; secrets: CompanionSecrets } | { ok: false; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const passwords = new Map<string, string>();
  const clientSecrets = new Map<string, string>();
  as.users.forEach((user, i) => {
    if (user.password_env === null) return;
    const value = env[user.password_env];
    if (value === undefined || value === '') {
      errors.push({ path: `authorization_server.users[${i}].password_env`, message: `environment variable ${user.password_env} is not set` });
    } else passwords.set(user.username, value);
  });
  as.clients.forEach((client, i) => {
    if (client.client_secret_env === null) return;
    const value = env[client.client_secret_env];
    const path = `authorization_server.clients[${i}].client_secret_env`;
    if (value === undefined || value === '') errors.push({ path, message: `environment variable ${client.client_secret_env} is not set` });
    else if (value.length < MIN_CLIENT_SECRET_LENGTH) {
      errors.push({ path, message: `the secret in ${client.client_secret_env} must be at least ${MIN_CLIENT_SECRET_LENGTH} characters` });
    } else clientSecrets.set(client.client_id, value);
  });
  const oidcEnv = as.login?.oidc?.client_secret_env ?? null;
  let oidcClientSecret: string | undefined;
  if (oidcEnv !== null) {
    oidcClientSecret = env[oidcEnv];
    if (oidcClientSecret === undefined || oidcClientSecret === '') {
      errors.push({ path: 'authorization_server.login.oidc.client_secret_env', message: `environment variable ${oidcEnv} is not set` });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, secrets: { passwords, clientSecrets, ...(oidcClientSecret !== undefined ? { oidcClientSecret } : {}) } };
}
