/**
 * Runs an endpoint's strategies in their configured order: the first that accepts wins. When none
 * accepts, the first rejection decides the denial (it is the most specific), else the first skip
 * reason, else `missing_credentials`.
 */
import type { Strategy } from '../config-types.ts';
import type { Outcome, StrategyInput } from './outcome.ts';
import { jwtStrategy } from './jwt.ts';
import { apiKeyStrategy, bearerStrategy } from './static-credentials.ts';
import { trustedHeaderStrategy } from './trusted-header.ts';
import { scriptStrategy } from './script.ts';

function runOne(s: Strategy, input: StrategyInput): Outcome | Promise<Outcome> {
  switch (s.type) {
    case 'jwt': return jwtStrategy(s, input);
    case 'apikey': return apiKeyStrategy(s, input);
    case 'bearer': return bearerStrategy(s, input);
    case 'trusted_header': return trustedHeaderStrategy(s, input);
    case 'script': return scriptStrategy(s, input);
    case 'none': return { kind: 'accept', principal: { subject: s.subject, groups: [], scopes: s.scopes.slice(), strategy: 'none' }, ttl: 0 };
  }
}

/** Only jwt and bearer depend on nothing but the Authorization header, so only they may be cached. */
function authorizationOnly(s: Strategy): boolean {
  return s.type === 'jwt' || s.type === 'bearer';
}

/** The combined outcome; an accept's ttl is 0 unless every strategy consulted was Authorization-only. */
export async function runStrategies(strategies: Strategy[], input: StrategyInput): Promise<Outcome> {
  let firstReject: string | null = null;
  let firstResponse: Outcome | null = null;
  let firstSkip: string | null = null;
  let cacheable = true;
  for (let i = 0; i < strategies.length; i++) {
    cacheable = cacheable && authorizationOnly(strategies[i]);
    const o = await runOne(strategies[i], input);
    if (o.kind === 'accept') return cacheable ? o : { kind: 'accept', principal: o.principal, ttl: 0 };
    if (o.kind === 'reject' && firstReject === null) {
      firstReject = o.reason;
      if (o.response) firstResponse = o;
    }
    if (o.kind === 'skip' && o.reason && firstSkip === null) firstSkip = o.reason;
  }
  if (firstResponse) return firstResponse;
  return { kind: 'reject', reason: firstReject || firstSkip || 'missing_credentials' };
}
