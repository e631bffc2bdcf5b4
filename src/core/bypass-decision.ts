/**
 * The allow for a public sub-path (`bypass`, matched by bypass.ts): no strategy runs, no identity
 * and no credential goes upstream: the client's Authorization is removed even on a
 * `pass_authorization` endpoint, and our outbound credential is not added (anyone may call a
 * public path, so it must not act with the proxy's authority). Never cached.
 */
import type { CoreConfig, EndpointConfig } from './config-types.ts';
import { isBypassed } from './bypass.ts';
import { headersToRemove } from './identity-headers.ts';
import type { Allow, CoreRequest } from './types.ts';

/** The bypass allow when `req` is for a public sub-path of `endpoint`, else null. */
export function bypassDecision(req: CoreRequest, config: CoreConfig, endpoint: EndpointConfig): Allow | null {
  if (!isBypassed(endpoint, req.path)) return null;
  const remove = headersToRemove(endpoint, config.identity_headers);
  if (remove.indexOf('authorization') < 0) remove.push('authorization');
  return {
    action: 'allow',
    endpoint: endpoint.id,
    principal: { subject: '', groups: [], scopes: [], strategy: 'bypass' },
    setHeaders: {},
    removeHeaders: remove,
    reason: 'ok',
    cacheTtl: 0,
  };
}
