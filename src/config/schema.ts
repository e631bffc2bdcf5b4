/**
 * The zod schema of the YAML configuration file (snake_case, as written). Parsing with it yields
 * the effective {@link AppConfig}: defaults applied, URLs and header names normalised, derived
 * values (endpoint ids, audiences, scopes_supported) filled in. Every object is strict so a
 * misspelt key is an error instead of a silently ignored setting.
 */
import { z } from 'zod';
import type { AppConfig, AppEndpointConfig, AppJwtStrategy, AppStrategy } from './app-config.ts';
import { parseCidr } from '../core/cidr.ts';
import { authorizationServer } from './authorization-server-schema.ts';
import { requestRuleFields, requestRuleOutput } from './request-rules-schema.ts';
import { fillCompanionJwks } from './companion-jwks.ts';
import { finishIntrospection, introspectionStrategy, remoteStrategy } from './token-service-schema.ts';
import { endpointRateLimit, rateLimitsSettings } from './rate-limit-schema.ts';
import { bypassList, checkUpstreamRules, upstreamAuth } from './upstream-auth-schema.ts';
import { finishScript, scriptStrategySchema } from './script-schema.ts';
import { checkedString, headerName, httpsUrl, int, isRecord, issuerUrl, nonEmpty, scopeToken, stringList } from './schema-primitives.ts';
import { deriveEndpointId, endpointPathProblem, ENDPOINT_ID } from './path-rules.ts';
import {
  canonicalResource,
  httpsUrlProblem,
  normaliseOrigin,
  stripTrailingSlash,
  upstreamUrlProblem,
} from './url-rules.ts';

/** JWS algorithms a jwt strategy may accept: asymmetric only. */
export const ALLOWED_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA',
] as const;

/** Shortest accepted API key or static bearer token: shorter values are guessable. */
export const MIN_SECRET_LENGTH = 16;

/** Strategy `type` values, in the order used by error messages. */
export const STRATEGY_TYPES = ['jwt', 'apikey', 'bearer', 'trusted_header', 'none', 'introspection', 'remote', 'script'] as const;

const lowerHeaderName = headerName.transform((v) => v.toLowerCase());

const emailPattern = checkedString((v) =>
  /^(\*|[^\s@*]+)@[^\s@*]+$/.test(v) ? undefined : 'must be an email address or "*@domain"',
);

const absolutePath = checkedString((v) =>
  // Written into nginx directives: whitespace, quotes, ';', braces or '$' would break or inject.
  /^\/[^\s"';{}$\\]*$/.test(v) ? undefined : 'must be an absolute path without spaces, quotes, ";", "{", "}" or "$"',
);

const algorithm = checkedString((alg) => {
  if ((ALLOWED_ALGORITHMS as readonly string[]).includes(alg)) return undefined;
  if (alg.toLowerCase() === 'none') return '"none" means unsigned tokens and is never accepted';
  if (/^HS\d+$/i.test(alg)) {
    return `${alg} is a shared-secret (HMAC) algorithm and is not supported; use an asymmetric one such as RS256 or ES256`;
  }
  return `unsupported algorithm "${alg}" (allowed: ${ALLOWED_ALGORITHMS.join(', ')})`;
});

const secret = z.string().min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`);


// Both secret kinds share one shape; the duplicate check names positions, never the secret.
function uniqueSecrets<K extends string>(listKey: string, field: K) {
  return (entries: ReadonlyArray<Record<K, string>>, ctx: z.RefinementCtx) => {
    const first = new Map<string, number>();
    entries.forEach((entry, i) => {
      const seen = first.get(entry[field]);
      if (seen === undefined) first.set(entry[field], i);
      else ctx.addIssue({ code: 'custom', path: [listKey, i, field], message: `duplicates ${listKey}[${seen}].${field}` });
    });
  };
}

const jwtStrategy = z.strictObject({
  type: z.literal('jwt'),
  // Kept byte-for-byte: `iss` and discovery documents are compared exactly (RFC 8414 §3.3).
  issuer: issuerUrl,
  jwks_uri: httpsUrl.optional(),
  audience: stringList(nonEmpty),
  algorithms: z.array(algorithm).min(1, 'must list at least one algorithm').default(() => ['RS256', 'ES256']),
  clock_skew: int(0, 300).default(60),
  required_claims: stringList(nonEmpty).transform((claims) =>
    // Without exp a token would never expire; it is not optional however the list is written.
    claims.includes('exp') ? claims : [...claims, 'exp'],
  ),
  max_token_age: int(0, 31_536_000).default(0),
  typ: nonEmpty.nullable().default(null),
  cache_ttl: int(0, 86_400).default(300),
});

const apiKeyStrategy = z
  .strictObject({
    type: z.literal('apikey'),
    header: lowerHeaderName.default('x-api-key'),
    keys: z
      .array(
        z.strictObject({
          key: secret,
          subject: nonEmpty,
          scopes: stringList(scopeToken),
          groups: stringList(nonEmpty),
        }),
      )
      .min(1, 'must list at least one key'),
  })
  .superRefine((s, ctx) => uniqueSecrets('keys', 'key')(s.keys, ctx));

const bearerStrategy = z
  .strictObject({
    type: z.literal('bearer'),
    tokens: z
      .array(
        z.strictObject({
          token: secret,
          subject: nonEmpty,
          scopes: stringList(scopeToken),
          groups: stringList(nonEmpty),
        }),
      )
      .min(1, 'must list at least one token'),
  })
  .superRefine((s, ctx) => uniqueSecrets('tokens', 'token')(s.tokens, ctx));

// Validated by the same parser core matches peers with, so a CIDR that passes here also matches.
const cidr = z.string().refine((value) => parseCidr(value) !== null, 'must be an IPv4 or IPv6 address or CIDR (e.g. 10.0.0.0/8)');

const trustedHeaderStrategy = z.strictObject({
  type: z.literal('trusted_header'),
  subject_header: lowerHeaderName.default('remote-user'),
  email_header: lowerHeaderName.nullable().default(null),
  groups_header: lowerHeaderName.nullable().default(null),
  trusted_peers: z.array(cidr).min(1, 'must list at least one trusted peer address or CIDR'),
});

const noneStrategy = z.strictObject({
  type: z.literal('none'),
  subject: nonEmpty.default('anonymous'),
  scopes: stringList(scopeToken),
});

const strategy = z.discriminatedUnion('type', [
  jwtStrategy,
  apiKeyStrategy,
  bearerStrategy,
  trustedHeaderStrategy,
  noneStrategy,
  introspectionStrategy,
  remoteStrategy,
  scriptStrategySchema,
]);

const policy = z.strictObject({
  required_scopes: stringList(scopeToken),
  allowed_subjects: stringList(nonEmpty),
  allowed_emails: stringList(emailPattern),
  allowed_groups: stringList(nonEmpty),
  require_email_verified: z.boolean().default(false),
});

const claims = z.strictObject({
  subject: nonEmpty.default('sub'),
  email: nonEmpty.default('email'),
  email_verified: nonEmpty.default('email_verified'),
  groups: nonEmpty.default('groups'),
  scopes: z.array(nonEmpty).min(1, 'must name at least one claim').default(() => ['scope', 'scp']),
});

const resource = checkedString(
  (v) => httpsUrlProblem(v) ?? (v.includes('#') ? 'must not contain a fragment' : undefined),
).transform(canonicalResource);

type ParsedJwt = z.output<typeof jwtStrategy>;

/** Fill what a jwt strategy derives from its endpoint and mark whether discovery is needed. */
function finishJwt(s: ParsedJwt, endpointResource: string): AppJwtStrategy {
  const discovery = s.jwks_uri === undefined;
  return {
    type: 'jwt',
    issuer: s.issuer,
    jwks_uri: s.jwks_uri ?? '',
    // OIDC Discovery §4: a terminating "/" of the issuer is removed before appending.
    discovery_url: discovery ? `${stripTrailingSlash(s.issuer)}/.well-known/openid-configuration` : null,
    audience: s.audience.length > 0 ? s.audience : [endpointResource],
    algorithms: s.algorithms,
    clock_skew: s.clock_skew,
    required_claims: s.required_claims,
    max_token_age: s.max_token_age,
    typ: s.typ,
    cache_ttl: s.cache_ttl,
  };
}

const endpoint = z
  .strictObject({
    id: checkedString((v) =>
      ENDPOINT_ID.test(v) ? undefined : 'must match ^[a-z0-9][a-z0-9-]*$ (lower-case letters, digits, "-")',
    ).optional(),
    path: checkedString(endpointPathProblem),
    resource,
    upstream: checkedString(upstreamUrlProblem),
    // Kept byte for byte: clients compare it with the AS metadata `issuer` (RFC 8414 §3.3).
    authorization_servers: z.array(issuerUrl).default(() => []),
    scopes_supported: z.array(scopeToken).optional(),
    resource_name: nonEmpty.nullable().default(null),
    pass_authorization: z.boolean().default(false),
    upstream_auth: upstreamAuth.nullable().default(null),
    bypass: bypassList,
    strategies: z.array(strategy).min(1, 'must list at least one strategy'),
    policy: policy.prefault({}),
    claims: claims.prefault({}),
    rate_limit: endpointRateLimit.nullable().default(null),
    ...requestRuleFields,
  })
  // Runs even when other fields failed (`when`), so this error arrives with the rest.
  .superRefine(
    (ep: unknown, ctx) => {
      if (!isRecord(ep) || !Array.isArray(ep.strategies) || !Array.isArray(ep.authorization_servers)) return;
      const usesJwt = ep.strategies.some((s) => isRecord(s) && s.type === 'jwt');
      if (usesJwt && ep.authorization_servers.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['authorization_servers'],
          message: 'must list at least one authorization server when a jwt strategy is used',
        });
      }
    },
    { when: () => true },
  )
  .superRefine(checkUpstreamRules, { when: () => true })
  .transform((ep): AppEndpointConfig => ({
    id: ep.id ?? deriveEndpointId(ep.path),
    path: ep.path,
    resource: ep.resource,
    upstream: ep.upstream,
    authorization_servers: ep.authorization_servers,
    scopes_supported: ep.scopes_supported ?? [...new Set(ep.policy.required_scopes)],
    resource_name: ep.resource_name,
    pass_authorization: ep.pass_authorization,
    // Only when set, so configurations without them stay exactly as before.
    ...(ep.upstream_auth ? { upstream_auth: ep.upstream_auth } : {}),
    ...(ep.bypass.length ? { bypass: ep.bypass } : {}),
    strategies: ep.strategies.map((s, i): AppStrategy => {
      if (s.type === 'introspection') return finishIntrospection(s, ep.resource);
      if (s.type === 'script') return finishScript(s, ep.id ?? deriveEndpointId(ep.path), i);
      return s.type === 'jwt' ? finishJwt(s, ep.resource) : s;
    }),
    policy: ep.policy,
    claims: ep.claims,
    rate_limit: ep.rate_limit,
    // Present only when used, so configurations without them are unchanged.
    ...requestRuleOutput(ep),
  }));

const identityHeaders = z
  .strictObject({
    subject: headerName.default('X-MCP-Subject'),
    email: headerName.default('X-MCP-Email'),
    groups: headerName.default('X-MCP-Groups'),
    scopes: headerName.default('X-MCP-Scopes'),
  })
  .superRefine((names, ctx) => {
    // Two identities in one header would let one overwrite the other upstream.
    const seen = new Map<string, string>();
    for (const [field, name] of Object.entries(names)) {
      const other = seen.get(name.toLowerCase());
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `same header as ${other}` });
      else seen.set(name.toLowerCase(), field);
    }
  });

const origin = z.string().transform((value, ctx) => {
  if (value === '*') return value;
  const normalised = normaliseOrigin(value);
  if (normalised === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be "*" or an origin like https://claude.ai (scheme://host[:port], no path)',
      input: value,
    });
    return z.NEVER;
  }
  return normalised;
});

const cors = z.strictObject({
  allowed_origins: z.array(origin).default(() => ['*']),
  max_age: int(0, 86_400).default(600),
});

const nginx = z.strictObject({
  check_socket: absolutePath.default('/run/mcp-authz.sock'),
  cache_path: absolutePath.default('/var/cache/nginx/mcp-authz'),
  log_path: absolutePath.default('/var/log/nginx/mcp-authz.log'),
});

/** `host:port` a Node listener binds; loopback by default, so nothing is exposed unasked. */
const listenAddress = z.string().refine((v) => /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(v) && Number(v.slice(v.lastIndexOf(':') + 1)) < 65536, 'must be host:port, e.g. 127.0.0.1:9100 or [::1]:9100');

const serve = z.strictObject({
  forward_auth: z.strictObject({
    listen: listenAddress.default('127.0.0.1:9100'),
    // X-Forwarded-* are honoured only from these peers (the proxy); from anyone else they are ignored.
    trusted_proxies: z.array(cidr).default(() => ['127.0.0.1/32', '::1/128']),
  }).prefault({}),
  ext_authz: z.strictObject({
    listen: listenAddress.default('127.0.0.1:9101'),
  }).prefault({}),
  admin: z.strictObject({
    // /metrics, /healthz, /readyz
    listen: listenAddress.default('127.0.0.1:9102'),
  }).prefault({}),
  companion: z.strictObject({
    // The Authorization Server (authorization_server:); envoy/, traefik/ and docker/ route to 9080.
    listen: listenAddress.default('127.0.0.1:9080'),
  }).prefault({}),
});

/** Report endpoints sharing an id or a path; works on partially valid input. */
function checkUniqueEndpoints(config: unknown, ctx: z.RefinementCtx): void {
  if (!isRecord(config) || !Array.isArray(config.endpoints)) return;
  const ids = new Map<string, number>();
  const paths = new Map<string, number>();
  config.endpoints.forEach((ep: unknown, i) => {
    if (!isRecord(ep) || typeof ep.path !== 'string') return;
    const samePath = paths.get(ep.path);
    if (samePath === undefined) paths.set(ep.path, i);
    else {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoints', i, 'path'],
        message: `duplicate endpoint path "${ep.path}" (also endpoints[${samePath}])`,
      });
    }
    // After the endpoint transform every id is set, so "derived" means "equal to the derived form".
    const derived = deriveEndpointId(ep.path);
    const id = typeof ep.id === 'string' ? ep.id : derived;
    // A derived id clash with a duplicate path is the same mistake; an invalid path has its own error.
    if (id === derived && (samePath !== undefined || endpointPathProblem(ep.path) !== undefined)) return;
    const sameId = ids.get(id);
    if (sameId === undefined) ids.set(id, i);
    else {
      const hint = id === derived ? '; an id not set explicitly is derived from the path, set distinct ids' : '';
      ctx.addIssue({
        code: 'custom',
        path: ['endpoints', i, 'id'],
        message: `duplicate endpoint id "${id}" (also endpoints[${sameId}])${hint}`,
      });
    }
  });
}

/** Schema of the whole configuration file; its output is the effective {@link AppConfig}. */
export const configSchema = z
  .strictObject({
    identity_headers: identityHeaders.prefault({}),
    cors: cors.prefault({}),
    max_token_length: int(256, 1_048_576).default(8192),
    nginx: nginx.prefault({}),
    serve: serve.prefault({}),
    endpoints: z.array(endpoint).min(1, 'must list at least one endpoint'),
    authorization_server: authorizationServer.nullable().default(null),
    rate_limits: rateLimitsSettings.prefault({}),
  })
  .superRefine(checkUniqueEndpoints, { when: () => true })
  .transform(fillCompanionJwks) satisfies z.ZodType<AppConfig>;

/** What a configuration file may contain before defaults (for editors and generated docs). */
export type ConfigFileInput = z.input<typeof configSchema>;
