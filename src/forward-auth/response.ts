/**
 * Core decision → forward-auth HTTP response.
 *
 * The proxies' contract (DESIGN.md §5): a 2xx answer means "continue to the upstream"; any other
 * answer is returned to the client as is (status, headers, body). On 2xx the proxy copies the
 * headers it was told to from our answer onto the upstream request, replacing the client's copies:
 *   Traefik  forwardAuth.authResponseHeaders: deletes each listed header from the client request,
 *            then sets it from our answer when present (a present-but-empty value arrives empty);
 *   Caddy    forward_auth copy_headers (2.6): sets each listed header to our value: an empty value
 *            arrives empty, and a header ABSENT from our answer arrives as the literal text
 *            `{http.reverse_proxy.header.<Name>}` (verified on 2.6.2);
 *   nginx    auth_request_set $v $upstream_http_<name> + proxy_set_header <Name> $v: an empty value
 *            removes the header (nginx never sends an empty proxy_set_header).
 * So an allow answer carries EVERY managed name ({@link forwardAuthHeaderNames}), always: the
 * identity value, '' for what this endpoint strips (the client's token, API key, trusted-header
 * inputs, spoofed identity), or the client's own value for a name this endpoint leaves alone (so
 * listing it does not lose it, e.g. Authorization on a pass_authorization endpoint). Upstreams may
 * thus see a managed header with an empty value behind Traefik/Caddy; treat empty as absent (the
 * Caddy recipe deletes empty ones, see test/integration/forward-auth-caddy.test.ts).
 *
 * Users list exactly {@link forwardAuthHeaderNames} (for the CLI to print). With the default
 * identity names and the scenario fixture: X-MCP-Subject X-MCP-Email X-MCP-Groups X-MCP-Scopes
 * Authorization X-Api-Key Remote-User Remote-Email Remote-Groups. A name left out is not
 * stripped: the client's copy (a spoofed identity, its token) reaches the upstream.
 */
import type { CoreConfig } from '../core/config-types.ts';
import { endpointById } from '../core/endpoint-match.ts';
import { headersToRemove } from '../core/identity-headers.ts';
import type { Decision } from '../core/types.ts';
import type { ForwardAuthRequest } from './request.ts';

/** An HTTP response, ready to write. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** `x-api-key` → `X-Api-Key` (Go's canonical form, the one Traefik uses anyway). */
function canonical(name: string): string {
  return name.split('-').map(function (p) { return p.charAt(0).toUpperCase() + p.slice(1); }).join('-');
}

/**
 * Every header name an allow answer manages, across all endpoints, in display form: the identity
 * names as configured, then Authorization, then each strategy's credential/identity header.
 * This is the list for Traefik `authResponseHeaders`, Caddy `copy_headers` and nginx
 * `auth_request_set` + `proxy_set_header`.
 */
export function forwardAuthHeaderNames(config: CoreConfig): string[] {
  const n = config.identity_headers;
  const display: Record<string, string> = {};
  [n.subject, n.email, n.groups, n.scopes].forEach(function (name) { display[name.toLowerCase()] = name; });
  config.endpoints.forEach(function (e) {
    headersToRemove(e, n).forEach(function (lower) {
      if (!display[lower]) display[lower] = canonical(lower);
    });
  });
  return Object.values(display);
}

/**
 * Header values are bytes on the wire; Node writes strings as latin1 and throws on anything wider.
 * Identity from a token is Unicode, so send its UTF-8 bytes (what every proxy passes through).
 */
function wire(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}

/** The 2xx "continue" answer: identity set, stripped names empty, other managed names echoed. */
function continueAnswer(fr: ForwardAuthRequest, names: string[], set: Record<string, string>, remove: string[]): HttpAnswer {
  const setLower: Record<string, string> = {};
  for (const [name, value] of Object.entries(set)) setLower[name.toLowerCase()] = value;
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  for (const name of names) {
    const lower = name.toLowerCase();
    if (setLower[lower] !== undefined) headers[name] = wire(setLower[lower]);
    else if (remove.indexOf(lower) >= 0) headers[name] = '';
    // Node gives us the client's bytes as latin1: echo them unchanged.
    else headers[name] = fr.core.headers[lower] ?? '';
  }
  // Identity names are always managed, so nothing in `set` is missed; kept for safety.
  for (const [name, value] of Object.entries(set)) if (!(name in headers)) headers[name] = wire(value);
  return { status: 200, headers, body: '' };
}

/**
 * The answer for a decision.
 *  - allow → 200 + identity + strips (above);
 *  - a 2xx core response to a check (a CORS preflight, or resource metadata reached through the auth
 *    middleware) → 200 continue WITHOUT identity, credentials still stripped: a forward-auth answer
 *    cannot be the client's 2xx response, the proxy only continues. The preflight is then answered
 *    by the proxy's own CORS handling or the upstream; metadata must be routed to mcp-authz
 *    directly (not through forward-auth) to be served;
 *  - anything else (denials; direct requests) → core's status, headers and body exactly.
 */
export function answerFor(d: Decision, fr: ForwardAuthRequest, config: CoreConfig, names: string[]): HttpAnswer {
  // Traefik/Caddy copy headers only: a query credential can't be added, so refuse visibly rather
  // than let the request reach the upstream without it.
  if (d.action === 'allow' && d.setQuery) return failureAnswer('An upstream credential in the query string cannot be set through forward-auth');
  if (d.action === 'allow') return continueAnswer(fr, names, d.setHeaders, d.removeHeaders);
  if (fr.check && d.status >= 200 && d.status < 300) {
    const endpoint = d.endpoint ? endpointById(config, d.endpoint) : null;
    // No endpoint known: strip every managed name rather than guess.
    const remove = endpoint ? headersToRemove(endpoint, config.identity_headers) : names.map(function (n) { return n.toLowerCase(); });
    return continueAnswer(fr, names, {}, remove);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(d.headers)) headers[name] = wire(value);
  return { status: d.status, headers, body: d.body };
}

/** The answer when the check itself failed: an error, never an allow (fail closed). */
export function failureAnswer(description = 'The authorization check failed'): HttpAnswer {
  return {
    status: 500,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
    body: JSON.stringify({ error: 'server_error', error_description: description }),
  };
}
