/**
 * The companion Authorization Server in-process for tests: a real configuration file's text
 * parsed by the real loader, keys and SQLite store in a temp dir, a loopback port. Restartable
 * on the same port and dir, to check what survives a restart. Plus the person-at-the-browser
 * steps of an authorization (sign in, allow or deny) and PKCE helpers.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { AppConfig } from '../../src/config/app-config.ts';
import { parseConfig } from '../../src/config/load.ts';
import { startCompanion, type RunningCompanion } from '../../src/companion/start-companion.ts';
import { freePort } from './free-port.ts';
import { createUserAgent, parseForms, type UaResponse, type UserAgent } from './user-agent.ts';

/** Built-in test users. alice: password from the environment; bob: bcrypt hash. */
export const USERS = {
  alice: { username: 'alice', password: 'alice-password-123' },
  bob: { username: 'bob', password: 'bob-password-456' },
} as const;

/** A protected resource the test companion serves. */
export interface TestResource {
  path: string;
  resource: string;
  scopes: string[];
}

/** Options of {@link startTestCompanion}. */
export interface TestCompanionOptions {
  /** Issuer; default `http://127.0.0.1:<port>`. */
  issuer?: string;
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Default: one resource `http://127.0.0.1:1/mcp` with scope `mcp:tools`. */
  resources?: TestResource[];
  /**
   * Extra YAML appended inside `authorization_server:` (indented by two spaces). Without a
   * `rate_limits:` in it, the login form's limits are off (tests sign in far more often than
   * people do); a test that sets `rate_limits` gets the login defaults unless it sets them.
   */
  extra?: string;
  /** Extra environment for `${VAR}` and `*_env` settings. */
  env?: Record<string, string>;
  /** `authorization_server.storage` as YAML flow text; default a sqlite file in the dir. */
  storage?: string;
}

/** A running test companion. */
export interface TestCompanion {
  issuer: string;
  /** `http://127.0.0.1:<port>`: where the companion listens. */
  url: string;
  port: number;
  dir: string;
  config: AppConfig;
  /** Log lines written so far. */
  logs: string[];
  /** Stop and start again on the same port with the same keys and store. */
  restart(): Promise<void>;
  /** Stop (keeps the dir). */
  stop(): Promise<void>;
  /** Stop and remove the dir. */
  dispose(): Promise<void>;
}

const DEFAULT_RESOURCES: TestResource[] = [{ path: '/mcp', resource: 'http://127.0.0.1:1/mcp', scopes: ['mcp:tools'] }];

/** The configuration text the test companion loads. */
export function companionYaml(o: { issuer: string; port: number; dir: string; resources: TestResource[]; extra?: string; storage?: string }): string {
  const bobHash = bcrypt.hashSync(USERS.bob.password, 4);
  const endpoints = o.resources.map((r) => `  - path: ${r.path}
    resource: ${r.resource}
    upstream: http://127.0.0.1:1
    authorization_servers: [${o.issuer}]
    strategies: [{ type: jwt, issuer: ${o.issuer}, jwks_uri: ${o.issuer}/jwks, algorithms: [ES256], typ: at+jwt }]
    policy: { required_scopes: [${r.scopes.join(', ')}] }`).join('\n');
  return `serve:
  companion: { listen: 127.0.0.1:${o.port} }
endpoints:
${endpoints}
authorization_server:
  issuer: ${o.issuer}
  keys: { dir: ${o.dir}/keys }
  storage: ${o.storage ?? `{ type: sqlite, path: ${o.dir}/companion.sqlite }`}
  users:
    - { username: alice, password_env: ALICE_PASSWORD, scopes: [${o.resources.flatMap((r) => r.scopes).join(', ')}], email: alice@example.com, groups: [staff] }
    - { username: bob, password_hash: "${bobHash}", scopes: [] }
${o.extra ?? ''}${o.extra?.includes('rate_limits:') ? '' : '\n  rate_limits: { login: false, login_username: false }\n'}`;
}

/** Start the companion from a generated configuration. */
export async function startTestCompanion(o: TestCompanionOptions = {}): Promise<TestCompanion> {
  const port = o.port ?? (await freePort());
  const issuer = o.issuer ?? `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-companion-'));
  const env = { ALICE_PASSWORD: USERS.alice.password, ...o.env };
  const parsed = parseConfig(companionYaml({ issuer, port, dir, resources: o.resources ?? DEFAULT_RESOURCES, extra: o.extra, storage: o.storage }), env);
  if (!parsed.ok) throw new Error('test companion config: ' + JSON.stringify(parsed.errors));
  const config = parsed.config;
  const logs: string[] = [];
  let running: RunningCompanion | undefined;

  async function start(): Promise<void> {
    const started = await startCompanion(config, { env, writeLine: (line) => logs.push(line) });
    if (!started.ok) throw new Error('test companion: ' + JSON.stringify(started.errors));
    running = started.companion;
  }
  async function stop(): Promise<void> {
    await running?.stop();
    running = undefined;
  }
  await start();
  return {
    issuer,
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    config,
    logs,
    async restart() {
      await stop();
      await start();
    },
    stop,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A PKCE verifier and its S256 challenge (RFC 7636 §4.1, §4.2). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Register a public client through DCR; returns the response JSON (throws unless 201). */
export async function registerClient(issuer: string, metadata: Record<string, unknown>): Promise<Record<string, unknown> & { client_id: string }> {
  const res = await fetch(`${issuer}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(metadata) });
  const body = await res.json() as Record<string, unknown> & { client_id: string };
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** POST `params` to `<base>/token`; status and JSON body (`{}` when the body is not JSON). */
export async function tokenRequest(base: string, params: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** What the person does on the pages. */
export interface BrowserSteps {
  username: string;
  password: string;
  /** Default `allow`. */
  consent?: 'allow' | 'deny';
}

/** Outcome of {@link authorizeInBrowser}: the URL the browser was sent to, and the pages seen. */
export interface BrowserOutcome {
  redirect: string;
  loginPage?: UaResponse;
  consentPage?: UaResponse;
}

/**
 * Drive an authorization request like a person would: open `authorizationUrl`, sign in if asked,
 * allow or deny if asked, and stop at the redirect leaving the AS origin.
 */
export async function authorizeInBrowser(authorizationUrl: string, steps: BrowserSteps, ua: UserAgent = createUserAgent()): Promise<BrowserOutcome> {
  const origin = new URL(authorizationUrl).origin;
  const outcome: Partial<BrowserOutcome> = {};
  let step = await ua.follow(await ua.get(authorizationUrl), origin);
  for (let i = 0; i < 5; i++) {
    if ('redirect' in step) return { ...outcome, redirect: step.redirect };
    if (step.status !== 200) throw new Error(`unexpected page ${step.status}: ${step.body.slice(0, 300)}`);
    const forms = parseForms(step.body, step.url);
    const login = forms.find((f) => f.action.endsWith('/login'));
    if (login) {
      outcome.loginPage = step;
      step = await ua.follow(await ua.post(login.action, { ...login.fields, username: steps.username, password: steps.password }), origin);
      continue;
    }
    const wanted = (steps.consent ?? 'allow') === 'allow' ? '/confirm' : '/deny';
    const consent = forms.find((f) => f.action.endsWith(wanted));
    if (consent) {
      outcome.consentPage = step;
      step = await ua.follow(await ua.post(consent.action, consent.fields), origin);
      continue;
    }
    throw new Error(`page without a known form: ${step.body.slice(0, 300)}`);
  }
  throw new Error('too many pages');
}
