/**
 * The identity headers we set upstream, and the headers we always remove first: our own names
 * (client-sent copies are spoofs), the client's credentials (no token passthrough), and the
 * trusted-header strategy's inputs (consumed here; an upstream must not trust them directly).
 */
import type { EndpointConfig, IdentityHeaderNames } from './config-types.ts';
import type { Principal } from './types.ts';
import { upstreamHeaderName } from './upstream-credential.ts';

/** Keep header values on one line of printable characters, so nothing can inject a header. */
export function headerSafe(value: string): string {
  return value.replace(/[\x00-\x1f\x7f]/g, '');
}

/** Lower-cased names removed from every upstream request of this endpoint. Static per endpoint. */
export function headersToRemove(endpoint: EndpointConfig, names: IdentityHeaderNames): string[] {
  const out: string[] = [names.subject, names.email, names.groups, names.scopes].map(function (n) { return n.toLowerCase(); });
  if (!endpoint.pass_authorization) out.push('authorization');
  // Our outbound credential's header: a client copy is replaced, an alias of it refused.
  const outbound = upstreamHeaderName(endpoint);
  if (outbound) out.push(outbound);
  endpoint.strategies.forEach(function (s) {
    if (s.type === 'apikey') out.push(s.header);
    if (s.type === 'script') s.strip_headers.forEach(function (h) { out.push(h); });
    if (s.type === 'trusted_header') {
      out.push(s.subject_header);
      if (s.email_header) out.push(s.email_header);
      if (s.groups_header) out.push(s.groups_header);
    }
  });
  return out.filter(function (n, i) { return out.indexOf(n) === i; });
}

/** Identity headers for an accepted principal; empty values are left out. */
export function identityHeaders(p: Principal, names: IdentityHeaderNames): Record<string, string> {
  const h: Record<string, string> = {};
  h[names.subject] = headerSafe(p.subject);
  if (p.email) h[names.email] = headerSafe(p.email);
  if (p.groups.length) h[names.groups] = headerSafe(p.groups.join(','));
  if (p.scopes.length) h[names.scopes] = headerSafe(p.scopes.join(' '));
  return h;
}
