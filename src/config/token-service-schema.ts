/**
 * zod schemas of the `introspection` (RFC 7662) and `remote` strategies, and what they derive from
 * their endpoint (default audience, the discovery URL of a missing introspection endpoint).
 */
import { z } from 'zod';
import type { RemoteStrategy } from '../core/config-types.ts';
import type { AppIntrospectionStrategy } from './app-config.ts';
import { checkedString, headerNameProblem, int, isRecord, issuerUrl, nonEmpty, stringList } from './schema-primitives.ts';
import { httpsUrlProblem, stripTrailingSlash } from './url-rules.ts';

/** Characters that cannot go into the generated nginx `proxy_pass` (quotes, `$`, `;`, braces, space). */
const CONF_UNSAFE = /[\s"'\\$;{}]/;

const serviceUrl = checkedString(
  (v) => httpsUrlProblem(v) ?? (v.includes('#') ? 'must not contain a fragment' : undefined)
    ?? (CONF_UNSAFE.test(v) ? 'must not contain spaces, quotes, "\\", "$", ";", "{" or "}"' : undefined),
);

/** Headers the runtime sets itself; a static copy would conflict or smuggle. */
const RESERVED_HEADERS = ['content-type', 'content-length', 'host', 'connection', 'transfer-encoding', 'accept'];

function staticHeaderProblem(name: string): string | undefined {
  const problem = headerNameProblem(name);
  if (problem !== undefined) return problem;
  return RESERVED_HEADERS.includes(name.toLowerCase()) ? 'is set by mcp-authz itself and cannot be configured' : undefined;
}

// CR/LF would split the header; nothing else is refused (values may be secrets, never echoed).
const headerValue = z.string().refine((v) => !/[\r\n\0]/.test(v), 'must not contain line breaks');

export const introspectionStrategy = z
  .strictObject({
    type: z.literal('introspection'),
    endpoint: serviceUrl.optional(),
    // Kept byte for byte: compared with the response's `iss` and the discovery document's.
    issuer: issuerUrl.optional(),
    client_id: nonEmpty,
    client_secret: nonEmpty,
    client_auth: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
    audience: stringList(nonEmpty),
    require_audience: z.boolean().default(false),
    token_type: nonEmpty.nullable().default(null),
    tokens: z.enum(['opaque', 'all']).default('all'),
    clock_skew: int(0, 300).default(60),
    cache_ttl: int(0, 86_400).default(300),
    negative_cache_ttl: int(0, 300).default(5),
    timeout: int(1, 60).default(5),
  })
  // Runs even when other fields failed (`when`), so this error arrives with the rest.
  .superRefine(
    (s: unknown, ctx) => {
      if (isRecord(s) && s.endpoint === undefined && s.issuer === undefined) {
        ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'is required unless issuer is set (then it is discovered)' });
      }
    },
    { when: () => true },
  );

export const remoteStrategy = z
  .strictObject({
    type: z.literal('remote'),
    url: serviceUrl,
    headers: z.record(z.string(), headerValue).default(() => ({})),
    timeout: int(1, 60).default(5),
    cache_ttl: int(0, 86_400).default(60),
    negative_cache_ttl: int(0, 300).default(5),
  })
  .superRefine(
    (s: unknown, ctx) => {
      if (!isRecord(s) || !isRecord(s.headers)) return;
      const seen = new Set<string>();
      for (const name of Object.keys(s.headers)) {
        const problem = staticHeaderProblem(name) ?? (seen.has(name.toLowerCase()) ? 'duplicates another header (names are case-insensitive)' : undefined);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['headers', name], message: problem });
        seen.add(name.toLowerCase());
      }
    },
    { when: () => true },
  )
  .transform((s): RemoteStrategy => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(s.headers)) headers[name.toLowerCase()] = value;
    return { ...s, headers };
  });

/** Fill what an introspection strategy derives from its endpoint and mark whether discovery is needed. */
export function finishIntrospection(s: z.output<typeof introspectionStrategy>, endpointResource: string): AppIntrospectionStrategy {
  return {
    type: 'introspection',
    endpoint: s.endpoint ?? '',
    // OIDC Discovery §4 / RFC 8414 §3: `introspection_endpoint` is in the issuer's metadata.
    discovery_url: s.endpoint === undefined ? `${stripTrailingSlash(s.issuer ?? '')}/.well-known/openid-configuration` : null,
    client_id: s.client_id,
    client_secret: s.client_secret,
    client_auth: s.client_auth,
    issuer: s.issuer ?? null,
    audience: s.audience.length > 0 ? s.audience : [endpointResource],
    require_audience: s.require_audience,
    token_type: s.token_type,
    tokens: s.tokens,
    clock_skew: s.clock_skew,
    cache_ttl: s.cache_ttl,
    negative_cache_ttl: s.negative_cache_ttl,
    timeout: s.timeout,
  };
}
