/**
 * Entry points of the internal check server (the full bundle: core + configuration):
 *  - `check`    behind auth_request + proxy_cache: decides one request;
 *  - `respond`  resource metadata and CORS preflights, proxied here by the public server.
 * Kept out of the public server on purpose: njs 0.7.9 clones a request's VM with everything
 * imported in its context, so the hot path there imports only the tiny edge module (edge.ts).
 * A thrown error becomes a 500 from nginx: the check fails closed.
 */
import { decide } from '../core/decide.ts';
import { endpointById } from '../core/endpoint-match.ts';
import { hasToolRules } from '../core/tool-rules.ts';
import { config } from './bundled-config.ts';
import { njsPorts } from './njs-ports.ts';
import { forwardedRequest } from './request.ts';
import { encodePrincipal, PRINCIPAL_HEADER } from './tool-principal.ts';
import { sendCheckResult, sendRespond } from './response.ts';
import { credentialFetch } from './credential-fetch.ts';
import { sendUpstreamChanges } from './upstream-changes.ts';

const CHECK_PREFIX = '/check/';

async function check(r: NginxHTTPRequest): Promise<void> {
  const endpointId = r.uri.indexOf(CHECK_PREFIX) === 0 ? r.uri.slice(CHECK_PREFIX.length) : '';
  const req = forwardedRequest(r);
  // auth_request never carries the body: per-tool rules run afterwards in the tool gate (tool-gate.ts).
  const d = await decide(req, config, njsPorts(r, config), { endpointId: endpointId, toolRulesElsewhere: true });
  const endpoint = endpointById(config, endpointId);
  if (d.action === 'allow' && endpoint && hasToolRules(endpoint)) r.headersOut[PRINCIPAL_HEADER] = encodePrincipal(d.principal);
  sendUpstreamChanges(r, d, config, req.query);
  sendCheckResult(r, d, config.identity_headers);
}

async function respond(r: NginxHTTPRequest): Promise<void> {
  const req = forwardedRequest(r);
  const endpointId = req.headers['x-mcp-authz-endpoint'] || undefined;
  const d = await decide(req, config, njsPorts(r, config), { endpointId: endpointId });
  if (d.action === 'respond') sendRespond(r, d);
  // Only metadata and preflights are routed here; anything else is a routing mistake.
  else r.return(500);
}

export default { check: check, respond: respond, credential: credentialFetch };
