/**
 * The outbound credential travels from the check server to the public server in two fixed
 * headers, like identity (identity-slots.ts): the generated endpoint conf sets the configured
 * header from X-MCP-Authz-Upstream-Credential, and for a query API key proxies to the path with
 * the args from X-MCP-Authz-Upstream-Args (the client's args with our parameter set). Both are
 * functions of the Authorization header and the args, which the decision cache is keyed on.
 */
import type { CoreConfig } from '../core/config-types.ts';
import { endpointById } from '../core/endpoint-match.ts';
import type { Decision } from '../core/types.ts';
import { upstreamHeaderName } from '../core/upstream-credential.ts';
import { withQuery } from '../core/with-query.ts';

import { ARGS_HEADER, CREDENTIAL_HEADER } from './credential-locations.ts';

/** Set the upstream-change headers of an allow (before sendCheckResult answers). */
export function sendUpstreamChanges(r: NginxHTTPRequest, d: Decision, config: CoreConfig, query: string): void {
  if (d.action !== 'allow') return;
  const endpoint = endpointById(config, d.endpoint);
  if (!endpoint || !endpoint.upstream_auth) return;
  const header = upstreamHeaderName(endpoint);
  if (header) {
    const names = Object.keys(d.setHeaders);
    for (let i = 0; i < names.length; i++) {
      if (names[i].toLowerCase() === header) r.headersOut[CREDENTIAL_HEADER] = d.setHeaders[names[i]];
    }
  }
  const a = endpoint.upstream_auth;
  if (a.type === 'api_key' && a.query) r.headersOut[ARGS_HEADER] = d.setQuery ? withQuery(query, d.setQuery) : query;
}
