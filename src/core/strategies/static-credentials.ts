/**
 * `apikey` and `bearer`: credentials listed in the configuration, compared in constant time against
 * every entry (no early exit, so timing does not reveal which entry was close).
 */
import type { ApiKeyStrategy, BearerStrategy } from '../config-types.ts';
import { constantTimeEqual } from '../constant-time.ts';
import type { Principal } from '../types.ts';
import type { Outcome, StrategyInput } from './outcome.ts';

interface Entry { subject: string; scopes: string[]; groups: string[] }

function match<T extends Entry>(entries: T[], secretOf: (e: T) => string, presented: string): T | null {
  let found: T | null = null;
  for (let i = 0; i < entries.length; i++) {
    if (constantTimeEqual(secretOf(entries[i]), presented) && found === null) found = entries[i];
  }
  return found;
}

function principalOf(e: Entry, strategy: string): Principal {
  return { subject: e.subject, scopes: e.scopes.slice(), groups: e.groups.slice(), strategy: strategy };
}

/** `apikey`: the configured header carries one of the keys. Not cached: the key is not the Authorization header. */
export function apiKeyStrategy(s: ApiKeyStrategy, input: StrategyInput): Outcome {
  const presented = input.req.headers[s.header];
  if (!presented) return { kind: 'skip' };
  const e = match(s.keys, function (k) { return k.key; }, presented);
  return e ? { kind: 'accept', principal: principalOf(e, 'apikey'), ttl: 0 } : { kind: 'reject', reason: 'invalid_api_key' };
}

/** `bearer`: the Authorization bearer token is one of the static tokens. */
export function bearerStrategy(s: BearerStrategy, input: StrategyInput): Outcome {
  if (input.bearer.kind === 'none') return { kind: 'skip' };
  if (input.bearer.kind === 'malformed') return { kind: 'reject', reason: 'malformed_token' };
  const e = match(s.tokens, function (t) { return t.token; }, input.bearer.token);
  // Static tokens don't expire, but a removed one must stop working soon after a reload.
  return e ? { kind: 'accept', principal: principalOf(e, 'bearer'), ttl: 60 } : { kind: 'reject', reason: 'unknown_token' };
}
