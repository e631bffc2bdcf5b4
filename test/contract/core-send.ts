/**
 * Sending scenario requests straight to src/core in Node (the reference the proxy adapters are
 * compared with): the CoreRequest a proxy adapter would build, and the Decision seen as an
 * {@link Observed}, "upstream" being the request as a proxy forwards it after the header changes.
 * @module
 */
import type { CoreRequest, Decision } from '../../src/core/types.ts';
import type { Observed } from './run-scenarios.ts';
import type { ScenarioRequest } from './scenarios.ts';

/**
 * The CoreRequest for a scenario request at https://mcp.example.test: headers lower-cased, the
 * query split off the path, the client address from `localAddress` (default 127.0.0.1). With
 * `withBody`, the request's body (POST default `{}`) is passed as a body-reading adapter would.
 */
export function coreRequestOf(req: ScenarioRequest, withBody = false): CoreRequest {
  const q = req.path.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  const core: CoreRequest = {
    method: req.method,
    path: q < 0 ? req.path : req.path.slice(0, q),
    query: q < 0 ? '' : req.path.slice(q + 1),
    host: 'mcp.example.test',
    scheme: 'https',
    headers,
    clientIp: req.localAddress ?? '127.0.0.1',
  };
  if (withBody) core.body = req.body ?? (req.method === 'POST' ? '{}' : undefined);
  return core;
}

/**
 * A Decision as the client and upstream would see it: allow → 200 with the request's headers,
 * removeHeaders removed, then setHeaders set, and the target with setQuery set (overwriting);
 * deny → its status, lower-cased headers and body.
 */
export function observedDecision(req: ScenarioRequest, d: Decision): Observed {
  if (d.action === 'allow') {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) out[k.toLowerCase()] = v;
    for (const name of d.removeHeaders) delete out[name];
    for (const [k, v] of Object.entries(d.setHeaders)) out[k.toLowerCase()] = v;
    const url = new URL(req.path, 'http://upstream');
    for (const [k, v] of Object.entries(d.setQuery ?? {})) url.searchParams.set(k, v);
    return { status: 200, headers: {}, body: '', upstream: out, upstreamUrl: url.pathname + url.search };
  }
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.headers)) h[k.toLowerCase()] = v;
  return { status: d.status, headers: h, body: d.body, upstream: null };
}
