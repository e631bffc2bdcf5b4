/**
 * traefik/traefik.yml (static) and traefik/dynamic.yml (file provider), checked as strictly as
 * Traefik v3's documented schema allows without Traefik, which cannot run here.
 *
 * Schema: strict zod objects (an unknown or misspelled key fails), transcribed from Traefik v3's
 * documented option names and types (doc.traefik.io reference pages, and the Go structs they are
 * generated from: pkg/config/static, pkg/config/dynamic; durations are paerser's: whole seconds
 * or a Go duration string). Only the options these files use, and their documented siblings
 * where cheap, are transcribed: a documented option missing here fails too, which errs on the
 * safe side. Not checked: values Traefik validates only at run time (whether a regex matches what
 * you think, whether a host resolves), and options newer than this transcription.
 *
 * Semantics on top: routers' middleware order, forwardAuth's header lists, no forwardAuth on the
 * OAuth routes, router rules parsed (Traefik v3 rule syntax) and evaluated on sample paths, every
 * reference resolved, the CORS lists equal to src/core/cors.ts, and the shipped mcp-authz config
 * (docker/config.yaml) agreeing with the forwardAuth address and identity headers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import * as z from 'zod';
import { loadConfig } from '../../src/config/load.ts';
import { ALLOW_HEADERS, ALLOW_METHODS, EXPOSE_HEADERS } from '../../src/core/cors.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STATIC_FILE = ROOT + 'traefik/traefik.yml';
const DYNAMIC_FILE = ROOT + 'traefik/dynamic.yml';

/** YAML as Traefik's loader would see it; duplicate keys are an error. */
function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'), { strict: true, uniqueKeys: true, prettyErrors: true });
}

// ---- shared value types ----------------------------------------------------------------------

/** paerser's Duration: whole seconds (number or digits) or a Go duration ("90s", "1h30m", "-1"). */
const GO_DURATION = /^[-+]?(?:\d+|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
const duration = z.union([z.int(), z.string().regex(GO_DURATION, 'must be whole seconds or a Go duration like "90s" or "1h"')]);

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** A duration value in milliseconds (paerser semantics: bare numbers are seconds). */
function durationMs(v: string | number): number {
  if (typeof v === 'number') return v * 1000;
  if (/^[-+]?\d+$/.test(v)) return Number(v) * 1000;
  const sign = v.startsWith('-') ? -1 : 1;
  let total = 0;
  for (const m of v.replace(/^[-+]/, '').matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]];
  return sign * total;
}

/**
 * Header names: letters, digits and dashes only. Stricter than RFC 9110's token on purpose:
 * `_` and `.` build aliases that some backends read as the dashed name.
 */
const headerName = z.string().regex(/^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/, 'must be a header name of letters, digits and dashes');
const ipOrCidr = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]);
const isRegex = (s: string): boolean => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
};
const regexString = z.string().refine(isRegex, 'must be a valid regular expression');
/** A name Traefik objects are declared under. */
const objectName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/);
/** A reference to one: the name, optionally qualified with its provider (`name@file`). */
const objectRef = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*(?:@[a-z][a-zA-Z0-9]*)?$/);

// ---- Traefik v3 rule syntax --------------------------------------------------------------------

type Rule =
  | { kind: 'or' | 'and'; left: Rule; right: Rule }
  | { kind: 'not'; rule: Rule }
  | { kind: 'matcher'; name: string; args: string[] };

/** v3 matchers and how many arguments each takes (v3 dropped v2's multi-value forms). */
const MATCHERS: Record<string, number> = {
  Header: 2, HeaderRegexp: 2, Host: 1, HostRegexp: 1, Method: 1, Path: 1, PathPrefix: 1, PathRegexp: 1,
  Query: 2, QueryRegexp: 2, ClientIP: 1,
};

/** Parse a router rule; throws with the reason on anything Traefik v3 would not accept. */
function parseRule(text: string): Rule {
  const tokens: string[] = [];
  const re = /\s*(&&|\|\||[()!,]|[A-Za-z]+|`[^`]*`|"(?:[^"\\]|\\.)*")/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new Error(`unexpected input at ${at}: ${text.slice(at, at + 20)}`);
    tokens.push(m[1]);
    at = re.lastIndex;
  }
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const take = (want?: string): string => {
    const t = tokens[i++];
    if (t === undefined) throw new Error('unexpected end of rule');
    if (want !== undefined && t !== want) throw new Error(`expected ${want}, got ${t}`);
    return t;
  };
  const expr = (): Rule => {
    let left = term();
    while (peek() === '||') {
      take();
      left = { kind: 'or', left, right: term() };
    }
    return left;
  };
  const term = (): Rule => {
    let left = factor();
    while (peek() === '&&') {
      take();
      left = { kind: 'and', left, right: factor() };
    }
    return left;
  };
  const factor = (): Rule => {
    const t = take();
    if (t === '!') return { kind: 'not', rule: factor() };
    if (t === '(') {
      const r = expr();
      take(')');
      return r;
    }
    if (!(t in MATCHERS)) throw new Error(`unknown matcher ${t} (Traefik v3 has ${Object.keys(MATCHERS).join(', ')})`);
    take('(');
    const args: string[] = [];
    for (;;) {
      const a = take();
      if (!/^[`"]/.test(a)) throw new Error(`${t}: arguments must be quoted with backticks or double quotes, got ${a}`);
      args.push(a.slice(1, -1));
      const sep = take();
      if (sep === ')') break;
      if (sep !== ',') throw new Error(`${t}: expected , or ), got ${sep}`);
    }
    if (args.length !== MATCHERS[t]) throw new Error(`${t} takes ${MATCHERS[t]} argument(s) in Traefik v3, got ${args.length}`);
    if ((t === 'Path' || t === 'PathPrefix') && !args[0].startsWith('/')) throw new Error(`${t}(\`${args[0]}\`): a path starts with /`);
    if (t.endsWith('Regexp') && !isRegex(args[args.length - 1])) throw new Error(`${t}: invalid regular expression`);
    if (t === 'Method' && !/^[A-Z]+$/.test(args[0])) throw new Error(`Method(\`${args[0]}\`): an upper-case method`);
    return { kind: 'matcher', name: t, args };
  };
  const rule = expr();
  if (i !== tokens.length) throw new Error(`unexpected ${tokens[i]} after a complete rule`);
  return rule;
}

/** Whether a rule matches a request (the path and method matchers this config uses). */
function ruleMatches(rule: Rule, req: { path: string; method?: string }): boolean {
  switch (rule.kind) {
    case 'or':
      return ruleMatches(rule.left, req) || ruleMatches(rule.right, req);
    case 'and':
      return ruleMatches(rule.left, req) && ruleMatches(rule.right, req);
    case 'not':
      return !ruleMatches(rule.rule, req);
    case 'matcher':
      if (rule.name === 'Path') return req.path === rule.args[0];
      if (rule.name === 'PathPrefix') return req.path.startsWith(rule.args[0]);
      if (rule.name === 'PathRegexp') return new RegExp(rule.args[0]).test(req.path);
      if (rule.name === 'Method') return (req.method ?? 'GET') === rule.args[0];
      throw new Error(`the test cannot evaluate ${rule.name}: extend ruleMatches`);
  }
}

const ruleString = z.string().superRefine((text, ctx) => {
  try {
    parseRule(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid rule: ${(err as Error).message}` });
  }
});

// ---- static configuration (traefik.yml) ---------------------------------------------------------

/** keep (default) | delete | reject: how headers with aliasing names are handled (v3.7.6+/3.7.12+). */
const headerStrategy = z.enum(['keep', 'delete', 'reject']);
const fieldMode = z.enum(['keep', 'drop', 'redact']);

const entryPoint = z.strictObject({
  address: z.string().regex(/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]*):\d{1,5}(?:\/(?:tcp|udp))?$/, 'must be [host]:port[/tcp|/udp]'),
  asDefault: z.boolean().optional(),
  reusePort: z.boolean().optional(),
  allowACMEByPass: z.boolean().optional(),
  http: z
    .strictObject({
      middlewares: z.array(objectRef).optional(),
      encodeQuerySemicolons: z.boolean().optional(),
      maxHeaderBytes: z.int().positive().optional(),
      underscoreHeadersStrategy: headerStrategy.optional(),
      aliasHeadersStrategy: headerStrategy.optional(),
    })
    .optional(),
  transport: z
    .strictObject({
      lifeCycle: z.strictObject({ requestAcceptGraceTimeout: duration.optional(), graceTimeOut: duration.optional() }).optional(),
      respondingTimeouts: z
        .strictObject({ readTimeout: duration.optional(), writeTimeout: duration.optional(), idleTimeout: duration.optional() })
        .optional(),
      keepAliveMaxRequests: z.int().nonnegative().optional(),
      keepAliveMaxTime: duration.optional(),
    })
    .optional(),
  forwardedHeaders: z
    .strictObject({
      trustedIPs: z.array(ipOrCidr).optional(),
      insecure: z.boolean().optional(),
      connection: z.array(headerName).optional(),
      notAppendXForwardedFor: z.boolean().optional(),
    })
    .optional(),
  proxyProtocol: z.strictObject({ trustedIPs: z.array(ipOrCidr).optional(), insecure: z.boolean().optional() }).optional(),
});

const staticSchema = z.strictObject({
  global: z.strictObject({ checkNewVersion: z.boolean().optional(), sendAnonymousUsage: z.boolean().optional() }).optional(),
  log: z
    .strictObject({
      level: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'PANIC']).optional(),
      format: z.enum(['common', 'json']).optional(),
      filePath: z.string().optional(),
      noColor: z.boolean().optional(),
      maxSize: z.int().optional(),
      maxAge: z.int().optional(),
      maxBackups: z.int().optional(),
      compress: z.boolean().optional(),
    })
    .optional(),
  accessLog: z
    .strictObject({
      filePath: z.string().optional(),
      format: z.enum(['common', 'genericCLF', 'json']).optional(),
      bufferingSize: z.int().nonnegative().optional(),
      addInternals: z.boolean().optional(),
      filters: z
        .strictObject({ statusCodes: z.array(z.string()).optional(), retryAttempts: z.boolean().optional(), minDuration: duration.optional() })
        .optional(),
      fields: z
        .strictObject({
          defaultMode: fieldMode.optional(),
          names: z.record(z.string(), fieldMode).optional(),
          headers: z.strictObject({ defaultMode: fieldMode.optional(), names: z.record(z.string(), fieldMode).optional() }).optional(),
        })
        .optional(),
    })
    .optional(),
  entryPoints: z.record(objectName, entryPoint),
  ping: z
    .strictObject({ entryPoint: objectName.optional(), manualRouting: z.boolean().optional(), terminatingStatusCode: z.int().optional() })
    .optional(),
  providers: z.strictObject({
    file: z
      .strictObject({
        filename: z.string().optional(),
        directory: z.string().optional(),
        watch: z.boolean().optional(),
        debugLogGeneratedTemplate: z.boolean().optional(),
      })
      .refine((f) => (f.filename === undefined) !== (f.directory === undefined), 'set exactly one of filename and directory'),
  }),
});

// ---- dynamic configuration (dynamic.yml) ----------------------------------------------------------

const router = z.strictObject({
  entryPoints: z.array(objectName).min(1),
  rule: ruleString,
  priority: z.int().optional(),
  middlewares: z.array(objectRef).optional(),
  service: objectRef,
  tls: z.strictObject({ certResolver: z.string().optional(), options: z.string().optional() }).optional(),
  observability: z
    .strictObject({
      accessLogs: z.boolean().optional(),
      metrics: z.boolean().optional(),
      tracing: z.boolean().optional(),
      traceVerbosity: z.enum(['minimal', 'detailed']).optional(),
    })
    .optional(),
});

/**
 * forwardAuth. Traefik v3's documented options: address, tls, trustForwardHeader,
 * authResponseHeaders, authResponseHeadersRegex, authRequestHeaders, addAuthCookiesToResponse,
 * headerField, forwardBody, maxBodySize, preserveLocationHeader, preserveRequestMethod.
 * (tls: ca, cert, key, insecureSkipVerify, and the deprecated caOptional.)
 */
const forwardAuth = z.strictObject({
  address: z.url({ protocol: /^https?$/ }),
  tls: z
    .strictObject({
      ca: z.string().optional(),
      cert: z.string().optional(),
      key: z.string().optional(),
      insecureSkipVerify: z.boolean().optional(),
      caOptional: z.boolean().optional(),
    })
    .optional(),
  trustForwardHeader: z.boolean().optional(),
  authResponseHeaders: z.array(headerName).optional(),
  authResponseHeadersRegex: regexString.optional(),
  authRequestHeaders: z.array(headerName).optional(),
  addAuthCookiesToResponse: z.array(z.string()).optional(),
  headerField: headerName.optional(),
  forwardBody: z.boolean().optional(),
  maxBodySize: z.int().optional(),
  preserveLocationHeader: z.boolean().optional(),
  preserveRequestMethod: z.boolean().optional(),
});

const httpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);
const corsOrigin = z.union([z.literal('*'), z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be "*" or scheme://host[:port]')]);

/** headers middleware: the custom-header and CORS options (security-header options unused here). */
const headersMiddleware = z.strictObject({
  customRequestHeaders: z.record(headerName, z.string()).optional(),
  customResponseHeaders: z.record(headerName, z.string()).optional(),
  accessControlAllowCredentials: z.boolean().optional(),
  accessControlAllowHeaders: z.array(headerName).optional(),
  accessControlAllowMethods: z.array(httpMethod).optional(),
  accessControlAllowOriginList: z.array(corsOrigin).optional(),
  accessControlAllowOriginListRegex: z.array(regexString).optional(),
  accessControlExposeHeaders: z.array(headerName).optional(),
  accessControlMaxAge: z.int().nonnegative().optional(),
  addVaryHeader: z.boolean().optional(),
});

const middleware = z
  .strictObject({ headers: headersMiddleware.optional(), forwardAuth: forwardAuth.optional() })
  .refine((m) => Object.keys(m).length === 1, 'a middleware has exactly one type');

const loadBalancer = z.strictObject({
  servers: z
    .array(z.strictObject({ url: z.url({ protocol: /^(?:https?|h2c)$/ }), weight: z.int().nonnegative().optional(), preservePath: z.boolean().optional() }))
    .min(1),
  strategy: z.enum(['wrr', 'p2c', 'hrw', 'leasttime']).optional(),
  passHostHeader: z.boolean().optional(),
  responseForwarding: z.strictObject({ flushInterval: duration.optional() }).optional(),
  serversTransport: objectRef.optional(),
  healthCheck: z
    .strictObject({
      scheme: z.string().optional(),
      mode: z.enum(['http', 'grpc']).optional(),
      path: z.string().startsWith('/').optional(),
      method: httpMethod.optional(),
      status: z.int().optional(),
      port: z.int().optional(),
      interval: duration.optional(),
      unhealthyInterval: duration.optional(),
      timeout: duration.optional(),
      hostname: z.string().optional(),
      followRedirects: z.boolean().optional(),
      headers: z.record(headerName, z.string()).optional(),
    })
    .optional(),
});

const serversTransport = z.strictObject({
  serverName: z.string().optional(),
  insecureSkipVerify: z.boolean().optional(),
  rootCAs: z.array(z.string()).optional(),
  maxIdleConnsPerHost: z.int().optional(),
  disableHTTP2: z.boolean().optional(),
  peerCertURI: z.string().optional(),
  forwardingTimeouts: z
    .strictObject({
      dialTimeout: duration.optional(),
      responseHeaderTimeout: duration.optional(),
      idleConnTimeout: duration.optional(),
      readIdleTimeout: duration.optional(),
      pingTimeout: duration.optional(),
    })
    .optional(),
});

const dynamicSchema = z.strictObject({
  http: z.strictObject({
    routers: z.record(objectName, router),
    middlewares: z.record(objectName, middleware).optional(),
    services: z.record(objectName, z.strictObject({ loadBalancer })),
    serversTransports: z.record(objectName, serversTransport).optional(),
  }),
});

type StaticConfig = z.infer<typeof staticSchema>;
type DynamicConfig = z.infer<typeof dynamicSchema>;

function problems(result: { success: boolean; error?: z.ZodError }): string {
  return result.error ? result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n') : '';
}

function loadStatic(): StaticConfig {
  const r = staticSchema.safeParse(readYaml(STATIC_FILE));
  assert.ok(r.success, problems(r));
  return r.data!;
}

function loadDynamic(): DynamicConfig {
  const r = dynamicSchema.safeParse(readYaml(DYNAMIC_FILE));
  assert.ok(r.success, problems(r));
  return r.data!;
}

/** A deep copy with one change, to show the schema rejects it. */
function mutated<T>(value: T, change: (copy: any) => void): unknown {
  const copy = structuredClone(value);
  change(copy);
  return copy;
}

const lower = (xs: readonly string[] | undefined): string[] => (xs ?? []).map((x) => x.toLowerCase());
const bare = (ref: string): string => ref.replace(/@file$/, '');
const split = (list: string): string[] => list.split(',').map((s) => s.trim());

/** The shipped mcp-authz config the compose stacks run with (the API key is a dummy here). */
function shippedMcpAuthzConfig() {
  const r = loadConfig(ROOT + 'docker/config.yaml', { MCP_AUTHZ_DEMO_API_KEY: 'x'.repeat(32) });
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
  return r.config;
}

// Sample requests and the router each must reach (null: none, so Traefik answers 404).
const MCP_PATHS = ['/mcp', '/mcp/', '/mcp/sub/path'];
const PRM_PATHS = ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp'];
const AS_METADATA_PATHS = [
  '/.well-known/oauth-authorization-server',
  '/.well-known/oauth-authorization-server/realms/mcp',
  '/.well-known/openid-configuration',
  '/.well-known/openid-configuration/realms/mcp',
];
const AS_PATHS = ['/authorize', '/authorize/uid-1', '/token', '/token/revocation', '/register', '/register/client-1', '/jwks', '/consent', '/consent/abc', '/callback'];
const UNROUTED_PATHS = ['/', '/mcpx', '/mcp-admin', '/tokens', '/authorize-other', '/.well-known/other'];

describe('traefik/traefik.yml (static configuration)', () => {
  it('matches the strict Traefik v3 static schema', () => {
    loadStatic();
  });

  it('the schema rejects unknown keys, misspellings and wrong types', () => {
    const raw = readYaml(STATIC_FILE);
    const bad = [
      mutated(raw, (c) => { c.entryPoint = c.entryPoints; }),
      mutated(raw, (c) => { c.entryPoints.web.transport.respondingTimeouts.readTimeOut = '1h'; }),
      mutated(raw, (c) => { c.entryPoints.web.transport.respondingTimeouts.readTimeout = 'one hour'; }),
      mutated(raw, (c) => { c.entryPoints.web.http.aliasHeadersStrategy = 'drop'; }),
      mutated(raw, (c) => { c.entryPoints.web.address = '80'; }),
      mutated(raw, (c) => { c.accessLog.format = 'xml'; }),
      mutated(raw, (c) => { c.providers.file.directory = '/etc/traefik'; }),
    ];
    for (const b of bad) assert.equal(staticSchema.safeParse(b).success, false, JSON.stringify(b));
  });

  it('uses dynamic.yml through the file provider, and a ping entry point of its own', () => {
    const c = loadStatic();
    assert.equal(c.providers.file?.filename?.split('/').pop(), 'dynamic.yml');
    const ping = c.ping?.entryPoint;
    assert.ok(ping && c.entryPoints[ping], 'ping.entryPoint names an entry point');
    assert.notEqual(ping, 'web');
  });

  it('never logs request headers (tokens, API keys)', () => {
    const c = loadStatic();
    assert.equal(c.accessLog?.fields?.headers?.defaultMode ?? 'drop', 'drop');
    assert.deepEqual(
      Object.entries(c.accessLog?.fields?.headers?.names ?? {}).filter(([, mode]) => mode === 'keep').map(([n]) => n),
      [],
    );
  });

  it('the web entry point drops header aliases and keeps long streams open', () => {
    const web = loadStatic().entryPoints.web;
    assert.ok(web, 'entry point web');
    assert.equal(web.http?.aliasHeadersStrategy, 'delete');
    const t = web.transport?.respondingTimeouts;
    // Traefik's 60s default readTimeout would end SSE streams after a minute.
    assert.ok(t?.readTimeout !== undefined && durationMs(t.readTimeout) >= 10 * 60_000, 'readTimeout >= 10m');
    assert.ok(t?.writeTimeout === undefined || durationMs(t.writeTimeout) === 0, 'no writeTimeout on streamed responses');
  });

  it('does not trust forwarded headers from everyone', () => {
    for (const [name, ep] of Object.entries(loadStatic().entryPoints)) {
      assert.notEqual(ep.forwardedHeaders?.insecure, true, name);
      for (const ip of ep.forwardedHeaders?.trustedIPs ?? []) assert.ok(!['0.0.0.0/0', '::/0'].includes(ip), `${name}: ${ip}`);
    }
  });
});

describe('traefik/dynamic.yml (file provider)', () => {
  it('matches the strict Traefik v3 dynamic schema', () => {
    loadDynamic();
  });

  it('the schema rejects unknown keys, misspellings, wrong types and bad rules', () => {
    const raw = readYaml(DYNAMIC_FILE);
    const fa = (c: any) => c.http.middlewares['mcp-authz'].forwardAuth;
    const bad = [
      mutated(raw, (c) => { fa(c).trustForwardHeaders = false; }),
      mutated(raw, (c) => { fa(c).authResponseHeaders = 'X-MCP-Subject'; }),
      mutated(raw, (c) => { fa(c).authResponseHeaders.push('X_MCP_Subject'); }),
      mutated(raw, (c) => { fa(c).address = 'mcp-authz:9100/auth'; }),
      mutated(raw, (c) => { c.http.middlewares['mcp-cors'].headers.accessControlAllowOrigin = '*'; }),
      mutated(raw, (c) => { c.http.services['mcp-server'].loadBalancer.responseForwarding.flushInterval = 'fast'; }),
      mutated(raw, (c) => { c.http.routers.mcp.rule = 'PathPrefix(`/mcp`'; }),
      mutated(raw, (c) => { c.http.routers.mcp.rule = 'Path(/mcp)'; }),
      mutated(raw, (c) => { c.http.routers.mcp.rule = 'Host(`a.example`, `b.example`)'; }),
      mutated(raw, (c) => { c.http.routers.mcp.rule = 'PathPrefix(`mcp`)'; }),
      mutated(raw, (c) => { c.http.routers.mcp.rule = 'Path(`/mcp`) or Path(`/x`)'; }),
      mutated(raw, (c) => { c.http.routers.mcp.middleware = ['mcp-authz']; }),
      mutated(raw, (c) => { c.http.middlewares['mcp-authz'].headers = {}; }),
    ];
    for (const b of bad) assert.equal(dynamicSchema.safeParse(b).success, false, JSON.stringify(b).slice(0, 300));
  });

  it('the rule parser reads and evaluates v3 rules', () => {
    const r = parseRule('Host(`a.example`) && (Path(`/x`) || PathPrefix("/y/")) && !Method(`DELETE`)');
    assert.equal(r.kind, 'and');
    assert.equal(ruleMatches(parseRule('Path(`/x`) || PathPrefix(`/y/`)'), { path: '/y/z' }), true);
    assert.equal(ruleMatches(parseRule('PathPrefix(`/y/`) && !Method(`DELETE`)'), { path: '/y/z', method: 'DELETE' }), false);
    assert.throws(() => parseRule('Path(`/x`) Path(`/y`)'), /after a complete rule/);
    assert.throws(() => parseRule('Prefix(`/x`)'), /unknown matcher/);
  });

  it('every reference resolves and nothing is declared unused', () => {
    const d = loadDynamic().http;
    const s = loadStatic();
    const middlewares = d.middlewares ?? {};
    const transports = d.serversTransports ?? {};
    const used = { middlewares: new Set<string>(), services: new Set<string>(), transports: new Set<string>() };
    for (const [name, r] of Object.entries(d.routers)) {
      for (const ep of r.entryPoints) {
        assert.ok(s.entryPoints[ep], `router ${name}: entry point ${ep} is not in traefik.yml`);
        assert.notEqual(ep, s.ping?.entryPoint, `router ${name} on the ping entry point`);
      }
      for (const m of r.middlewares ?? []) {
        assert.ok(middlewares[bare(m)], `router ${name}: middleware ${m} is not declared`);
        used.middlewares.add(bare(m));
      }
      assert.ok(d.services[bare(r.service)], `router ${name}: service ${r.service} is not declared`);
      used.services.add(bare(r.service));
    }
    for (const [name, svc] of Object.entries(d.services)) {
      const t = svc.loadBalancer.serversTransport;
      if (t === undefined) continue;
      assert.ok(transports[bare(t)], `service ${name}: serversTransport ${t} is not declared`);
      used.transports.add(bare(t));
    }
    assert.deepEqual(Object.keys(middlewares).filter((m) => !used.middlewares.has(m)), [], 'unused middlewares');
    assert.deepEqual(Object.keys(d.services).filter((m) => !used.services.has(m)), [], 'unused services');
    assert.deepEqual(Object.keys(transports).filter((m) => !used.transports.has(m)), [], 'unused serversTransports');
  });

  /** The routers whose rules match a path. */
  function routersFor(d: DynamicConfig, path: string): string[] {
    return Object.entries(d.http.routers)
      .filter(([, r]) => ruleMatches(parseRule(r.rule), { path }))
      .map(([name]) => name);
  }

  it('routes each sample path to exactly one router (or none), so priorities never decide', () => {
    const d = loadDynamic();
    for (const path of [...MCP_PATHS, ...PRM_PATHS, ...AS_METADATA_PATHS, ...AS_PATHS]) {
      assert.equal(routersFor(d, path).length, 1, `${path} → ${routersFor(d, path).join(', ') || 'no router'}`);
    }
    for (const path of UNROUTED_PATHS) assert.deepEqual(routersFor(d, path), [], path);
  });

  /** The middleware objects a router runs, in order. */
  function chain(d: DynamicConfig, routerName: string) {
    return (d.http.routers[routerName].middlewares ?? []).map((m) => d.http.middlewares![bare(m)]);
  }

  it('MCP paths run CORS first, then forwardAuth last, then the streaming MCP service', () => {
    const d = loadDynamic();
    const s = loadStatic();
    for (const path of MCP_PATHS) {
      const [name] = routersFor(d, path);
      const mws = chain(d, name);
      const corsAt = mws.findIndex((m) => m.headers?.accessControlAllowMethods !== undefined);
      const authAt = mws.findIndex((m) => m.forwardAuth !== undefined);
      assert.ok(corsAt >= 0, `${path}: no CORS middleware`);
      assert.ok(authAt >= 0, `${path}: no forwardAuth`);
      assert.ok(corsAt < authAt, `${path}: CORS must run before forwardAuth (preflights, CORS on the 401)`);
      assert.equal(authAt, mws.length - 1, `${path}: forwardAuth is the last middleware`);
      const lb = d.http.services[bare(d.http.routers[name].service)].loadBalancer;
      const flush = lb.responseForwarding?.flushInterval;
      assert.ok(flush !== undefined && durationMs(flush) < 0, `${path}: flushInterval must be negative (flush every write)`);
      const t = d.http.serversTransports?.[bare(lb.serversTransport ?? '')]?.forwardingTimeouts;
      const rht = t?.responseHeaderTimeout;
      assert.ok(rht === undefined || durationMs(rht) === 0 || durationMs(rht) >= 10 * 60_000, `${path}: responseHeaderTimeout too short for tool calls`);
      // readTimeout of the entry point bounds the whole exchange (checked >= 10m above).
      for (const ep of d.http.routers[name].entryPoints) assert.ok(s.entryPoints[ep].transport?.respondingTimeouts?.readTimeout);
    }
  });

  it('OAuth and metadata paths reach mcp-authz without forwardAuth', () => {
    const d = loadDynamic();
    for (const path of [...PRM_PATHS, ...AS_METADATA_PATHS, ...AS_PATHS]) {
      const [name] = routersFor(d, path);
      assert.ok(chain(d, name).every((m) => m.forwardAuth === undefined), `${path}: router ${name} has forwardAuth`);
      const url = new URL(d.http.services[bare(d.http.routers[name].service)].loadBalancer.servers[0].url);
      assert.equal(url.hostname, 'mcp-authz', `${path}: served by ${url.host}`);
    }
  });

  it('forwardAuth strips the client token and any injected identity, and asks only what it needs', () => {
    const d = loadDynamic();
    const app = shippedMcpAuthzConfig();
    const fas = Object.values(d.http.middlewares ?? {}).flatMap((m) => (m.forwardAuth ? [m.forwardAuth] : []));
    assert.equal(fas.length, 1);
    const fa = fas[0];
    assert.equal(fa.trustForwardHeader, false);
    // Per-tool rules read the body; Traefik buffers it, so never without a bound (-1 = none).
    assert.equal(fa.forwardBody, true, 'the body goes to the check for per-tool rules');
    assert.equal(fa.maxBodySize, 1048576, 'maxBodySize = the default max_body_bytes');
    assert.notEqual(fa.preserveRequestMethod, true, 'mcp-authz reads the method from X-Forwarded-Method');
    const address = new URL(fa.address);
    assert.equal(address.protocol, 'http:');
    assert.equal(address.port, app.serve.forward_auth.listen.split(':').pop(), 'port of serve.forward_auth.listen');

    const response = lower(fa.authResponseHeaders);
    const request = lower(fa.authRequestHeaders);
    assert.equal(new Set(response).size, response.length, 'authResponseHeaders has duplicates');
    assert.equal(new Set(request).size, request.length, 'authRequestHeaders has duplicates');
    const identity = Object.values(app.identity_headers).map((h) => h.toLowerCase());
    const apiKeyHeaders = app.endpoints.flatMap((e) => e.strategies.flatMap((s) => (s.type === 'apikey' ? [s.header.toLowerCase()] : [])));
    for (const h of [...identity, 'authorization', ...apiKeyHeaders, 'x-api-key']) {
      assert.ok(response.includes(h), `authResponseHeaders lacks ${h}`);
    }
    for (const h of ['authorization', ...apiKeyHeaders, 'x-api-key', 'origin', 'mcp-protocol-version']) {
      assert.ok(request.includes(h), `authRequestHeaders lacks ${h}`);
    }
    // A credential or asserted identity the check reads must never reach the MCP server as sent.
    const passThrough = ['origin', 'access-control-request-method', 'mcp-protocol-version', 'content-encoding'];
    for (const h of request.filter((x) => !passThrough.includes(x))) {
      assert.ok(response.includes(h), `${h} goes to the check but is not stripped upstream (list it in authResponseHeaders)`);
    }
    assert.ok(!request.includes('cookie'));
  });

  it('CORS lists are the ones the nginx module and the core use (src/core/cors.ts)', () => {
    const d = loadDynamic();
    const app = shippedMcpAuthzConfig();
    const cors = Object.values(d.http.middlewares ?? {}).flatMap((m) => (m.headers?.accessControlAllowMethods ? [m.headers] : []));
    assert.equal(cors.length, 1);
    const h = cors[0];
    const asSet = (xs: string[] | undefined) => new Set(lower(xs));
    assert.deepEqual(asSet(h.accessControlAllowHeaders), asSet(split(ALLOW_HEADERS)));
    assert.deepEqual(asSet(h.accessControlExposeHeaders), asSet(split(EXPOSE_HEADERS)));
    assert.deepEqual(asSet(h.accessControlAllowMethods), asSet(split(ALLOW_METHODS)));
    assert.deepEqual(h.accessControlAllowOriginList, app.cors.allowed_origins);
    assert.equal(h.accessControlMaxAge, app.cors.max_age);
    assert.notEqual(h.accessControlAllowCredentials, true, 'tokens travel in Authorization, not cookies');
  });
});
