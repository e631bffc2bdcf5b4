/**
 * Fill jwt strategies' missing `jwks_uri`, and introspection strategies' missing `endpoint`
 * (`introspection_endpoint`, RFC 8414 §2), from OpenID Connect discovery before core runs
 * (core needs concrete URLs and does no discovery itself).
 */
import type { AppConfig, AppIntrospectionStrategy, AppJwtStrategy, AppStrategy } from './app-config.ts';
import type { ConfigError } from './config-error.ts';
import { httpsUrlProblem, stripTrailingSlash } from './url-rules.ts';

/** Fetch a URL and return its parsed JSON body; reject on network/HTTP/parse failure. */
export type FetchJson = (url: string) => Promise<unknown>;

/** The configuration with every `jwks_uri` filled in, or every discovery error. */
export type DiscoveryResult = { ok: true; config: AppConfig } | { ok: false; errors: ConfigError[] };

type Discovered = { ok: true; doc: Record<string, unknown> } | { ok: false; reason: string };

/**
 * Resolve every empty `jwks_uri` from its strategy's `discovery_url`. Each document is fetched
 * once however many strategies share it. The document's `issuer` must equal the configured
 * issuer byte-for-byte (OIDC Discovery §4.3, RFC 8414 §3.3): otherwise a document served at
 * that address could redirect key lookups to keys of another issuer. Returns a new config.
 */
export async function resolveDiscovery(config: AppConfig, fetchJson: FetchJson): Promise<DiscoveryResult> {
  const fetches = new Map<string, Promise<Discovered>>();
  for (const endpoint of config.endpoints) {
    for (const strategy of endpoint.strategies) {
      if (needsDiscovery(strategy)) {
        const url = discoveryUrl(strategy);
        if (!fetches.has(url)) fetches.set(url, fetchDocument(url, fetchJson));
      }
    }
  }

  const errors: ConfigError[] = [];
  const endpoints = await Promise.all(
    config.endpoints.map(async (endpoint, i) => ({
      ...endpoint,
      strategies: await Promise.all(
        endpoint.strategies.map(async (strategy, j): Promise<AppStrategy> => {
          if (!needsDiscovery(strategy)) return strategy;
          const at = `endpoints[${i}].strategies[${j}]`;
          const url = discoveryUrl(strategy);
          const found = await fetches.get(url)!;
          if (!found.ok) {
            const field = strategy.type === 'introspection' ? 'endpoint' : 'jwks_uri';
            errors.push({ path: `${at}.${field}`, message: `OpenID Connect discovery at ${url} failed: ${found.reason}` });
            return strategy;
          }
          const { issuer, jwks_uri: jwksUri } = found.doc;
          if (strategy.type === 'introspection') return introspectionEndpoint(strategy, found.doc, url, at, errors);
          if (issuer !== strategy.issuer) {
            errors.push({
              path: `${at}.issuer`,
              message: `discovery document at ${url} names issuer ${JSON.stringify(issuer)}, expected exactly ${JSON.stringify(strategy.issuer)}`,
            });
            return strategy;
          }
          if (typeof jwksUri !== 'string' || httpsUrlProblem(jwksUri) !== undefined) {
            errors.push({
              path: `${at}.jwks_uri`,
              message: `discovery document at ${url} has no usable jwks_uri (need an https:// URL, http:// only for localhost)`,
            });
            return strategy;
          }
          return { ...strategy, jwks_uri: jwksUri };
        }),
      ),
    })),
  );

  // Promise.all keeps order, but pushes happen as fetches settle: sort for stable output.
  errors.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
  return errors.length === 0 ? { ok: true, config: { ...config, endpoints } } : { ok: false, errors };
}

function needsDiscovery(strategy: AppStrategy): strategy is AppJwtStrategy | AppIntrospectionStrategy {
  return (strategy.type === 'jwt' && strategy.jwks_uri === '') || (strategy.type === 'introspection' && strategy.endpoint === '');
}

function discoveryUrl(strategy: AppJwtStrategy | AppIntrospectionStrategy): string {
  return strategy.discovery_url ?? `${stripTrailingSlash(strategy.issuer ?? '')}/.well-known/openid-configuration`;
}

/** The introspection strategy with its endpoint from the document, under the same issuer rule as jwks_uri. */
function introspectionEndpoint(
  strategy: AppIntrospectionStrategy,
  doc: Record<string, unknown>,
  url: string,
  at: string,
  errors: ConfigError[],
): AppStrategy {
  if (doc.issuer !== strategy.issuer) {
    errors.push({
      path: `${at}.issuer`,
      message: `discovery document at ${url} names issuer ${JSON.stringify(doc.issuer)}, expected exactly ${JSON.stringify(strategy.issuer)}`,
    });
    return strategy;
  }
  const endpoint = doc.introspection_endpoint;
  if (typeof endpoint !== 'string' || httpsUrlProblem(endpoint) !== undefined || /[\s"'\\$;{}#]/.test(endpoint)) {
    errors.push({
      path: `${at}.endpoint`,
      message: `discovery document at ${url} has no usable introspection_endpoint (need an https:// URL, http:// only for localhost)`,
    });
    return strategy;
  }
  return { ...strategy, endpoint };
}

async function fetchDocument(url: string, fetchJson: FetchJson): Promise<Discovered> {
  try {
    const doc = await fetchJson(url);
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      return { ok: false, reason: 'response is not a JSON object' };
    }
    return { ok: true, doc: doc as Record<string, unknown> };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
