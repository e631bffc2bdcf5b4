/**
 * Runs an endpoint's strategies in their configured order: the first that accepts wins. When none
 * accepts, the first rejection decides the denial (it is the most specific), else the first skip
 * reason, else `missing_credentials`. One exception: an introspection or remote rejection replaces
 * an earlier `malformed_token`, since an opaque token is "malformed" only to a jwt strategy.
 */
import type { Strategy } from '../config-types.ts';
import type { Outcome, StrategyInput } from './outcome.ts';
import { introspectionStrategy } from './introspection.ts';
import { jwtStrategy } from './jwt.ts';
import { remoteStrategy } from './remote.ts';
import { apiKeyStrategy, bearerStrategy } from './static-credentials.ts';
import { trustedHeaderStrategy } from './trusted-header.ts';
import { scriptStrategy } from './script.ts';

function runOne(s: Strategy, input: StrategyInput): Outcome | Promise<Outcome> {
  switch (s.type) {
    case 'jwt': return jwtStrategy(s, input);
    case 'apikey': return apiKeyStrategy(s, input);
    case 'bearer': return bearerStrategy(s, input);
    case 'trusted_header': return trustedHeaderStrategy(s, input);
    case 'introspection': return introspectionStrategy(s, input);
    case 'remote': return remoteStrategy(s, input);
    case 'script': return scriptStrategy(s, input);
    case 'none': return { kind: 'accept', principal: { subject: s.subject, groups: [], scopes: s.scopes.slice(), strategy: 'none' }, ttl: 0 };
  }
}

/** Only these depend on nothing but the Authorization header, so only they may be cached. */
function authorizationOnly(s: Strategy): boolean {
  return s.type === 'jwt' || s.type === 'bearer' || s.type === 'introspection' || s.type === 'remote';
}

/** Strategies built for opaque tokens: their verdict is more specific than jwt's "not a JWT". */
function asksAService(s: Strategy): boolean {
  return s.type === 'introspection' || s.type === 'remote';
}

/** A rejection, as strategies return it. */
type Rejection = Extract<Outcome, { kind: 'reject' }>;

/**
 * The combined outcome; an accept's ttl is 0 unless every strategy consulted was Authorization-only.
 * A rejection keeps a script's own denial (status, error, description) when it decides.
 */
export async function runStrategies(strategies: Strategy[], input: StrategyInput): Promise<Outcome> {
  let first: Rejection | null = null;
  // A denial is reusable only if every rejection is: a "not active/valid" answer (with its ttl) or
  // jwt's "not a JWT" (a property of the token). A service failure anywhere makes it one-off.
  let reusable = true;
  let minTtl = -1;
  let firstSkip: string | null = null;
  let cacheable = true;
  for (let i = 0; i < strategies.length; i++) {
    cacheable = cacheable && authorizationOnly(strategies[i]);
    const o = await runOne(strategies[i], input);
    if (o.kind === 'accept') return cacheable ? o : { kind: 'accept', principal: o.principal, ttl: 0 };
    if (o.kind === 'reject') {
      if (o.ttl && o.ttl > 0) minTtl = minTtl < 0 ? o.ttl : Math.min(minTtl, o.ttl);
      else if (o.reason !== 'malformed_token') reusable = false;
      if (first === null || (first.reason === 'malformed_token' && asksAService(strategies[i]))) first = o;
    }
    if (o.kind === 'skip' && o.reason && firstSkip === null) firstSkip = o.reason;
  }
  if (first === null) return { kind: 'reject', reason: firstSkip || 'missing_credentials' };
  // Scripts read any header, so a script's denial is never among the cacheable ones.
  if (first.response) return { kind: 'reject', reason: first.reason, response: first.response };
  if (cacheable && reusable && first.ttl) return { kind: 'reject', reason: first.reason, ttl: minTtl };
  return { kind: 'reject', reason: first.reason };
}
