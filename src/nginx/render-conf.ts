/**
 * The nginx snippets for a configuration, one per context they are included in:
 *   main.conf            top level (outside http): loads the njs module where the distro doesn't;
 *   http.conf            inside `http { }`: njs import, caches, maps, log format, the check server;
 *   server.conf          inside the public `server { }`: metadata, endpoint locations, deny handler;
 *   endpoint-<id>.conf   included by server.conf's two locations for each endpoint;
 *   check-key.conf       included by http.conf: the check socket's key (mode 0600, check-key.ts).
 *
 * Request flow: endpoint location → auth_request → /_mcp_authz/check/<id> (proxy_cache keyed on
 * endpoint + SHA-256 of Authorization and query, computed by the tiny edge module) → on a miss,
 * the check server over a unix socket runs the full njs bundle → 200 + identity headers (cached
 * for ≤ token lifetime) or 401/403 + the full denial, replayed by @mcp_authz_deny. Allowed
 * requests stream to the upstream unbuffered. Metadata and preflights are proxied to the check
 * server too; only the edge module is loaded where every request runs.
 */
import type { CoreConfig, EndpointConfig } from '../core/types.ts';
import { EXPOSE_HEADERS } from '../core/cors.ts';
import { headersToRemove } from '../core/identity-headers.ts';
import { splitUrl } from '../core/url.ts';
import { jwksLocation, jwksUris } from '../njs/jwks-locations.ts';
import { confValue, endpointIdent, serverAddress, upstreamHeaderVar } from './conf-names.ts';
import { postBlocks } from './post-conf.ts';
import { checkKeyConf, sendCheckKey } from './check-key.ts';
import { IDENTITY_SLOTS, slotHeader } from '../njs/identity-slots.ts';
import { inheritedLimitGuard, limitedLocations, limitReqZones, rateLimitHandoff } from './rate-limit-conf.ts';
import { allowListDirectives, hasToolRules, requestRuleLocations, toolGateDirectives } from './render-request-rules.ts';
import { bypassLocations, endpointOutbound, envConf, outboundCapture, hasBypass, outboundCheckLocations, outboundHttp, outboundProxyPass, outboundSetNames } from './render-outbound.ts';

export interface NginxOptions {
  /** Absolute directory the files are written to (js_path and include paths point here). */
  dir: string;
  /** Unix socket of the internal check server. */
  checkSocket: string;
  /** Prefix of the decision and key cache directories (`<prefix>-decisions`, `<prefix>-jwks`; nginx creates them). */
  cachePath: string;
  /** Where the one-line-per-decision JSON log goes. */
  logPath: string;
  /** Buffer log lines (one write per 32 KiB or per second); off makes each line visible at once. */
  logBuffered: boolean;
  /** Seconds a key set is used before refetching. */
  jwksFresh: number;
  /** Seconds a key set may be served past freshness while its URL fails. */
  jwksMaxStale: number;
  /** Minimum seconds between refetches caused by unknown kids. */
  jwksRefreshInterval: number;
  /** The check socket's key (check-key.ts), 32 hex digits; fresh for each generation. */
  checkKey: string;
}

/** Defaults for everything but the paths. */
export const NGINX_TIMING = { jwksFresh: 300, jwksMaxStale: 3600, jwksRefreshInterval: 30, logBuffered: true };

function accessLog(o: NginxOptions): string {
  return `access_log ${o.logPath} mcp_authz${o.logBuffered ? ' buffer=32k flush=1s' : ''};`;
}

export { confValue };

/** nginx string literal of a safe value. */
function q(value: string, what: string): string {
  return '"' + confValue(value.replace(/ /g, ''), what).replace(/,/g, ', ') + '"';
}

function varName(slot: string): string {
  return '$mcp_authz_' + slot;
}

function upstreamName(e: EndpointConfig): string {
  return 'mcp_authz_up_' + endpointIdent(e);
}

function corsMap(config: CoreConfig): string {
  const origins = config.cors.allowed_origins;
  const rules = origins.indexOf('*') >= 0
    ? ['    "~."  "*";']
    : origins.map(function (o) { return '    ' + q(o, 'cors origin') + '  $http_origin;'; });
  return ['map $http_origin $mcp_authz_cors_origin {', '    default  "";'].concat(rules, ['}']).join('\n');
}

function upstreamBlock(e: EndpointConfig): string {
  const u = splitUrl(e.upstream);
  const authority = u ? u.origin.replace(/^https?:\/\//i, '') : e.upstream;
  return `upstream ${upstreamName(e)} {
    server ${confValue(serverAddress(authority, e.upstream), 'upstream')};
    keepalive 16;    # reuse upstream connections
}`;
}

function jwksBlocks(config: CoreConfig, o: NginxOptions): string {
  return jwksUris(config).map(function (uri, i) {
    const common = `        internal;
        proxy_pass ${confValue(uri, 'jwks_uri')};
        proxy_cache mcp_authz_jwks;
        proxy_ignore_headers Cache-Control Expires Set-Cookie Vary;  # our freshness, not the IdP's
        proxy_pass_header Date;              # lets njs refuse a stale copy older than its bound
        proxy_pass_request_headers off;      # never send client headers (tokens) to the IdP
        proxy_pass_request_body off;
        proxy_set_header Accept application/json;
        proxy_cache_lock on;                 # one fetch at a time`;
    return `    # Signing keys of ${uri}
    location = ${jwksLocation(i, false)} {
${common}
        proxy_cache_key "jwks ${i}";
        proxy_cache_valid 200 ${o.jwksFresh}s;
        # IdP down or failing: serve the last good copy (njs bounds its age via Date).
        proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
    }
    # Refetch for an unknown kid (key rotation): cached separately so it runs at most once per ${o.jwksRefreshInterval}s.
    location = ${jwksLocation(i, true)} {
${common}
        proxy_cache_key "jwks-refresh ${i}";
        proxy_cache_valid 200 ${o.jwksRefreshInterval}s;
        proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
    }`;
  }).join('\n');
}

function httpConf(config: CoreConfig, o: NginxOptions): string {
  return `# mcp-authz: include inside http { }. Generated by \`mcp-authz nginx\`; regenerate, don't edit.
js_path ${q(o.dir, 'output directory')};
# The check socket's key: $mcp_authz_check_key and $mcp_authz_check_ok (mode 0600, see the check server).
include ${q(o.dir + '/check-key.conf', 'output directory')};
# Each server imports only the njs module it needs: njs clones a request's VM with everything
# imported in its context, so the public server's hot path stays on the tiny edge module.

# No key, no caching: without an Authorization header (API keys, trusted headers, anonymous) and,
# should the hash ever fail, never a shared key for different tokens.
map $mcp_authz_token_key $mcp_authz_no_token {
    ""       1;
    default  "";
}

# A CORS preflight (OPTIONS announcing a method) is answered by njs, never challenged.
map "$request_method:$http_access_control_request_method" $mcp_authz_preflight {
    default       "";
    "~^OPTIONS:."  1;
}

# CORS headers for upstream responses (our own responses get them from njs).
${corsMap(config)}
map $mcp_authz_cors_origin $mcp_authz_cors_expose {
    ""       "";
    default  ${q(EXPOSE_HEADERS, 'expose headers')};
}

# Allowed decisions, keyed on endpoint + token hash, each kept no longer than its token lives.
proxy_cache_path ${o.cachePath}-decisions levels=1:2 keys_zone=mcp_authz_decisions:10m max_size=64m inactive=10m use_temp_path=off;
# Issuer key sets.
proxy_cache_path ${o.cachePath}-jwks levels=1 keys_zone=mcp_authz_jwks:1m max_size=8m inactive=${o.jwksFresh + o.jwksMaxStale}s use_temp_path=off;

# One JSON line per decision. Built from variables that never hold a token or a secret.
log_format mcp_authz escape=json '{"time":"$time_iso8601","request_id":"$request_id",'
    '"endpoint":"$mcp_authz_endpoint","method":"$request_method","path":"$uri",'
    '"client_ip":"$remote_addr","status":"$status","decision":"$mcp_authz_decision",'
    '"reason":"$mcp_authz_reason","subject":"$mcp_authz_subject","strategy":"$mcp_authz_strategy",'
    '"cache":"$mcp_authz_cache"}';

upstream mcp_authz_check {
    server unix:${o.checkSocket};
    keepalive 16;
}
${config.endpoints.map(upstreamBlock).join('\n')}
${limitReqZones(config)}
${outboundHttp(config, o.cachePath)}
# The check server: njs decides here. Only nginx itself reaches it, through the unix socket, which
# nginx makes world-writable: requests without this nginx's key (check-key.conf) are refused.
server {
    listen unix:${o.checkSocket};
    access_log off;
    if ($mcp_authz_check_ok != 1) {
        return 403;
    }
    js_import mcp_authz from mcp-authz.js;    # core + the configuration

    location /check/ {
        js_content mcp_authz.check;
    }
    # Resource metadata and CORS preflights (not on the hot path).
    location = /respond {
        js_content mcp_authz.respond;
    }
${jwksBlocks(config, o)}
${postBlocks(config)}
${outboundCheckLocations(config)}
}
`;
}

/** Proxy settings for every request forwarded to the check server. */
const FORWARD_TO_CHECK = `    proxy_http_version 1.1;
    proxy_set_header Connection "";
    # The check reads headers only; the client's body stays for the upstream.
    proxy_pass_request_body off;
    proxy_set_header Content-Length "";
    # The original request, in headers the client cannot forge (these override client copies).
    proxy_set_header X-MCP-Authz-Method $request_method;
    proxy_set_header X-MCP-Authz-Path $mcp_authz_path;
    proxy_set_header X-MCP-Authz-Args $mcp_authz_args;
    proxy_set_header X-MCP-Authz-Host $host;
    proxy_set_header X-MCP-Authz-Scheme $scheme;
    proxy_set_header X-MCP-Authz-Peer $remote_addr;
    proxy_set_header X-MCP-Authz-Request-Id $request_id;
${sendCheckKey('    ')}`;

function serverConf(config: CoreConfig, o: NginxOptions): string {
  const endpoints = config.endpoints.map(function (e) {
    const inc = `include ${o.dir}/endpoint-${e.id}.conf;`;
    const exact = e.path === '/' ? '' : `location = ${e.path} { ${inc} }\n`;
    const below = e.path === '/' ? '/' : e.path + '/';
    const bypass = bypassLocations(e, inc);
    return `# Endpoint "${e.id}": ${e.resource}\n${exact}location ${below} { ${inc} }${bypass ? '\n# Public sub-paths of "' + e.id + '"\n' + bypass : ''}`;
  });
  return `# mcp-authz: include inside the server { } that serves your MCP endpoints.
# Generated by \`mcp-authz nginx\`; regenerate, don't edit.

# The tiny edge module: the cache-key hash and the denial replay run on every request here.
js_import mcp_authz_edge from mcp-authz-edge.js;
# SHA-256 of Authorization + query: the decision cache key. Never the token itself: nginx writes
# the key text into each cache file.
js_set $mcp_authz_token_key mcp_authz_edge.tokenKey;

# RFC 9728 protected resource metadata, for every endpoint and at the root (built by njs in the
# check server; 418 is only an internal jump to the named location).
location = /.well-known/oauth-protected-resource {
    set $mcp_authz_endpoint "";    # chosen by path in njs
    set $mcp_authz_path $uri;
    set $mcp_authz_args $args;
    error_page 418 = @mcp_authz_respond;
    return 418;
}
location ^~ /.well-known/oauth-protected-resource/ {
    set $mcp_authz_endpoint "";
    set $mcp_authz_path $uri;
    set $mcp_authz_args $args;
    error_page 418 = @mcp_authz_respond;
    return 418;
}

${endpoints.join('\n\n')}

# The auth_request target: a cached front for the check server.
location ^~ /_mcp_authz/check/ {
    internal;
    proxy_pass http://mcp_authz_check/check/;    # /_mcp_authz/check/<id> → /check/<id>
    proxy_cache mcp_authz_decisions;
    proxy_cache_key "$uri $mcp_authz_token_key";
    proxy_cache_bypass $mcp_authz_no_token${hasBypass(config) ? ' $mcp_authz_bypass' : ''};
    proxy_no_cache $mcp_authz_no_token${hasBypass(config) ? ' $mcp_authz_bypass' : ''};${hasBypass(config) ? '\n    uninitialized_variable_warn off;    # $mcp_authz_bypass is set on public sub-paths only' : ''}
    proxy_cache_lock off;
${FORWARD_TO_CHECK}
${inheritedLimitGuard(config, '    ')}}

# Resource metadata and CORS preflights: answered by njs in the check server, never cached.
location @mcp_authz_respond {
    rewrite ^ /respond break;
    proxy_pass http://mcp_authz_check;
    proxy_set_header X-MCP-Authz-Endpoint $mcp_authz_endpoint;
${FORWARD_TO_CHECK}
}

${limitedLocations(config, o.dir, accessLog(o))}# Replays a denial from the check server: status, WWW-Authenticate, JSON body.
location @mcp_authz_deny {
    js_content mcp_authz_edge.deny;
    ${accessLog(o)}
}
${requestRuleLocations(config, o.dir, accessLog(o))}`;
}

function endpointConf(config: CoreConfig, e: EndpointConfig, o: NginxOptions): string {
  const captured = IDENTITY_SLOTS.map(function (slot) {
    return `auth_request_set ${varName(slot)} ${upstreamHeaderVar(slotHeader(slot))};`;
  });
  return `# Endpoint "${e.id}" (${e.path}): included by server.conf for ${e.path} and ${e.path === '/' ? '/' : e.path + '/'}…
set $mcp_authz_endpoint ${e.id};
# The check subrequest needs the client's normalised path and query.
set $mcp_authz_path $uri;
set $mcp_authz_args $args;

# CORS preflight: answered by njs (418 is only an internal jump to the named location).
error_page 418 = @mcp_authz_respond;
if ($mcp_authz_preflight) {
    return 418;
}

auth_request /_mcp_authz/check/${e.id};
auth_request_set $mcp_authz_decision $upstream_http_x_mcp_authz_decision;
auth_request_set $mcp_authz_reason $upstream_http_x_mcp_authz_reason;
auth_request_set $mcp_authz_strategy $upstream_http_x_mcp_authz_strategy;
auth_request_set $mcp_authz_response $upstream_http_x_mcp_authz_response;
auth_request_set $mcp_authz_cache $upstream_cache_status;    # HIT: decided without running njs
${captured.join('\n')}
${outboundCapture(e)}error_page 401 403 = @mcp_authz_deny;
${accessLog(o)}
${e.rate_limit ? inheritedLimitGuard(config, '') : ''}${endpointTail(config, e)}`;
}

/**
 * Where an allowed request goes from the endpoint location: the tool gate (which continues to
 * the rate limit or the upstream), the rate limit (which then proxies), or straight upstream.
 */
function endpointTail(config: CoreConfig, e: EndpointConfig): string {
  if (hasToolRules(e)) return '\n' + toolGateDirectives(e);
  if (e.rate_limit) return rateLimitHandoff(e);
  return '\n' + endpointUpstreamConf(config, e);
}

/** Whether the proxying happens in a named location, reached by the tool gate or try_files. */
function proxiedFromNamedLocation(e: EndpointConfig): boolean {
  return !!e.rate_limit || hasToolRules(e);
}

/**
 * How an allowed request reaches the upstream: proxying, identity headers, credential stripping,
 * streaming, CORS. Part of endpoint-<id>.conf, or, for a rate-limited or tool-gated endpoint, its
 * own file endpoint-<id>-upstream.conf included by the named location that proxies.
 */
function endpointUpstreamConf(config: CoreConfig, e: EndpointConfig): string {
  const names = config.identity_headers;
  const outboundNames = outboundSetNames(e);
  const removed = headersToRemove(e, names).filter(function (h) {
    return [names.subject, names.email, names.groups, names.scopes].map(function (n) { return n.toLowerCase(); }).indexOf(h) < 0 && outboundNames.indexOf(h) < 0;
  });
  const identity = IDENTITY_SLOTS.map(function (slot) {
    return `proxy_set_header ${names[slot]} ${varName(slot)};`;
  });
  const u = splitUrl(e.upstream);
  const authority = u ? u.origin.replace(/^https?:\/\//i, '') : '';
  const scheme = /^https/i.test(e.upstream) ? 'https' : 'http';
  // A named location cannot give proxy_pass a URI; named-upstream-rewrite.ts rewrites to the path instead.
  const path = u && u.path && !proxiedFromNamedLocation(e) ? confValue(u.path, 'upstream path') : '';
  // A query API key: proxy_pass with variables (the path as sent + our args; render-outbound.ts).
  const outboundPass = outboundProxyPass(e, scheme, upstreamName(e));
  return `proxy_pass ${outboundPass ?? `${scheme}://${upstreamName(e)}${path}`};
proxy_set_header Host ${q(authority, 'upstream')};
proxy_http_version 1.1;
proxy_set_header Connection "";
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_set_header X-Forwarded-Host $host;

# Identity goes upstream only in headers we set; a client-sent copy is replaced (or dropped when
# empty), whatever its letter case.
${identity.join('\n')}
# Credentials and proxy-asserted identity never reach the upstream.
${removed.map(function (h) { return `proxy_set_header ${h} "";`; }).join('\n')}
${allowListDirectives(config, e)}${endpointOutbound(e)}

# Streamable HTTP / SSE: pass events as the upstream writes them, keep long streams open.
proxy_buffering off;
proxy_cache off;
proxy_read_timeout 1h;
proxy_send_timeout 1h;

# CORS for browser clients; the upstream's own copies are hidden to avoid duplicates.
proxy_hide_header Access-Control-Allow-Origin;
proxy_hide_header Access-Control-Expose-Headers;
add_header Access-Control-Allow-Origin $mcp_authz_cors_origin always;
add_header Access-Control-Expose-Headers $mcp_authz_cors_expose always;
`;
}

const MAIN_CONF = `# mcp-authz: include at the top level of nginx.conf (outside http) where the njs module is not
# loaded already. Debian/Ubuntu load it from modules-enabled; this line is for other builds.
load_module modules/ngx_http_js_module.so;
`;

/** All conf files for a configuration: file name → contents. */
export function renderConf(config: CoreConfig, o: NginxOptions): Record<string, string> {
  const files: Record<string, string> = {
    'main.conf': MAIN_CONF,
    'http.conf': httpConf(config, o),
    'server.conf': serverConf(config, o),
    'check-key.conf': checkKeyConf(o.checkKey),
  };
  // Only when upstream_auth scripts read variables: `env NAME;` lines for the main context.
  const env = envConf(config);
  if (env) files['env.conf'] = env;
  config.endpoints.forEach(function (e) {
    files['endpoint-' + e.id + '.conf'] = endpointConf(config, e, o);
    if (proxiedFromNamedLocation(e)) files['endpoint-' + e.id + '-upstream.conf'] = endpointUpstreamConf(config, e);
  });
  return files;
}
