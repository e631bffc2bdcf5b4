/**
 * The nginx tool gate: js_content of an endpoint location that has per-tool rules. It runs after
 * auth_request allowed the request (the principal's scopes and groups arrive in
 * `$mcp_authz_principal`, see tool-principal.ts, also from a cached decision), judges the body
 * nginx has read into memory with core's tool policy, and either answers the refusal itself or internal-redirects to
 * the endpoint's named upstream location, which proxies the same body and streams the response.
 *
 * The rules are embedded in its module (bundled-tool-gates.ts: the endpoints with tool rules, no
 * secrets) and picked by `$mcp_authz_endpoint`, so no extra hop to the check server is needed.
 */
import { denial } from '../core/responses.ts';
import { toolRefusal } from '../core/tool-policy.ts';
import type { CoreRequest } from '../core/types.ts';
import { toolGates } from './bundled-tool-gates.ts';
import { sendRespond } from './response.ts';
import { lowerHeaders } from './lower-headers.ts';
import { decodePrincipal } from './tool-principal.ts';

/** Record the refusal in the decision log line (the variables auth_request_set filled). */
function logDenial(r: NginxHTTPRequest, reason: string): void {
  try {
    r.variables.mcp_authz_decision = 'deny';
    r.variables.mcp_authz_reason = reason;
  } catch (e) {
    // Not writable on this nginx: the line then says what auth_request decided.
  }
}

/** js_content: judge the body, then answer or continue to the upstream. */
export function toolGate(r: NginxHTTPRequest): void {
  const id = r.variables.mcp_authz_endpoint || '';
  const gate = Object.prototype.hasOwnProperty.call(toolGates, id) ? toolGates[id] : null;
  if (!gate || !gate.config.endpoints.length) {
    r.return(500, '{"error":"server_error","error_description":"authorization check failed"}');
    return;
  }
  const config = gate.config;
  const endpoint = config.endpoints[0];
  const headers = lowerHeaders(r);
  const principal = decodePrincipal(r.variables.mcp_authz_principal);
  if (!principal) {
    r.return(500, '{"error":"server_error","error_description":"authorization check failed"}');
    return;
  }
  // njs has no text for an empty body; one that did not fit in memory stays undefined (refused).
  const body = r.requestText !== undefined ? r.requestText : headers['content-length'] === '0' ? '' : undefined;
  const refusal = toolRefusal(principal, { method: r.method, headers: headers, body: body }, endpoint);
  if (!refusal) {
    r.internalRedirect(gate.upstream);
    return;
  }
  const req: CoreRequest = {
    method: r.method,
    path: r.uri,
    query: r.variables.args || '',
    host: headers['host'] || '',
    scheme: r.variables.scheme || 'http',
    headers: headers,
    clientIp: r.remoteAddress,
  };
  logDenial(r, refusal.reason);
  sendRespond(r, denial(req, config, endpoint, refusal.reason, refusal.scope));
}
