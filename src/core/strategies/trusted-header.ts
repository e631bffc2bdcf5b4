/**
 * `trusted_header`: identity asserted by an authenticating proxy in front (oauth2-proxy, Authelia
 * `Remote-User`, Cloudflare Access). Rules: the peer address is inside a configured CIDR, else the
 * headers are ignored (a spoof from anywhere else); the subject header is non-empty.
 */
import type { TrustedHeaderStrategy } from '../config-types.ts';
import { ipInCidrs } from '../cidr.ts';
import { stringList } from '../principal.ts';
import type { Principal } from '../types.ts';
import type { Outcome, StrategyInput } from './outcome.ts';

/** Run the trusted_header strategy. Never cached: it depends on the peer and other headers. */
export function trustedHeaderStrategy(s: TrustedHeaderStrategy, input: StrategyInput): Outcome {
  const h = input.req.headers;
  const subject = h[s.subject_header];
  if (!subject) return { kind: 'skip' };
  if (!ipInCidrs(input.req.clientIp, s.trusted_peers)) return { kind: 'skip', reason: 'untrusted_peer' };
  const p: Principal = { subject: subject, groups: [], scopes: [], strategy: 'trusted_header' };
  if (s.email_header && h[s.email_header]) {
    p.email = h[s.email_header];
    // The proxy in front authenticated the email; treat it as verified.
    p.emailVerified = true;
  }
  if (s.groups_header && h[s.groups_header]) p.groups = stringList(h[s.groups_header].replace(/,/g, ' '));
  return { kind: 'accept', principal: p, ttl: 0 };
}
