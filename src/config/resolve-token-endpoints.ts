/**
 * Fill `upstream_auth.token_endpoint` from the issuer's discovery document where only `issuer`
 * was configured. The nginx module needs it at generation time (a fixed proxy_pass); the Node
 * service discovers lazily instead, so a token endpoint that is down at start-up is retried.
 */
import { isTokenAuth } from '../core/upstream-auth-config.ts';
import type { AppConfig } from './app-config.ts';
import type { ConfigError } from './config-error.ts';
import type { FetchJson } from './resolve-discovery.ts';
import { httpsUrlProblem, stripTrailingSlash } from './url-rules.ts';

export type TokenEndpointResult = { ok: true; config: AppConfig } | { ok: false; errors: ConfigError[] };

/** A new configuration with every token endpoint known, or every problem found. */
export async function resolveTokenEndpoints(config: AppConfig, fetchJson: FetchJson): Promise<TokenEndpointResult> {
  const errors: ConfigError[] = [];
  const endpoints = await Promise.all(config.endpoints.map(async (endpoint, i) => {
    const a = endpoint.upstream_auth;
    if (!isTokenAuth(a) || a.token_endpoint || !a.issuer) return endpoint;
    const url = `${stripTrailingSlash(a.issuer)}/.well-known/openid-configuration`;
    const at = `endpoints[${i}].upstream_auth`;
    try {
      const doc = (await fetchJson(url)) as Record<string, unknown> | null;
      // RFC 8414 §3.3: the document must name exactly the configured issuer.
      if (!doc || doc.issuer !== a.issuer) {
        errors.push({ path: `${at}.issuer`, message: `discovery document at ${url} names another issuer` });
        return endpoint;
      }
      if (typeof doc.token_endpoint !== 'string' || httpsUrlProblem(doc.token_endpoint) !== undefined) {
        errors.push({ path: `${at}.token_endpoint`, message: `discovery document at ${url} has no usable token_endpoint` });
        return endpoint;
      }
      return { ...endpoint, upstream_auth: { ...a, token_endpoint: doc.token_endpoint } };
    } catch (error) {
      errors.push({ path: `${at}.issuer`, message: `discovery at ${url} failed: ${(error as Error).message}` });
      return endpoint;
    }
  }));
  return errors.length ? { ok: false, errors } : { ok: true, config: { ...config, endpoints } };
}
