/**
 * What the nginx tool gate knows per endpoint with per-tool rules, embedded in `mcp-authz-tools.js`
 * at build time (build-bundle.ts) and picked by `$mcp_authz_endpoint` at request time: the
 * endpoint without strategies (so no API keys or tokens), CORS left to the location's add_header.
 */
import type { CoreConfig, EndpointConfig } from '../core/config-types.ts';
import type { ToolGateConfig } from '../core/tool-gate-config.ts';
import { hasToolRules } from '../core/tool-rules.ts';
import { endpointIdent } from './conf-names.ts';
import { limitedName } from './rate-limit-conf.ts';

/**
 * Where the tool gate sends an allowed request: the endpoint's rate limit when it has one (which
 * then proxies), else a named location that proxies.
 */
export function upstreamLocation(e: EndpointConfig): string {
  return e.rate_limit ? limitedName(e) : '@mcp_authz_up_' + endpointIdent(e);
}

/** Endpoint id → its gate, for every endpoint with per-tool rules. */
export function toolGates(config: CoreConfig): Record<string, ToolGateConfig> {
  const out: Record<string, ToolGateConfig> = {};
  config.endpoints.filter(hasToolRules).forEach(function (e) {
    const endpoint: EndpointConfig = Object.assign({}, e, { strategies: [] });
    out[e.id] = {
      config: { endpoints: [endpoint], identity_headers: config.identity_headers, cors: { allowed_origins: [], max_age: 0 }, max_token_length: config.max_token_length },
      upstream: upstreamLocation(e),
    };
  });
  return out;
}
