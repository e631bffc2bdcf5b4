/**
 * The nginx side of the per-request rules (src/core/request-rules.ts), for render-conf.ts:
 *  - per-tool rules: the endpoint location reads the body into memory (client_body_buffer_size =
 *    client_max_body_size = max_body_bytes, so it is never in a temp file), auth_request runs as
 *    usual, then the edge module's `toolGate` (js_content) judges the body and internal-redirects to
 *    `@mcp_authz_up_<id>`, a named location that proxies the same body, unbuffered for SSE. The
 *    gate is the `mcp-authz-tools.js` module, imported in these locations only, with the rules
 *    built in (tool-gates.ts; no secrets: strategies are dropped).
 *    Checked in njs in the public server rather than in the check server: no extra hop, and the
 *    decision cache keeps answering auth_request (a tool decision is per body, never cached);
 *  - the header allow-list: `proxy_pass_request_headers off` and one proxy_set_header per allowed
 *    header.
 */
import type { CoreConfig, EndpointConfig } from '../core/types.ts';
import { headersToRemove } from '../core/identity-headers.ts';
import { passedHeaderNames } from '../core/header-allow-list.ts';
import { bodyLimit, hasToolRules } from '../core/tool-rules.ts';
import { httpHeaderVar } from './conf-names.ts';
import { upstreamRewrite } from './named-upstream-rewrite.ts';
import { outboundSetNames } from './render-outbound.ts';
import { upstreamLocation } from './tool-gates.ts';

export { hasToolRules };

/** Directives ending an endpoint location with tool rules (instead of its proxy_pass block). */
export function toolGateDirectives(e: EndpointConfig): string {
  const limit = bodyLimit(e);
  return `# Per-tool rules: the body is read into memory (one buffer as large as the limit, so never a
# temp file), then njs judges its JSON-RPC tools/call after auth_request allowed the request, and
# continues to ${upstreamLocation(e)} (same body, streamed response) or answers 403/400/413 itself.
client_max_body_size ${limit};
client_body_buffer_size ${limit};
error_page 413 = @mcp_authz_too_large;
auth_request_set $mcp_authz_principal $upstream_http_x_mcp_authz_principal;    # scopes + groups as JSON
# The tool policy (with this configuration's rules) lives in its own module, imported only here:
# other locations stay on the edge one. It finds the rules by $mcp_authz_endpoint.
js_import mcp_authz_tools from mcp-authz-tools.js;
js_content mcp_authz_tools.toolGate;
`;
}

/** `x-api-key` → `X-Api-Key`, for readable directives. */
function display(name: string): string {
  return name.split('-').map(function (p) { return p.charAt(0).toUpperCase() + p.slice(1); }).join('-');
}

/** Headers nginx sets itself on every proxied request (render-conf.ts, and framing). */
const SET_BY_NGINX = ['host', 'content-length', 'transfer-encoding', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'];

/** The allow-list directives, or '' when the endpoint passes every client header. */
export function allowListDirectives(config: CoreConfig, e: EndpointConfig): string {
  const passed = passedHeaderNames(e);
  if (!passed) return '';
  const removed = headersToRemove(e, config.identity_headers);
  // Set by render-outbound.ts instead (pass_authorization with bypass: empty on public paths); a
  // second proxy_set_header of the same name would send the client's copy as well.
  const outbound = outboundSetNames(e);
  const lines = passed.filter(function (h) { return SET_BY_NGINX.indexOf(h) < 0 && removed.indexOf(h) < 0 && outbound.indexOf(h) < 0; }).map(function (h) {
    return `proxy_set_header ${display(h)} ${httpHeaderVar(h)};`;
  });
  return `# Header allow-list (pass_headers): no other client header reaches the upstream.
proxy_pass_request_headers off;
${lines.join('\n')}
`;
}

/**
 * server.conf locations: each tool-gated endpoint's upstream location (a rate-limited one has its
 * own, rate-limit-conf.ts) and the 413 answer. `accessLog` is the decision log directive.
 */
export function requestRuleLocations(config: CoreConfig, dir: string, accessLog: string): string {
  const gated = config.endpoints.filter(hasToolRules);
  if (!gated.length) return '';
  const named = gated.filter(function (e) { return !e.rate_limit; }).map(function (e) {
    return `location ${upstreamLocation(e)} {
${upstreamRewrite(e)}    include ${dir}/endpoint-${e.id}-upstream.conf;
    ${accessLog}
}`;
  });
  return `
# Endpoints with per-tool rules: where the tool gate sends allowed requests.
${named.join('\n')}
# A body over max_body_bytes: the same JSON error every adapter gives.
location @mcp_authz_too_large {
    default_type application/json;
    add_header Cache-Control no-store always;
    add_header Access-Control-Allow-Origin $mcp_authz_cors_origin always;
    add_header Access-Control-Expose-Headers $mcp_authz_cors_expose always;
    return 413 '{"error":"invalid_request","error_description":"The request body is too large"}';
}
`;
}
