/**
 * The decision for one request, the same in every adapter:
 *  1. resource metadata paths → the RFC 9728 document (GET/HEAD) or a preflight;
 *  2. no endpoint → 404; a CORS preflight → 204, never an auth challenge;
 *  3. a token in the query string → 400 invalid_request (MCP forbids it); a header whose name
 *     aliases one we control (X.MCP.Subject) → 400 (header-aliases.ts);
 *  4. an oversized Authorization header → 401 before any parsing; then a public `bypass` path goes
 *     upstream with no identity and no credential (bypass-decision.ts);
 *  5. the endpoint's strategies, first accept wins (strategies/run-strategies.ts);
 *  6. the endpoint's policy (policy.ts) → 403;
 *  7. allow, with identity headers set, credentials and spoofable headers removed, and our own
 *     upstream credential added (upstream-credential.ts; none to be had → 503);
 *  8. per-request rules on the allow: per-tool rules on the body, the header allow-list
 *     (request-rules.ts).
 * It never throws for an expected failure; adapters treat a thrown error as a failed check.
 */
import type { CoreConfig, EndpointConfig } from './config-types.ts';
import { bearerToken } from './bearer-token.ts';
import { bypassDecision } from './bypass-decision.ts';
import { isPreflight } from './cors.ts';
import { endpointById, matchEndpoint } from './endpoint-match.ts';
import { spoofedAlias } from './header-aliases.ts';
import { headersToRemove, identityHeaders } from './identity-headers.ts';
import { isMetadataPath, metadataEndpoint } from './metadata-route.ts';
import { checkPolicy } from './policy.ts';
import { denial, metadataResponse, preflightResponse } from './responses.ts';
import { runStrategies } from './strategies/run-strategies.ts';
import { applyRequestRules } from './request-rules.ts';
import { queryParamNames } from './url.ts';
import { upstreamChanges } from './upstream-credential.ts';
import type { Allow, CoreRequest, Decision, Ports, Respond } from './types.ts';

export interface DecideOptions {
  /** Pin the endpoint (nginx location, Envoy context_extensions) instead of matching the path. */
  endpointId?: string;
  /** The adapter applies per-tool rules itself after this check (nginx: the tool gate). */
  toolRulesElsewhere?: boolean;
}

function metadataDecision(req: CoreRequest, config: CoreConfig): Decision {
  const endpoint = metadataEndpoint(config, req.path);
  if (!endpoint) return denial(req, config, null, 'no_endpoint');
  if (isPreflight(req.method, req.headers)) return preflightResponse(req, config, endpoint);
  if (req.method !== 'GET' && req.method !== 'HEAD') return denial(req, config, null, 'method_not_allowed');
  return metadataResponse(req, config, endpoint);
}

/**
 * Steps 2–4: what is decided without looking at credentials. Adapters with a decision cache run
 * this before the cache, so a cached token can't carry a query token or a header alias past it.
 */
export function precheck(req: CoreRequest, config: CoreConfig, endpoint: EndpointConfig): Respond | null {
  if (isPreflight(req.method, req.headers)) return preflightResponse(req, config, endpoint);
  if (queryParamNames(req.query).indexOf('access_token') >= 0) return denial(req, config, endpoint, 'token_in_query');
  if (spoofedAlias(req.headers, headersToRemove(endpoint, config.identity_headers))) return denial(req, config, endpoint, 'header_alias');
  const authorization = req.headers['authorization'];
  if (authorization && authorization.length > config.max_token_length) return denial(req, config, endpoint, 'token_too_large');
  return null;
}

async function endpointDecision(req: CoreRequest, config: CoreConfig, endpoint: EndpointConfig, ports: Ports, options?: DecideOptions): Promise<Decision> {
  const pre = precheck(req, config, endpoint);
  if (pre) return pre;
  const bypass = bypassDecision(req, config, endpoint);
  // A public path is still subject to the header allow-list and, with no principal, to tool rules
  // (as nginx's generated conf applies them there).
  if (bypass) return applyRequestRules(bypass, req, config, endpoint, options);
  const authorization = req.headers['authorization'];
  const bearer = bearerToken(authorization);
  const outcome = await runStrategies(endpoint.strategies, { req: req, bearer: bearer, endpoint: endpoint, ports: ports });
  if (outcome.kind === 'reject' && outcome.response) return denial(req, config, endpoint, outcome.reason, undefined, outcome.response);
  if (outcome.kind !== 'accept') {
    const d = denial(req, config, endpoint, outcome.kind === 'reject' ? outcome.reason : 'missing_credentials');
    if (outcome.kind === 'reject' && outcome.ttl) d.cacheTtl = outcome.ttl;
    return d;
  }
  const policy = checkPolicy(outcome.principal, endpoint.policy);
  if (!policy.ok) {
    const d = denial(req, config, endpoint, policy.reason, policy.detail);
    d.subject = outcome.principal.subject;
    return d;
  }
  const outbound = await upstreamChanges(endpoint, outcome.principal, bearer.kind === 'token' ? bearer.token : null, ports);
  if (!outbound.ok) {
    const d = denial(req, config, endpoint, outbound.reason);
    d.subject = outcome.principal.subject;
    return d;
  }
  const allow: Allow = {
    action: 'allow',
    endpoint: endpoint.id,
    principal: outcome.principal,
    setHeaders: Object.assign(identityHeaders(outcome.principal, config.identity_headers), outbound.value.headers),
    removeHeaders: headersToRemove(endpoint, config.identity_headers),
    reason: 'ok',
    // A cached decision carries the credential: never past the credential's own lifetime.
    cacheTtl: outbound.value.ttl === null ? outcome.ttl : Math.max(0, Math.min(outcome.ttl, Math.floor(outbound.value.ttl))),
  };
  if (Object.keys(outbound.value.query).length) allow.setQuery = outbound.value.query;
  return applyRequestRules(allow, req, config, endpoint, options);
}

/** The endpoint a request is for: pinned by the adapter, else matched by path. */
export function endpointFor(req: CoreRequest, config: CoreConfig, options?: DecideOptions): EndpointConfig | null {
  return options && options.endpointId ? endpointById(config, options.endpointId) : matchEndpoint(config, req.path);
}

/** Decide one request. */
export async function decide(req: CoreRequest, config: CoreConfig, ports: Ports, options?: DecideOptions): Promise<Decision> {
  if (isMetadataPath(req.path)) return metadataDecision(req, config);
  const endpoint = endpointFor(req, config, options);
  if (!endpoint) return denial(req, config, null, 'no_endpoint');
  return endpointDecision(req, config, endpoint, ports, options);
}
