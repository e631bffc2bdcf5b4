/**
 * The responses the proxy sends itself: denials (status + challenge + JSON error body), resource
 * metadata and preflights. Each carries CORS headers for browser clients.
 */
import type { CoreConfig, EndpointConfig } from './config-types.ts';
import { bearerChallenge } from './challenge.ts';
import { corsHeaders, preflightHeaders } from './cors.ts';
import { protectedResourceMetadata } from './protected-resource-metadata.ts';
import { reasonInfo, type ReasonInfo } from './reasons.ts';
import { protectedResourceMetadataUrl } from './url.ts';
import type { CoreRequest, Respond } from './types.ts';

const JSON_TYPE = 'application/json';

/**
 * A denial. 401 always challenges with `resource_metadata` (RFC 9728 §5.1), adding `error` only
 * when credentials were sent (RFC 6750 §3.1); 403 insufficient_scope names the scopes to request.
 * `override` replaces the reason table's status, error and description (a script's denial).
 */
export function denial(req: CoreRequest, config: CoreConfig, endpoint: EndpointConfig | null, reason: string, scope?: string, override?: ReasonInfo): Respond {
  const info = override || reasonInfo(reason);
  const headers = corsHeaders(req.headers['origin'], config.cors);
  headers['Content-Type'] = JSON_TYPE;
  headers['Cache-Control'] = 'no-store';
  if (endpoint && (info.status === 401 || info.status === 400 || reason === 'insufficient_scope' || info.error === 'insufficient_scope')) {
    const required = endpoint.policy.required_scopes.join(' ');
    headers['WWW-Authenticate'] = bearerChallenge({
      resourceMetadata: protectedResourceMetadataUrl(endpoint.resource),
      error: info.error,
      description: info.description,
      scope: scope || required || undefined,
    });
  }
  if (info.status === 503) headers['Retry-After'] = '5';
  const body: Record<string, string> = { error: info.error || errorWord(info.status), error_description: info.description };
  return { action: 'respond', endpoint: endpoint ? endpoint.id : null, status: info.status, headers: headers, body: JSON.stringify(body), reason: reason };
}

function errorWord(status: number): string {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'access_denied';
  if (status === 404) return 'not_found';
  if (status === 405) return 'method_not_allowed';
  return 'temporarily_unavailable';
}

/** The RFC 9728 document for an endpoint. */
export function metadataResponse(req: CoreRequest, config: CoreConfig, endpoint: EndpointConfig): Respond {
  const headers = corsHeaders(req.headers['origin'], config.cors);
  headers['Content-Type'] = JSON_TYPE;
  headers['Cache-Control'] = 'public, max-age=300';
  return { action: 'respond', endpoint: endpoint.id, status: 200, headers: headers, body: JSON.stringify(protectedResourceMetadata(endpoint)), reason: 'metadata' };
}

/** A CORS preflight answer: 204, never an auth challenge. */
export function preflightResponse(req: CoreRequest, config: CoreConfig, endpoint: EndpointConfig | null): Respond {
  return { action: 'respond', endpoint: endpoint ? endpoint.id : null, status: 204, headers: preflightHeaders(req.headers['origin'], config.cors), body: '', reason: 'preflight' };
}
