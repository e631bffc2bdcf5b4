/**
 * The Node implementation of core's ports: WebCrypto verification and a JWKS cache fetched with
 * the global fetch (redirects refused, small bodies, short timeout).
 */
import type { Ports } from '../core/types.ts';
import { httpPost } from './http-post.ts';
import { createJwksCache } from './jwks-cache.ts';
import { createUpstreamCredentials, type UpstreamCredentialOptions } from './upstream-credentials.ts';
import { nodeSupportsAlg, webcryptoVerify } from './webcrypto-verify.ts';

const MAX_JWKS_BYTES = 256 * 1024;

/** GET a JSON document: no redirects, 5 s timeout, size-capped. */
export async function fetchJson(url: string): Promise<unknown> {
  const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error('HTTP ' + res.status + ' from ' + url);
  const text = await res.text();
  if (text.length > MAX_JWKS_BYTES) throw new Error('document too large: ' + url);
  return JSON.parse(text);
}

export interface NodePortsOptions {
  now?: () => number;
  fetchJson?: (url: string) => Promise<unknown>;
  jwksTtl?: number;
  jwksRefreshInterval?: number;
  jwksMaxStale?: number;
  post?: Ports['post'];
  /** Outbound credentials (upstream_auth): token fetching, caching and scripts. */
  upstream?: UpstreamCredentialOptions;
}

/** Ports for the Node adapters (forward-auth, ext_authz) and for running core in tests. */
export function nodePorts(o: NodePortsOptions = {}): Ports {
  const now = o.now || (() => Date.now() / 1000);
  return {
    now,
    supportsAlg: nodeSupportsAlg,
    verify: webcryptoVerify,
    getJwks: createJwksCache({
      ttl: o.jwksTtl ?? 300,
      refreshInterval: o.jwksRefreshInterval ?? 30,
      maxStale: o.jwksMaxStale ?? 3600,
      now,
      fetchJson: o.fetchJson || fetchJson,
    }),
    post: o.post || httpPost,
    upstreamCredential: createUpstreamCredentials(Object.assign({ now }, o.upstream)),
  };
}
