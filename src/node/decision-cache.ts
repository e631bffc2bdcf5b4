/**
 * The Node adapters' verified-token cache, the counterpart of nginx's proxy_cache: allowed
 * decisions keyed on endpoint + {@link decisionCacheKey}, kept for the decision's `cacheTtl` (never
 * past the token's expiry; 0 = not cached), consulted only after core's `precheck` (preflight,
 * query token, header alias, size) passed. Bounded in size, oldest evicted first.
 * A denial is kept only when core gave it a `cacheTtl` (an inactive introspected token, an invalid
 * remote answer); a hit rebuilds it for this request, so its CORS headers follow this Origin.
 */
import { isBypassed } from '../core/bypass.ts';
import { decide, endpointFor, precheck, type DecideOptions } from '../core/decide.ts';
import { decisionCacheKey } from '../core/decision-cache-key.ts';
import { isMetadataPath } from '../core/metadata-route.ts';
import { applyRequestRules } from '../core/request-rules.ts';
import { denial } from '../core/responses.ts';
import type { CoreConfig, CoreRequest, Decision, Ports } from '../core/types.ts';
import { sha256Base64url } from './sha256.ts';

export interface CachedDecider {
  /** Decide, answering from the cache when an equal request was allowed recently. */
  decide(req: CoreRequest, options?: DecideOptions): Promise<{ decision: Decision; cached: boolean }>;
}

/** Wrap core's decide with the cache; `maxEntries` bounds memory. */
export function createCachedDecider(config: CoreConfig, ports: Ports, maxEntries = 10_000): CachedDecider {
  const entries = new Map<string, { decision: Decision; until: number }>();
  return {
    async decide(req, options) {
      const authorization = req.headers['authorization'];
      const endpoint = isMetadataPath(req.path) ? null : endpointFor(req, config, options);
      // Only token decisions are cached, and only after core's token-independent checks pass.
      // A public sub-path too: its answer depends on the path, which the key leaves out.
      const uncached = !endpoint || precheck(req, config, endpoint) !== null || isBypassed(endpoint, req.path);
      const key = endpoint && authorization && !uncached ? endpoint.id + ' ' + decisionCacheKey(authorization, req.query, sha256Base64url) : null;
      const hit = key ? entries.get(key) : undefined;
      if (endpoint && key && hit && hit.until > ports.now()) {
        const d = hit.decision;
        // The token decision is cached; tool rules and the header allow-list depend on this request.
        return { decision: d.action === 'allow' ? applyRequestRules(d, req, config, endpoint, options) : denial(req, config, endpoint, d.reason), cached: true };
      }
      if (key && hit) entries.delete(key);
      // Core decides every miss, a prechecked or public-path request too (its request rules apply).
      const decision = await decide(req, config, ports, options);
      const ttl = decision.cacheTtl ?? 0;
      if (key && ttl > 0) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
        entries.set(key, { decision, until: ports.now() + ttl });
      }
      return { decision, cached: false };
    },
  };
}
