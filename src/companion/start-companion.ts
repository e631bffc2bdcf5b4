/**
 * Start the companion Authorization Server: read its secrets, load (or create) its keys, open its
 * storage, build the provider and listen on `serve.companion.listen`. Problems with the
 * configuration, the key directory or the store come back as errors with their config paths.
 */
import { createServer } from 'node:http';
import { toCoreConfig, type AppConfig, type AuthorizationServerSettings } from '../config/app-config.ts';
import type { ConfigError } from '../config/config-error.ts';
import type { Env } from '../config/env-expand.ts';
import { closeServer, listenOn } from '../node/http-server.ts';
import { parseListen } from '../service/listen-address.ts';
import { createAccounts } from './accounts.ts';
import { createCompanionLog, type LogWriter } from './companion-log.ts';
import { issuerMountPath } from './companion-routes.ts';
import { resolveCompanionSecrets } from './companion-secrets.ts';
import { createCompanionHandler } from './companion-server.ts';
import { CONSENT_MODEL, createConsentMemory } from './consent-memory.ts';
import type { CimdTestNetwork } from './cimd-fetch.ts';
import { createProvider } from './create-provider.ts';
import { FIXED_TTL } from './provider-config.ts';
import { cookieNames } from './interactions/cookies.ts';
import { createInteractionRoutes } from './interactions/interaction-routes.ts';
import { loadOrCreateCookieSecrets } from './keys/cookie-secrets.ts';
import { loadOrCreateSigningKeys } from './keys/signing-keys.ts';
import { createFederatedAccounts, FEDERATED_ACCOUNT_MODEL, withFederatedAccounts, type FederatedAccounts } from './login/federated-accounts.ts';
import type { LoginMethod } from './login/login-method.ts';
import { createOidcLogin } from './login/oidc-login.ts';
import { createPasswordLogin } from './login/password-login.ts';
import { createRateLimiter } from './rate-limit/rate-limiter.ts';
import { createLoginRateLimiter } from './rate-limit/login-rate-limit.ts';
import { ROUTES } from './routes.ts';
import { servedResources } from './resource-servers.ts';
import { openStorage } from './storage/companion-storage.ts';

/** A running companion. */
export interface RunningCompanion {
  /** Bound port (useful when the config asked for port 0). */
  port: number;
  stop(): Promise<void>;
}

/** Tagged outcome of starting. */
export type StartCompanionResult = { ok: true; companion: RunningCompanion } | { ok: false; errors: ConfigError[] };

/** Options of {@link startCompanion}. */
export interface StartCompanionOptions {
  /** Environment for password_env / client_secret_env (default process.env). */
  env?: Env;
  /** Where log lines go (default stdout). */
  writeLine?: LogWriter;
  /** Tests only (never set by `serve`): network access for CIMD fetches, see cimd-fetch.ts. */
  cimdTestNetwork?: CimdTestNetwork;
}

function fail(path: string, message: string): StartCompanionResult {
  return { ok: false, errors: [{ path, message }] };
}

/**
 * Start the AS configured in `app.authorization_server`. Rejects only when the listener cannot
 * bind (like the other listeners of `serve`).
 */
export async function startCompanion(app: AppConfig, o: StartCompanionOptions = {}): Promise<StartCompanionResult> {
  const as: AuthorizationServerSettings | null = app.authorization_server;
  if (as === null) return fail('authorization_server', 'is not configured');
  const env = o.env ?? process.env;
  const secrets = resolveCompanionSecrets(as, env);
  if (!secrets.ok) return { ok: false, errors: secrets.errors };
  const oidc = as.login?.oidc;
  const oidcSecret = secrets.secrets.oidcClientSecret;
  // Discovery before anything is opened: an unreachable IdP is a start-up error with its path.
  // Federated accounts are kept in the store opened below; the login method only uses them later.
  let federated: FederatedAccounts | undefined;
  const federatedStore: FederatedAccounts = {
    remember: (account) => federated!.remember(account),
    find: (accountId) => federated!.find(accountId),
  };
  const loginMethods: LoginMethod[] = [];
  if (oidc !== undefined) {
    const created = await createOidcLogin({
      settings: oidc,
      clientSecret: oidcSecret,
      redirectUri: as.issuer + ROUTES.loginCallback,
      secure: new URL(as.issuer).protocol === 'https:',
      accounts: federatedStore,
    });
    if (!created.ok) return fail('authorization_server.login.oidc.issuer', created.error);
    loginMethods.push(created.method);
  }
  // The password form when users are configured (or when it is the only method, as before).
  if (as.users.length > 0 || oidc === undefined) loginMethods.push(await createPasswordLogin(as.users, secrets.secrets.passwords));
  const signing = await loadOrCreateSigningKeys(as.keys.dir, { rs256: as.keys.rs256 });
  if (!signing.ok) return fail('authorization_server.keys.dir', signing.error);
  const cookieSecrets = loadOrCreateCookieSecrets(as.keys.dir);
  if (!cookieSecrets.ok) return fail('authorization_server.keys.dir', cookieSecrets.error);
  const opened = openStorage(as.storage);
  if (!opened.ok) return fail('authorization_server.storage', opened.error);
  const storage = opened.storage;
  // As long as a grant can live: every grant of the person is created or renewed at a sign-in.
  federated = createFederatedAccounts(storage.adapter(FEDERATED_ACCOUNT_MODEL), FIXED_TTL.grant);

  const write = o.writeLine ?? ((line: string) => process.stdout.write(line + '\n'));
  const log = createCompanionLog(write);
  const secure = new URL(as.issuer).protocol === 'https:';
  const names = cookieNames(secure);
  const mountPath = issuerMountPath(as.issuer);
  const accounts = withFederatedAccounts(createAccounts(as.users), federatedStore);
  const consents = createConsentMemory(storage.adapter(CONSENT_MODEL));
  const resources = servedResources(app.endpoints, as.issuer);
  try {
    const provider = createProvider(as.issuer, {
      settings: as,
      mountPath,
      resources,
      cors: app.cors,
      storage,
      signingKeys: signing.keys,
      cookieSecrets: cookieSecrets.keys,
      cookieNames: names,
      secure,
      accounts,
      consents,
      clientSecrets: secrets.secrets.clientSecrets,
      ...(o.cimdTestNetwork !== undefined ? { cimdTestNetwork: o.cimdTestNetwork } : {}),
    }, log);
    const interactions = createInteractionRoutes({
      provider,
      mountPath,
      loginMethods,
      accounts,
      consents,
      resources,
      staticClientIds: new Set(as.clients.map((c) => c.client_id)),
      // The client handed out by /register is used by any program that asks: its consent page
      // says so instead of vouching for it.
      ...(as.registration.static_client !== null ? { sharedClientId: as.registration.static_client } : {}),
      csrfSecret: cookieSecrets.keys[0]!,
      cookieNames: names,
      secure,
      log,
      loginLimiter: createLoginRateLimiter(as.rate_limits, storage.windowCounter),
    });
    const rateLimiter = createRateLimiter(as.rate_limits, storage.windowCounter);
    const server = createServer(createCompanionHandler({ provider, issuer: as.issuer, mountPath, coreConfig: toCoreConfig(app), cors: app.cors, interactions, log, rateLimiter }));
    const { host, port } = parseListen(app.serve.companion.listen);
    const bound = await listenOn(server, host, port);
    log('started', { issuer: as.issuer, listen: `${host}:${bound}`, signing_keys: signing.keys.length, keys_created: signing.created.length });
    return {
      ok: true,
      companion: {
        port: bound,
        stop: async () => {
          await closeServer(server);
          await storage.close();
        },
      },
    };
  } catch (err) {
    await storage.close();
    throw err;
  }
}
