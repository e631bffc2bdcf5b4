/**
 * The rules applied to an allowed token decision that depend on this very request rather than on
 * the token: per-tool rules (the body) and the header allow-list (the header names). Never part of
 * a cached decision: the Node cache re-applies them on every hit, and nginx applies them in the
 * public location (tool gate, generated proxy_set_header list) after its cached auth_request.
 */
import type { CoreConfig, EndpointConfig } from './config-types.ts';
import { headersNotPassed } from './header-allow-list.ts';
import { denial } from './responses.ts';
import { toolRefusal } from './tool-policy.ts';
import type { Allow, CoreRequest, Decision } from './types.ts';

export interface RequestRuleOptions {
  /** The adapter applies tool rules itself after the check (nginx's tool gate reads the body). */
  toolRulesElsewhere?: boolean;
}

/** Apply the per-request rules to an allow: a denial, or the allow with any extra removals. */
export function applyRequestRules(d: Allow, req: CoreRequest, config: CoreConfig, endpoint: EndpointConfig, options?: RequestRuleOptions): Decision {
  if (!(options && options.toolRulesElsewhere)) {
    const refusal = toolRefusal(d.principal, req, endpoint);
    if (refusal) {
      const r = denial(req, config, endpoint, refusal.reason, refusal.scope);
      r.subject = d.principal.subject;
      return r;
    }
  }
  const extra = headersNotPassed(endpoint, req.headers).filter(function (n) { return d.removeHeaders.indexOf(n) < 0; });
  if (!extra.length) return d;
  return Object.assign({}, d, { removeHeaders: d.removeHeaders.concat(extra) });
}
