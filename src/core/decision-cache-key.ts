/**
 * What a cached decision is keyed on, the same in every adapter: the Authorization header and the
 * query string (a token in the query turns an allow into a 400), hashed so the key never holds a
 * token. The endpoint is added by the caller. Cached only when core said the decision depends on
 * nothing else (Allow.cacheTtl > 0).
 */

/** The key text for a request; `sha256` returns base64url. */
export function decisionCacheKey(authorization: string, query: string, sha256: (text: string) => string): string {
  return sha256(authorization + '\n' + query);
}
