/**
 * The nginx conf for outbound credentials (upstream_auth) and public sub-paths (bypass); the
 * pieces render-conf.ts places into http.conf, the check server, server.conf and each endpoint.
 *
 * Fetched tokens (client_credentials, token_exchange) live in proxy_cache `mcp_authz_credentials`:
 *   /_mcp_authz/cred/<id>        internal; keyed on endpoint (+ SHA-256 of the user token for
 *                                token exchange); proxy_cache_lock = one refresh in flight, the
 *                                rest wait or get the stale copy (`updating`); a failing token
 *                                endpoint also serves the stale copy, which njs refuses once
 *                                it is past the token's real expiry (fail closed);
 *   /_mcp_authz/cred-fetch/<id>  njs: token request with retries, X-Accel-Expires = expires_in − margin;
 *   /_mcp_authz/token/<id>       one POST to the token endpoint, client headers never sent.
 */
import type { CoreConfig, EndpointConfig } from '../core/types.ts';
import { isTokenAuth, type UpstreamTokenAuth } from '../core/upstream-auth-config.ts';
import { upstreamHeaderName } from '../core/upstream-credential.ts';
import { splitUrl } from '../core/url.ts';
import { ARGS_HEADER, CREDENTIAL_FETCH_PREFIX, CREDENTIAL_HEADER, credentialLocation, tokenLocation } from '../njs/credential-locations.ts';
import { scriptEnv } from './upstream-scripts-plugin.ts';
import { sendCheckKey } from './check-key.ts';
import { CA_BUNDLE, confValue, endpointIdent, serverAddress, upstreamHeaderVar } from './conf-names.ts';


function tokenAuth(e: EndpointConfig): UpstreamTokenAuth | null {
  const a = e.upstream_auth;
  return isTokenAuth(a) ? a : null;
}

function tokenUpstream(e: EndpointConfig): string {
  return 'mcp_authz_token_' + endpointIdent(e);
}

/** Endpoints whose API key goes in the query. */
function queryKey(e: EndpointConfig): boolean {
  const a = e.upstream_auth;
  return !!a && a.type === 'api_key' && !!a.query;
}

/** Whether an endpoint forwards the client's Authorization except on bypass paths. */
function passesClientAuthorization(e: EndpointConfig): boolean {
  return e.pass_authorization && (e.bypass || []).length > 0 && upstreamHeaderName(e) !== 'authorization';
}

/** http.conf additions: the credential cache, maps, token endpoint upstreams. */
export function outboundHttp(config: CoreConfig, cachePath: string): string {
  const out: string[] = [];
  const tokens = config.endpoints.filter(function (e) { return tokenAuth(e) !== null; });
  if (tokens.length) {
    out.push(`# Outbound tokens (client_credentials, token exchange), each kept until expires_in − margin.
# The files hold upstream tokens: keep ${cachePath}-credentials readable by nginx only.
proxy_cache_path ${cachePath}-credentials levels=1:2 keys_zone=mcp_authz_credentials:1m max_size=16m inactive=1h use_temp_path=off;`);
    tokens.forEach(function (e) {
      const a = tokenAuth(e) as UpstreamTokenAuth;
      if (!a.token_endpoint) throw new Error('endpoint ' + e.id + ': upstream_auth.token_endpoint was not discovered');
      const u = splitUrl(a.token_endpoint);
      const authority = u ? u.origin.replace(/^https?:\/\//i, '') : '';
      out.push(`upstream ${tokenUpstream(e)} {
    server ${confValue(serverAddress(authority, a.token_endpoint), 'token_endpoint')};
}`);
    });
  }
  if (config.endpoints.some(queryKey)) {
    out.push(`# The client's path exactly as sent (no query), for endpoints whose upstream API key goes in the query.
map $request_uri $mcp_authz_request_path {
    "~^(?<p>[^?]*)"  $p;
}`);
  }
  if (config.endpoints.some(passesClientAuthorization)) {
    out.push(`# pass_authorization endpoints: the client's Authorization, but never on a public sub-path.
map $mcp_authz_strategy $mcp_authz_client_authorization {
    bypass   "";
    default  $http_authorization;
}`);
  }
  return out.join('\n');
}

/** Locations inside the check server. */
export function outboundCheckLocations(config: CoreConfig): string {
  const blocks: string[] = [];
  config.endpoints.forEach(function (e) {
    const a = tokenAuth(e);
    if (!a) return;
    const u = splitUrl(a.token_endpoint);
    const https = /^https/i.test(a.token_endpoint);
    const authority = u ? u.origin.replace(/^https?:\/\//i, '') : '';
    const exchange = a.type === 'token_exchange';
    blocks.push(`    # Outbound ${a.type} token of endpoint "${e.id}".
    location = ${credentialLocation(e.id)} {
        internal;
        proxy_pass http://mcp_authz_check${CREDENTIAL_FETCH_PREFIX}${e.id};
${sendCheckKey('        ')}
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
${exchange ? '        # The subject token travels in the check request\'s Authorization; the key holds only its hash.\n' : '        proxy_pass_request_headers off;\n'}        proxy_cache mcp_authz_credentials;
        proxy_cache_key "${e.id} $arg_k";
        proxy_cache_lock on;                 # one token request in flight per key
        proxy_cache_lock_timeout 30s;
        proxy_cache_lock_age 30s;
        proxy_cache_use_stale updating error timeout http_500 http_502 http_503 http_504;
        proxy_read_timeout 60s;
    }
    location = ${CREDENTIAL_FETCH_PREFIX}${e.id} {
        js_content mcp_authz.credential;
    }
    location = ${tokenLocation(e.id)} {
        internal;
        set $mcp_authz_token_auth $arg_b;
        rewrite ^ ${confValue(u && u.path ? u.path : '/', 'token_endpoint path')}? break;
        proxy_pass ${https ? 'https' : 'http'}://${tokenUpstream(e)};
        proxy_pass_request_headers off;      # never the client's headers (its token) to the IdP
        proxy_set_header Host ${confValue(authority, 'token_endpoint')};
        proxy_set_header Content-Type application/x-www-form-urlencoded;
        proxy_set_header Accept application/json;
${a.auth_method === 'client_secret_basic' ? '        proxy_set_header Authorization "Basic $mcp_authz_token_auth";\n' : ''}${https ? `        proxy_ssl_server_name on;
        proxy_ssl_name ${confValue(authority.replace(/:\d+$/, ''), 'token_endpoint')};
        proxy_ssl_verify on;
        proxy_ssl_trusted_certificate ${CA_BUNDLE};
` : ''}        proxy_connect_timeout 5s;
        proxy_read_timeout 10s;
    }`);
  });
  if (!blocks.length) return '';
  return `    # Token responses are read by njs: room for them in memory.
    subrequest_output_buffer_size 16k;
${blocks.join('\n')}`;
}

/** server.conf locations for an endpoint's public sub-paths (they only switch caching off). */
export function bypassLocations(e: EndpointConfig, include: string): string {
  return (e.bypass || []).map(function (entry) {
    const loc = entry.slice(-2) === '/*' ? '^~ ' + confValue(entry.slice(0, -1), 'bypass path') : '= ' + confValue(entry, 'bypass path');
    // The check decides bypass itself; the flag only keeps this path out of the decision cache.
    // A prefix entry's directory itself is not public: its own location stops nginx from
    // redirecting it to the prefix with a slash.
    const dir = entry.slice(-2) === '/*' ? `location = ${confValue(entry.slice(0, -2), 'bypass path')} { ${include} }\n` : '';
    return `${dir}location ${loc} { set $mcp_authz_bypass 1; ${include} }`;
  }).join('\n');
}

/** Whether any endpoint has public sub-paths (the decision cache then honours $mcp_authz_bypass). */
export function hasBypass(config: CoreConfig): boolean {
  return config.endpoints.some(function (e) { return (e.bypass || []).length > 0; });
}

/**
 * Endpoint-conf lines capturing the outbound credential from the check. They belong in the
 * location that runs auth_request: auth_request_set in a named location (tool gate, rate limit)
 * is never evaluated there, since auth_request does not run in it.
 */
export function outboundCapture(e: EndpointConfig): string {
  const lines: string[] = [];
  if (upstreamHeaderName(e) && e.upstream_auth) {
    lines.push(`auth_request_set $mcp_authz_upstream_credential ${upstreamHeaderVar(CREDENTIAL_HEADER)};`);
  }
  if (queryKey(e)) {
    lines.push(`auth_request_set $mcp_authz_upstream_args ${upstreamHeaderVar(ARGS_HEADER)};`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** Upstream-conf lines setting the outbound credential (captured by {@link outboundCapture}). */
export function endpointOutbound(e: EndpointConfig): string {
  const header = upstreamHeaderName(e);
  const lines: string[] = [];
  const a = e.upstream_auth;
  if (header && a) {
    const display = a.type === 'api_key' && a.header ? a.header : 'Authorization';
    lines.push(`# Our credential for the upstream, never the client's (empty on public sub-paths → not sent).
proxy_set_header ${confValue(display, 'header')} $mcp_authz_upstream_credential;`);
  }
  if (passesClientAuthorization(e)) lines.push('proxy_set_header Authorization $mcp_authz_client_authorization;');
  return lines.join('\n');
}

/** Header names endpointOutbound sets, lower-cased (render-conf must not also clear them). */
export function outboundSetNames(e: EndpointConfig): string[] {
  const out: string[] = [];
  const header = upstreamHeaderName(e);
  if (header) out.push(header);
  if (passesClientAuthorization(e)) out.push('authorization');
  return out;
}

/** The proxy_pass target for a query-key endpoint (the path as sent + our args), else null. */
export function outboundProxyPass(e: EndpointConfig, scheme: string, upstream: string): string | null {
  if (!queryKey(e)) return null;
  const u = splitUrl(e.upstream);
  if (u && u.path && u.path !== '/') throw new Error('endpoint ' + e.id + ': an upstream API key in the query needs an upstream URL without a path in nginx');
  return `${scheme}://${upstream}$mcp_authz_request_path?$mcp_authz_upstream_args`;
}

/** main-context lines: `env NAME;` for every variable a script reads. */
export function envConf(config: CoreConfig): string {
  if (!scriptEnv(config).length) return '';
  return ['# mcp-authz: include at the top level of nginx.conf (outside http): njs sees only these variables.']
    .concat(scriptEnv(config).map(function (n) { return 'env ' + n + ';'; }))
    .join('\n') + '\n';
}
