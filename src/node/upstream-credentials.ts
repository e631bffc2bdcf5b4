/**
 * The `upstreamCredential` port for the Node adapters (and core in tests): outbound tokens cached
 * in memory until `expires_in − expiry_margin`, one request in flight per key (single flight),
 * retries with backoff inside one refresh (token-request.ts), and fail closed when no token can be
 * had. `client_credentials` tokens are keyed per endpoint; `token_exchange` tokens per endpoint and
 * SHA-256 of the user's token (never the token itself). While a refresh runs, or after it failed,
 * a token that has not actually expired yet is still served. `script` endpoints run the operator's
 * module (imported once, trusted, not sandboxed) on every call.
 */
import { pathToFileURL } from 'node:url';
import type { EndpointConfig, Principal, Result, UpstreamCredential } from '../core/types.ts';
import { isTokenAuth, type UpstreamScriptAuth, type UpstreamTokenAuth } from '../core/upstream-auth-config.ts';
import { sha256Base64url } from './sha256.ts';
import { requestToken, type IssuedToken } from './token-request.ts';

/** What a script's default export receives. */
export interface ScriptContext {
  endpoint: { id: string; resource: string; upstream: string };
  principal: Principal;
  /** The validated bearer token of the request, or null. */
  subjectToken: string | null;
  fetch: typeof fetch;
  env: Record<string, string | undefined>;
}

/** A script returns the Authorization value, or it with a lifetime in seconds. */
export type ScriptResult = string | { authorization: string; ttl?: number };
export type UpstreamScript = (ctx: ScriptContext) => ScriptResult | Promise<ScriptResult>;

export interface UpstreamCredentialOptions {
  now?: () => number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Per token request attempt; default 5000. */
  timeoutMs?: number;
  /** Bound on cached tokens (token exchange makes one per user token); default 10000. */
  maxEntries?: number;
  env?: Record<string, string | undefined>;
  /** Told why an endpoint got no fresh credential (never a secret: statuses, error messages). */
  onFailure?: (endpointId: string, detail: string) => void;
  /** Load a script module's default export; default: dynamic import of the file. */
  loadScript?: (file: string) => Promise<UpstreamScript>;
}

interface Entry {
  authorization: string | null;
  refreshAt: number;
  expiresAt: number;
  inflight: Promise<Result<UpstreamCredential>> | null;
}

export type UpstreamCredentialPort = (endpoint: EndpointConfig, principal: Principal, subjectToken: string | null) => Promise<Result<UpstreamCredential>>;

const UNAVAILABLE = 'upstream_credential_unavailable';

async function importScript(file: string): Promise<UpstreamScript> {
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  if (typeof mod.default !== 'function') throw new Error('script ' + file + ' has no default export function');
  return mod.default as UpstreamScript;
}

/** Create the port; each call site (service, test) owns its cache. */
export function createUpstreamCredentials(o: UpstreamCredentialOptions = {}): UpstreamCredentialPort {
  const now = o.now ?? (() => Date.now() / 1000);
  const deps = {
    fetch: o.fetch ?? fetch,
    sleep: o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    timeoutMs: o.timeoutMs ?? 5000,
  };
  const maxEntries = o.maxEntries ?? 10_000;
  const entries = new Map<string, Entry>();
  const endpoints = new Map<string, Promise<string>>();
  const scripts = new Map<string, Promise<UpstreamScript>>();

  /** The token endpoint: configured, or discovered once from the issuer (retried after a failure). */
  function tokenEndpoint(a: UpstreamTokenAuth): Promise<string> {
    if (a.token_endpoint) return Promise.resolve(a.token_endpoint);
    const issuer = a.issuer ?? '';
    let p = endpoints.get(issuer);
    if (!p) {
      p = discover(issuer);
      endpoints.set(issuer, p);
      p.catch(() => endpoints.delete(issuer));
    }
    return p;
  }

  async function discover(issuer: string): Promise<string> {
    const url = issuer.replace(/\/+$/, '') + '/.well-known/openid-configuration';
    const res = await deps.fetch(url, { redirect: 'error', signal: AbortSignal.timeout(deps.timeoutMs), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error('discovery HTTP ' + res.status);
    const doc = (await res.json()) as Record<string, unknown>;
    // RFC 8414 §3.3: the document must be the issuer's own.
    if (doc.issuer !== issuer) throw new Error('discovery document names another issuer');
    if (typeof doc.token_endpoint !== 'string') throw new Error('discovery document has no token_endpoint');
    return doc.token_endpoint;
  }

  /** The cached token; past its refresh time (a refresh running or failed) its ttl is 0, so no decision keeps it. */
  function served(e: Entry, t: number): Result<UpstreamCredential> {
    return { ok: true, value: { authorization: e.authorization as string, ttl: Math.max(0, e.refreshAt - t) } };
  }

  async function refresh(key: string, e: Entry, a: UpstreamTokenAuth, subjectToken: string | null): Promise<Result<UpstreamCredential>> {
    let issued: IssuedToken;
    try {
      issued = await requestToken(await tokenEndpoint(a), a, subjectToken, deps);
    } catch (err) {
      const t = now();
      o.onFailure?.(key, (err as Error).message);
      if (e.authorization && t < e.expiresAt) return served(e, t);
      return { ok: false, reason: UNAVAILABLE, detail: (err as Error).message };
    }
    const t = now();
    const lifetime = issued.expiresIn ?? a.default_ttl;
    e.authorization = 'Bearer ' + issued.accessToken;
    e.expiresAt = t + lifetime;
    e.refreshAt = t + Math.max(0, lifetime - a.expiry_margin);
    return served(e, t);
  }

  function tokenCredential(endpoint: EndpointConfig, a: UpstreamTokenAuth, subjectToken: string | null): Promise<Result<UpstreamCredential>> {
    const key = a.type === 'token_exchange'
      ? endpoint.id + ' ' + sha256Base64url(subjectToken ?? '')
      : endpoint.id;
    let e = entries.get(key);
    if (!e) {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      e = { authorization: null, refreshAt: 0, expiresAt: 0, inflight: null };
      entries.set(key, e);
    }
    const t = now();
    if (e.authorization && t < e.refreshAt) return Promise.resolve(served(e, t));
    if (e.inflight) return e.authorization && t < e.expiresAt ? Promise.resolve(served(e, t)) : e.inflight;
    const entry = e;
    entry.inflight = refresh(endpoint.id, entry, a, subjectToken).finally(() => { entry.inflight = null; });
    return entry.inflight;
  }

  async function scriptCredential(endpoint: EndpointConfig, a: UpstreamScriptAuth, principal: Principal, subjectToken: string | null): Promise<Result<UpstreamCredential>> {
    let p = scripts.get(a.file);
    if (!p) {
      p = (o.loadScript ?? importScript)(a.file);
      scripts.set(a.file, p);
    }
    try {
      const fn = await p;
      const out = await fn({
        endpoint: { id: endpoint.id, resource: endpoint.resource, upstream: endpoint.upstream },
        principal,
        subjectToken,
        fetch: deps.fetch,
        env: o.env ?? process.env,
      });
      const authorization = typeof out === 'string' ? out : out && typeof out.authorization === 'string' ? out.authorization : '';
      if (!authorization) return { ok: false, reason: UNAVAILABLE, detail: 'script returned no value' };
      const ttl = typeof out === 'object' && typeof out.ttl === 'number' ? Math.max(0, out.ttl) : 0;
      return { ok: true, value: { authorization, ttl } };
    } catch (err) {
      o.onFailure?.(endpoint.id, 'script failed: ' + (err as Error).message);
      return { ok: false, reason: UNAVAILABLE, detail: 'script failed: ' + (err as Error).message };
    }
  }

  return function upstreamCredential(endpoint, principal, subjectToken) {
    const a = endpoint.upstream_auth;
    if (isTokenAuth(a)) return tokenCredential(endpoint, a, subjectToken);
    if (a && a.type === 'script') return scriptCredential(endpoint, a, principal, subjectToken);
    return Promise.resolve({ ok: false, reason: UNAVAILABLE, detail: 'no fetched credential for this endpoint' });
  };
}
