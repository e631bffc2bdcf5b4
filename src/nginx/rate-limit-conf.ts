/**
 * nginx conf for per-subject rate limits (`endpoints[].rate_limit`), with nginx's own limit_req.
 *
 * limit_req runs in the preaccess phase, before auth_request (access phase), so in the endpoint's
 * location the subject is not known yet. An allowed request therefore continues, through try_files
 * (which runs after the access phase), in a named location @mcp_authz_limited_<id>: there
 * `$mcp_authz_subject`, set by auth_request_set from the check's answer and kept across the
 * internal redirect, keys limit_req, and the request is proxied as usual. Named locations have no
 * URL, so a client cannot reach one without passing the check; the body was not read yet, so it
 * is proxied intact. A request over the limit gets 429 + Retry-After + JSON from
 * @mcp_authz_rate_limited_<id>.
 */
import type { CoreConfig, EndpointConfig } from '../core/config-types.ts';
import { RATE_LIMITED } from '../core/rate-limit.ts';
import { REASONS } from '../core/reasons.ts';
import type { RateLimit } from '../core/rate-limit-config.ts';
import { endpointIdent } from './conf-names.ts';
import { upstreamRewrite } from './named-upstream-rewrite.ts';

function zone(e: EndpointConfig): string {
  return 'mcp_authz_rl_' + endpointIdent(e);
}

/** The named location where an endpoint's allowed requests meet its limit (also the tool gate's target). */
export function limitedName(e: EndpointConfig): string {
  return '@mcp_authz_limited_' + endpointIdent(e);
}

function describe(l: RateLimit): string {
  return `${l.requests} request${l.requests === 1 ? '' : 's'} per ${l.period === 1 ? 'second' : 'minute'}, ${l.burst} at once`;
}

/** Whether any endpoint has a rate limit (no limit, no extra conf). */
function anyLimited(config: CoreConfig): boolean {
  return config.endpoints.some(function (e) { return !!e.rate_limit; });
}

/** The zone whose key is always empty: its limit_req never counts, it only blocks inheritance. */
const NONE_ZONE = 'mcp_authz_norl';    // not mcp_authz_rl_<id>: no endpoint id can collide with it

/**
 * nginx applies limit_req once per request, in the first location (or auth subrequest) that
 * counts it. A limit_req inherited from server/http into the endpoint or check locations would
 * count first and silence the per-subject limit; a location's own limit_req replaces inherited
 * ones, so these locations get one on {@link NONE_ZONE}, which never counts.
 */
export function inheritedLimitGuard(config: CoreConfig, indent: string): string {
  if (!anyLimited(config)) return '';
  return `${indent}# Keeps a server/http-level limit_req from being counted here first (nginx limits once per
${indent}# request), which would silence the per-subject limit; this one never counts.
${indent}limit_req zone=${NONE_ZONE};
`;
}

/**
 * Retry-After for nginx: one request interval at the rate nginx really applies. limit_req keeps
 * the rate as whole requests per 1000 s (`rate * 1000 / 60` for r/m, truncated), so 1r/m admits one
 * request every 62.5 s, not 60.
 */
export function nginxRetryAfter(l: RateLimit): number {
  const perThousandSeconds = Math.floor((l.requests * 1000) / l.period);
  return Math.max(1, Math.ceil(1000 / perThousandSeconds));
}

/** `limit_req_zone` lines for http.conf, one per limited endpoint ('' when none). */
export function limitReqZones(config: CoreConfig): string {
  if (!anyLimited(config)) return '';
  const lines: string[] = [`# Per-subject rate limits. A zone keyed on a value that is always empty: see server.conf.
map $host $${NONE_ZONE} {
    default  "";
}
limit_req_zone $${NONE_ZONE} zone=${NONE_ZONE}:64k rate=1r/s;    # rate unused: nothing is ever counted`];
  config.endpoints.forEach(function (e) {
    const l = e.rate_limit;
    if (!l) return;
    lines.push(`# Endpoint "${e.id}": ${describe(l)}, per authenticated subject. The key is the subject the
# check answered with (never client input); an empty key (no allowed check) is never counted.
# 10 MB: about 160,000 states for short subjects (nginx: ~16,000 64-byte states per MB); when
# full, nginx drops the least recently used one.
limit_req_zone $mcp_authz_subject zone=${zone(e)}:10m rate=${l.requests}r/${l.period === 1 ? 's' : 'm'};`);
  });
  return '\n' + lines.join('\n') + '\n';
}

/** The tail of endpoint-<id>.conf for a limited endpoint: hand allowed requests to the named location. */
export function rateLimitHandoff(e: EndpointConfig): string {
  return `
# Per-subject rate limit: allowed requests continue in ${limitedName(e)} (server.conf), where
# the subject from the check is known. try_files runs after auth_request; under a root that can
# hold no file (/dev/null is not a directory) it always falls through to the named location.
root /dev/null;
try_files /mcp-authz-rate-limited ${limitedName(e)};
`;
}

/**
 * server.conf's named locations for every limited endpoint ('' when none): the limit + upstream,
 * and the 429 answer. `accessLog` is the decision log directive.
 */
export function limitedLocations(config: CoreConfig, dir: string, accessLog: string): string {
  const info = REASONS[RATE_LIMITED];
  // Core's 429 body, byte for byte what the Node adapters send, inside '…': nothing there may
  // end the string or be read as a variable.
  const body = JSON.stringify({ error: info.error, error_description: info.description });
  if (/['\\$]/.test(body)) throw new Error('rate-limit body cannot be used in nginx.conf: ' + body);
  const out: string[] = [];
  config.endpoints.forEach(function (e) {
    const l = e.rate_limit;
    if (!l) return;
    const tooMany = '@mcp_authz_rate_limited_' + endpointIdent(e);
    out.push(`# Endpoint "${e.id}" after its check allowed the request: ${describe(l)} per subject, then
# the upstream. Reached only by try_files or the tool gate from the endpoint's locations (a named
# location has no URL).
location ${limitedName(e)} {
    # Keyed on the checked subject. burst = at once minus the one the rate admits; nodelay answers
    # at once instead of queueing requests (a held POST would stall the client's stream).
    limit_req zone=${zone(e)}${l.burst > 1 ? ' burst=' + (l.burst - 1) : ''} nodelay;
    limit_req_status 429;    # RFC 6585 Too Many Requests instead of nginx's default 503
    limit_req_log_level warn;    # refusals in error.log at warn (the decision log has them too)
    error_page 429 ${tooMany};    # our 429 body and Retry-After instead of nginx's HTML page
${upstreamRewrite(e)}    # The same proxying as an unlimited endpoint: identity, stripping, streaming, CORS.
    include ${dir}/endpoint-${e.id}-upstream.conf;
    ${accessLog}
}
# Endpoint "${e.id}" over its rate limit: 429, Retry-After (one request interval at nginx's rate,
# rounded up to seconds; limit_req sets none) and the same JSON error as the other adapters.
location ${tooMany} {
    set $mcp_authz_decision deny;    # the decision log shows the refusal and its reason
    set $mcp_authz_reason ${RATE_LIMITED};
    default_type application/json;    # Content-Type of the body below
    add_header Retry-After ${nginxRetryAfter(l)} always;    # RFC 9110 §10.2.3, delay-seconds
    add_header Cache-Control no-store always;
    # Browser clients read the error only with CORS headers (always: also on non-2xx).
    add_header Access-Control-Allow-Origin $mcp_authz_cors_origin always;
    add_header Access-Control-Expose-Headers $mcp_authz_cors_expose always;
    ${accessLog}
    return 429 '${body}';
}
`);
  });
  return out.join('\n');
}
