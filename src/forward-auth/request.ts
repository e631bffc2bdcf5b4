/**
 * Forward-auth request → core request.
 *
 * A proxy asks about the client's request by sending us a request of its own (Traefik forwardAuth
 * and Caddy forward_auth: GET to the configured address; nginx auth_request: a GET subrequest to the
 * auth location) that carries the client's headers plus the original request in
 *   X-Forwarded-Method, X-Forwarded-Uri (path + query), X-Forwarded-Proto, X-Forwarded-Host,
 *   X-Forwarded-For (client address, right-most entry: see client-ip.ts).
 * These headers are honoured ONLY when the TCP peer is in `trustedProxies`. From anyone else they
 * are the client's own words and are ignored (oauth2-proxy CVE-2026-40575 class): the request is
 * then judged as what it literally is, its own method, path and host, with the peer as client.
 *
 * Two kinds of request reach us, and the response differs (response.ts):
 *  - a check: a trusted peer sent X-Forwarded-Uri or X-Forwarded-Method. Our answer is a verdict
 *    the proxy acts on (2xx = continue), never shown to the client on allow;
 *  - a direct request: anything else (a client or an untrusted peer, or a trusted proxy routing
 *    /.well-known/oauth-protected-resource* to us as a normal upstream). Answered as is.
 *
 * Endpoint selection: by the original path (longest endpoint path wins, as everywhere), or pinned
 * with `?endpoint=<id>` on the auth URL, e.g. Traefik `address: http://mcp-authz:9100/auth?endpoint=github`,
 * for routers whose paths don't match the configured endpoint paths (host-based routing, a prefix
 * stripped before the auth middleware). The pin is read from checks only: it is part of the proxy's
 * configuration, and a direct caller's query string belongs to its own request. An unknown id
 * matches no endpoint, so core answers 404 (fail closed).
 */
import type { IncomingMessage } from 'node:http';
import { ipInCidrs } from '../core/cidr.ts';
import type { CoreRequest } from '../core/types.ts';
import { plainAddress, rightmostForwardedFor } from './client-ip.ts';
import { splitTarget } from './path.ts';

/** A forward-auth request, translated. */
export interface ForwardAuthRequest {
  /** The request core decides on: the original one for a check, this one for a direct request. */
  core: CoreRequest;
  /** True for a check from a trusted proxy: the answer is a verdict, not the client's response. */
  check: boolean;
  /** Endpoint pinned by `?endpoint=` on the auth URL (checks only). */
  endpointId?: string;
}

/** The part of node:http's IncomingMessage we read (tests can build one by hand). */
export type IncomingLike = Pick<IncomingMessage, 'method' | 'url' | 'headersDistinct'> & { socket: { remoteAddress?: string } };

/** Lower-cased headers, repeats joined with ', ' (core's contract; Node would drop repeats of some). */
function joinedHeaders(req: IncomingLike): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values) out[name] = values.join(', ');
  }
  return out;
}

/**
 * The one value of X-Forwarded-Uri or -Method, which decide the outcome. Repeats mean a client copy
 * slipped past a proxy that appends instead of replacing: we can't tell which is the proxy's, so
 * the check fails (a 500, never a guess).
 */
function single(req: IncomingLike, name: string): string | undefined {
  const values = req.headersDistinct[name];
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) throw new Error(name + ' sent ' + values.length + ' times');
  return values[0];
}

/** The last value of a header that only informs (host, scheme): no decision depends on it. */
function last(req: IncomingLike, name: string): string | undefined {
  const values = req.headersDistinct[name];
  return values && values.length ? values[values.length - 1] : undefined;
}

/** http or https; anything else is not a scheme a proxy reports. */
function scheme(value: string | undefined): string {
  const v = (value || '').trim().toLowerCase();
  return v === 'https' ? 'https' : 'http';
}

/** Whether the request announces itself as a forward-auth check (trusted or not). */
export function hasForwardedRequest(req: IncomingLike): boolean {
  return !!(req.headersDistinct['x-forwarded-uri'] || req.headersDistinct['x-forwarded-method']);
}

/** The auth URL's `?endpoint=` value, if exactly one non-empty one is present. */
function pinnedEndpoint(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const values = new URLSearchParams(url.slice(q + 1)).getAll('endpoint');
  if (values.length > 1) throw new Error('endpoint pinned ' + values.length + ' times in the auth URL');
  return values[0] || undefined;
}

/** Translate one incoming request, trusting X-Forwarded-* only from `trustedProxies`. */
export function readForwardAuthRequest(req: IncomingLike, trustedProxies: string[]): ForwardAuthRequest {
  const peer = plainAddress(req.socket.remoteAddress || '');
  const headers = joinedHeaders(req);
  const ownUrl = req.url || '/';
  const trusted = peer !== '' && ipInCidrs(peer, trustedProxies);
  const check = trusted && hasForwardedRequest(req);

  if (!trusted) {
    const own = splitTarget(ownUrl);
    return {
      core: {
        method: (req.method || 'GET').toUpperCase(),
        path: own.path,
        query: own.query,
        host: headers['host'] || '',
        scheme: 'http',
        headers,
        clientIp: peer,
        requestId: headers['x-request-id'],
      },
      check: false,
    };
  }

  // A check without X-Forwarded-Uri (only Method) falls back to the auth URL: a misconfigured
  // proxy then asks about "/auth", which matches no endpoint (404), rather than about anything real.
  const target = check ? single(req, 'x-forwarded-uri') ?? ownUrl : ownUrl;
  const t = splitTarget(target);
  const method = check ? single(req, 'x-forwarded-method') ?? req.method ?? 'GET' : req.method || 'GET';
  return {
    core: {
      method: method.trim().toUpperCase(),
      path: t.path,
      query: t.query,
      host: last(req, 'x-forwarded-host') ?? headers['host'] ?? '',
      scheme: scheme(last(req, 'x-forwarded-proto')),
      headers,
      clientIp: rightmostForwardedFor(req.headersDistinct['x-forwarded-for']),
      requestId: headers['x-request-id'],
    },
    check,
    endpointId: check ? pinnedEndpoint(ownUrl) : undefined,
  };
}
