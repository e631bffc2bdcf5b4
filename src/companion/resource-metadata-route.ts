/**
 * RFC 9728 protected resource metadata served by the companion, from the same core function the
 * nginx module and the ext_authz service use, so Traefik (which routes
 * `/.well-known/oauth-protected-resource…` here) serves the same document.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CoreConfig, CoreRequest, Respond } from '../core/types.ts';
import { isPreflight } from '../core/cors.ts';
import { metadataEndpoint } from '../core/metadata-route.ts';
import { metadataResponse, preflightResponse } from '../core/responses.ts';

function coreRequest(req: IncomingMessage, path: string): CoreRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { method: req.method ?? 'GET', path, query: '', host: headers.host ?? '', scheme: 'http', headers, clientIp: req.socket.remoteAddress ?? '' };
}

function send(res: ServerResponse, r: Pick<Respond, 'status' | 'headers' | 'body'>, head: boolean): void {
  res.writeHead(r.status, { ...r.headers, 'Content-Length': String(Buffer.byteLength(r.body)) });
  res.end(head ? undefined : r.body);
}

/** Answer a metadata request for `path` (the URL path, no query). */
export function serveResourceMetadata(config: CoreConfig, req: IncomingMessage, res: ServerResponse, path: string): void {
  const core = coreRequest(req, path);
  const endpoint = metadataEndpoint(config, path);
  if (isPreflight(core.method, core.headers)) return send(res, preflightResponse(core, config, endpoint), false);
  if (endpoint === null) {
    return send(res, { status: 404, headers: { 'Content-Type': 'application/json' }, body: '{"error":"not_found"}' }, false);
  }
  if (core.method !== 'GET' && core.method !== 'HEAD') {
    return send(res, { status: 405, headers: { Allow: 'GET, HEAD, OPTIONS', 'Content-Type': 'application/json' }, body: '{"error":"method_not_allowed"}' }, false);
  }
  send(res, metadataResponse(core, config, endpoint), core.method === 'HEAD');
}
