/**
 * Building the principal from token claims with the configured claim mapping. Claim names may be
 * dotted paths (`realm_access.roles` for Keycloak roles); scope claims may be a space-delimited
 * string (`scope`, RFC 8693 §4.2) or an array (`scp`, Entra/Okta).
 */
import type { ClaimMapping } from './config-types.ts';
import { hasOwn } from './jwt-claims.ts';
import type { Principal } from './types.ts';

/** Read a possibly dotted claim path. */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (hasOwn(claims, path)) return claims[path];
  const parts = path.split('.');
  let cur: unknown = claims;
  for (let i = 0; i < parts.length; i++) {
    if (!cur || typeof cur !== 'object' || !hasOwn(cur, parts[i])) return undefined;
    cur = (cur as Record<string, unknown>)[parts[i]];
  }
  return cur;
}

/** A claim as a list of strings: arrays keep their strings, a string splits on white space. */
export function stringList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter(function (v) { return typeof v === 'string'; }) as string[];
  return [];
}

/** Add the entries of `extra` not yet in `list`. */
export function union(list: string[], extra: string[]): string[] {
  const out = list.slice();
  extra.forEach(function (v) { if (out.indexOf(v) < 0) out.push(v); });
  return out;
}

/** The principal a verified token describes, or null when it names no subject. */
export function principalFromClaims(claims: Record<string, unknown>, map: ClaimMapping, strategy: string): Principal | null {
  const subject = claimAt(claims, map.subject);
  if (typeof subject !== 'string' || subject === '') return null;
  let scopes: string[] = [];
  map.scopes.forEach(function (name) { scopes = union(scopes, stringList(claimAt(claims, name))); });
  const email = claimAt(claims, map.email);
  const verified = claimAt(claims, map.email_verified);
  const p: Principal = { subject: subject, groups: stringList(claimAt(claims, map.groups)), scopes: scopes, strategy: strategy };
  if (typeof email === 'string' && email !== '') p.email = email;
  if (verified !== undefined) p.emailVerified = verified === true || verified === 'true';
  return p;
}
