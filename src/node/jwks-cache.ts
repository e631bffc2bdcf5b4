/**
 * JWK Set cache for the Node adapters. Rules:
 *  - a set is fresh for `ttl` seconds after it was fetched;
 *  - an unknown kid refetches at most once per `refreshInterval` (its own budget, as in nginx where
 *    the refresh location has its own cache); after a failed fetch the next try waits as long, so
 *    a down IdP is not hammered; one fetch is in flight per URL;
 *  - when a fetch fails or is rate-limited, the last good set serves for at most `maxStale` seconds
 *    past its freshness; after that the failure shows (fail closed).
 */
import type { JwkSet, Result } from '../core/types.ts';

export interface JwksCacheOptions {
  ttl: number;
  refreshInterval: number;
  maxStale: number;
  now: () => number;
  fetchJson: (url: string) => Promise<unknown>;
}

interface Entry { set: JwkSet | null; fetchedAt: number; failedAt: number; refreshAt: number; inflight: Promise<Result<JwkSet>> | null }

function isJwkSet(v: unknown): v is JwkSet {
  return !!v && typeof v === 'object' && Array.isArray((v as JwkSet).keys);
}

/** Create a cache; the returned function is the `getJwks` port. */
export function createJwksCache(o: JwksCacheOptions): (uri: string, refresh: boolean) => Promise<Result<JwkSet>> {
  const entries = new Map<string, Entry>();

  function lastGood(e: Entry, detail: string): Result<JwkSet> {
    if (e.set && o.now() - e.fetchedAt <= o.ttl + o.maxStale) return { ok: true, value: e.set };
    return { ok: false, reason: 'jwks_unavailable', detail };
  }

  async function fetchInto(uri: string, e: Entry): Promise<Result<JwkSet>> {
    try {
      const body = await o.fetchJson(uri);
      if (!isJwkSet(body)) throw new Error('not a JWK Set');
      e.set = body;
      e.fetchedAt = o.now();
      return { ok: true, value: body };
    } catch (err) {
      e.failedAt = o.now();
      return lastGood(e, (err as Error).message);
    }
  }

  return function getJwks(uri: string, refresh: boolean): Promise<Result<JwkSet>> {
    let e = entries.get(uri);
    if (!e) {
      e = { set: null, fetchedAt: 0, failedAt: -Infinity, refreshAt: -Infinity, inflight: null };
      entries.set(uri, e);
    }
    if (e.inflight) return e.inflight;
    const now = o.now();
    const fresh = e.set !== null && now - e.fetchedAt < o.ttl;
    if (fresh && !refresh) return Promise.resolve({ ok: true, value: e.set as JwkSet });
    const waiting = refresh && fresh ? now - e.refreshAt < o.refreshInterval : now - e.failedAt < o.refreshInterval;
    if (waiting) return Promise.resolve(lastGood(e, 'refetch rate-limited'));
    if (refresh) e.refreshAt = now;
    const entry = e;
    entry.inflight = fetchInto(uri, entry).finally(() => { entry.inflight = null; });
    return entry.inflight;
  };
}
