/**
 * Schema of an endpoint's `upstream_auth` (the credential sent to the upstream instead of the
 * client's) and `bypass` (public sub-paths), plus the endpoint-level rules tying them to the rest.
 */
import { z } from 'zod';
import type { UpstreamAuth } from '../core/upstream-auth-config.ts';
import { checkedString, headerName, httpsUrl, int, isRecord, issuerUrl, nonEmpty, scopeToken } from './schema-primitives.ts';


const queryName = checkedString((v) =>
  /^[A-Za-z0-9._~-]+$/.test(v) ? undefined : 'must be a query parameter name of letters, digits, ".", "_", "~" or "-"',
);

const envName = checkedString((v) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? undefined : 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)',
);

// A secret placed in an HTTP header: no control characters, which would split the header line.
const headerSecret = nonEmpty.refine((v) => !/[\x00-\x1f\x7f]/.test(v), 'must not contain control characters');

const staticAuth = z.strictObject({
  type: z.literal('static'),
  token: headerSecret,
});

const apiKeyAuth = z
  .strictObject({
    type: z.literal('api_key'),
    key: headerSecret,
    header: headerName.optional(),
    query: queryName.optional(),
  })
  .superRefine((a, ctx) => {
    if (a.header !== undefined && a.query !== undefined) ctx.addIssue({ code: 'custom', path: ['query'], message: 'set either header or query, not both' });
  })
  .transform((a): UpstreamAuth => ({
    type: 'api_key',
    key: a.key,
    header: a.query === undefined ? a.header ?? 'X-API-Key' : null,
    query: a.query ?? null,
  }));

function tokenAuth<T extends 'client_credentials' | 'token_exchange'>(type: T) {
  return z
    .strictObject({
      type: z.literal(type),
      token_endpoint: httpsUrl.optional(),
      issuer: issuerUrl.optional(),
      client_id: nonEmpty,
      client_secret: nonEmpty,
      auth_method: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
      scope: z.array(scopeToken).optional(),
      audience: nonEmpty.optional(),
      resource: nonEmpty.optional(),
      expiry_margin: int(0, 3600).default(30),
      default_ttl: int(1, 86_400).default(300),
      retries: int(0, 10).default(2),
      retry_delay_ms: int(0, 60_000).default(200),
    })
    .superRefine((a, ctx) => {
      if (a.token_endpoint === undefined && a.issuer === undefined) {
        ctx.addIssue({ code: 'custom', path: ['token_endpoint'], message: 'set token_endpoint, or issuer to discover it' });
      }
    })
    .transform((a): UpstreamAuth => ({
      type: a.type as 'client_credentials' | 'token_exchange',
      token_endpoint: a.token_endpoint ?? '',
      issuer: a.issuer ?? null,
      client_id: a.client_id,
      client_secret: a.client_secret,
      auth_method: a.auth_method,
      scope: a.scope && a.scope.length ? a.scope.join(' ') : null,
      audience: a.audience ?? null,
      resource: a.resource ?? null,
      expiry_margin: a.expiry_margin,
      default_ttl: a.default_ttl,
      retries: a.retries,
      retry_delay_ms: a.retry_delay_ms,
    }));
}

const scriptAuth = z.strictObject({
  type: z.literal('script'),
  file: checkedString((v) => (/^\/[^\0]*\.(m?js|ts)$/.test(v) ? undefined : 'must be an absolute path to a .js, .mjs or .ts module')),
  env: z.array(envName).default(() => []),
});

/** `upstream_auth:` of an endpoint. */
export const upstreamAuth = z.discriminatedUnion('type', [
  staticAuth,
  apiKeyAuth,
  tokenAuth('client_credentials'),
  tokenAuth('token_exchange'),
  scriptAuth,
]);

// Written into nginx locations: nothing that could end or alter a directive.
const BYPASS_ENTRY = /^\/[^\s"';{}$\\*?#]*(\/\*)?$/;

/** `bypass:` of an endpoint: absolute paths, optionally ending in `/*`. */
export const bypassList = z
  .array(
    checkedString((v) =>
      BYPASS_ENTRY.test(v) ? undefined : 'must be an absolute path without spaces, quotes, ";", "{", "}", "$", "?" or "#", optionally ending in "/*"',
    ),
  )
  .default(() => []);

/**
 * Endpoint-level rules: each bypass entry lies strictly below the endpoint path (the endpoint
 * itself can't be public this way), and token_exchange needs a jwt strategy (a validated token).
 */
export function checkUpstreamRules(ep: unknown, ctx: z.RefinementCtx): void {
  if (!isRecord(ep) || typeof ep.path !== 'string') return;
  const base = ep.path === '/' ? '/' : ep.path + '/';
  if (Array.isArray(ep.bypass)) {
    ep.bypass.forEach((entry: unknown, i) => {
      // A malformed entry already has its error.
      if (typeof entry !== 'string' || !BYPASS_ENTRY.test(entry)) return;
      const plain = entry.slice(-2) === '/*' ? entry.slice(0, -1) : entry;
      if (plain.indexOf(base) !== 0 || (plain === base && entry.slice(-2) !== '/*')) {
        ctx.addIssue({ code: 'custom', path: ['bypass', i], message: `must be a path below the endpoint path ${base}` });
      }
    });
  }
  const ua = ep.upstream_auth;
  if (isRecord(ua) && ua.type === 'token_exchange' && Array.isArray(ep.strategies)) {
    if (!ep.strategies.some((s) => isRecord(s) && s.type === 'jwt')) {
      ctx.addIssue({ code: 'custom', path: ['upstream_auth', 'type'], message: 'token_exchange needs a jwt strategy (it exchanges the validated access token)' });
    }
  }
}
