/**
 * The admin listener: Prometheus /metrics, liveness /healthz, readiness /readyz. Readiness of the
 * data-plane adapters depends only on their own listeners (never on Redis or the IdP: a token is
 * checked against cached keys, and a key-set outage is answered per request with 503).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../node/metrics.ts';

export interface AdminState {
  /** True once every data-plane listener is accepting. */
  ready(): boolean;
}

/** The node:http handler for the admin listener. */
export function createAdminHandler(metrics: Metrics, state: AdminState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics.render());
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (path === '/readyz') {
      const ok = state.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ready' : 'starting' }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
    }
  };
}
