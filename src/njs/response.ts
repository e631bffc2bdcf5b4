/**
 * Core decision → nginx. The check server answers auth_request: 200 with identity in
 * X-MCP-Authz-* headers (and X-Accel-Expires telling proxy_cache how long to keep it), or 401/403
 * carrying the full denial, which the public server's deny handler replays exactly. auth_request
 * only passes 401 and 403 through, so 400/404/503 denials travel inside a 403.
 */
import type { IdentityHeaderNames } from '../core/config-types.ts';
import type { Decision, Respond } from '../core/types.ts';
import { decodeBase64urlText, encodeBase64url } from '../core/base64url.ts';
import { IDENTITY_SLOTS, slotHeader } from './identity-slots.ts';

const RESPONSE_HEADER = 'X-MCP-Authz-Response';

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Answer the auth_request subrequest. */
export function sendCheckResult(r: NginxHTTPRequest, d: Decision, names: IdentityHeaderNames): void {
  r.headersOut['X-MCP-Authz-Reason'] = d.reason;
  if (d.action === 'allow') {
    r.headersOut['X-MCP-Authz-Decision'] = 'allow';
    r.headersOut['X-MCP-Authz-Strategy'] = d.principal.strategy;
    IDENTITY_SLOTS.forEach(function (slot) {
      const value = d.setHeaders[names[slot]];
      if (value) r.headersOut[slotHeader(slot)] = value;
    });
    r.headersOut['X-Accel-Expires'] = String(d.cacheTtl);
    r.return(200);
    return;
  }
  r.headersOut['X-MCP-Authz-Decision'] = 'deny';
  if (d.subject) r.headersOut[slotHeader('subject')] = d.subject;
  // Only core's negative-cache denials are kept; Vary gives each Origin its own copy, since the
  // replayed denial carries CORS headers built for the Origin it was decided for.
  const ttl = d.cacheTtl || 0;
  r.headersOut['X-Accel-Expires'] = String(ttl);
  if (ttl > 0) r.headersOut['Vary'] = 'Origin';
  r.headersOut[RESPONSE_HEADER] = encodeBase64url(utf8(JSON.stringify({ status: d.status, headers: d.headers, body: d.body })));
  r.return(d.status === 401 ? 401 : 403);
}

/** Send a response core built. */
export function sendRespond(r: NginxHTTPRequest, d: Pick<Respond, 'status' | 'headers' | 'body'>): void {
  const names = Object.keys(d.headers);
  for (let i = 0; i < names.length; i++) r.headersOut[names[i]] = d.headers[names[i]];
  if (d.body) r.return(d.status, d.body);
  else r.return(d.status);
}

/** Replay a denial carried from the check server; a missing or broken one is a 500 (fail closed). */
export function replayDenial(r: NginxHTTPRequest, encoded: string | undefined): void {
  const text = encoded ? decodeBase64urlText(encoded) : null;
  if (!text || !text.ok) {
    r.return(500, '{"error":"server_error","error_description":"authorization check failed"}');
    return;
  }
  sendRespond(r, JSON.parse(text.value));
}
