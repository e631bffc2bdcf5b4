/**
 * Script validators in the Node adapters, started the way `mcp-authz serve` starts them
 * (startService: one sandboxed worker per script, shared by ext_authz and forward-auth):
 *  - the scenario table over ext_authz gRPC (a real grpc-js client with Envoy's protos, applying
 *    the CheckResponse the way Envoy's filter does) and through REAL Caddy forward_auth;
 *  - JavaScript and Lua, loops, memory bombs and sandbox escapes (Node-only scenarios);
 *  - configuration errors at start: missing file, syntax error, no validate, with their paths.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import type { AppConfig } from '../../src/config/app-config.ts';
import { createExtAuthzClient, type ExtAuthzClient } from '../../src/envoy/client.ts';
import type { CheckRequestMessage } from '../../src/envoy/request.ts';
import { startService, type RunningService } from '../../src/service/serve.ts';
import { envoyRequestHeaders, observeCheckResponse } from '../contract/ext-authz-send.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import { scriptFixtureYaml } from '../contract/script-fixture.ts';
import { NODE_SCRIPT_SCENARIOS, SCRIPT_SCENARIOS } from '../contract/script-scenarios.ts';
import type { ScenarioRequest } from '../contract/scenarios.ts';
import type { RunningCaddy } from '../support/caddy.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { startCaddyForwardAuth, startNginxAuthRequest, type RunningAuthRequestNginx } from '../support/forward-auth-proxies.ts';
import type { RunningIssuer } from '../support/issuer.ts';

const NO_ISSUER = { url: 'https://issuer.invalid' } as RunningIssuer;
const SERVE = `
serve:
  forward_auth: { listen: "127.0.0.1:0" }
  ext_authz: { listen: "127.0.0.1:0" }
  admin: { listen: "127.0.0.1:0" }
`;

function appConfig(yaml: string): AppConfig {
  const r = parseConfig(yaml, {}, 'script test');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

/** The CheckRequest Envoy builds for a client request (endpoint matched by path). */
function checkRequest(req: ScenarioRequest): CheckRequestMessage {
  const headers = envoyRequestHeaders(req);
  return {
    attributes: {
      source: { address: { socket_address: { address: req.localAddress ?? '127.0.0.1' } } },
      request: { http: { method: req.method, headers, path: req.path, host: 'mcp.example.test', scheme: 'https' } },
    },
  };
}

/** The headers this fixture's scripts and principals set, for Caddy to copy. */
const CADDY_COPY = ['X-MCP-Subject', 'X-MCP-Email', 'X-MCP-Groups', 'X-MCP-Scopes', 'Authorization', 'X-Session'];

describe('script validators: Node adapters (ext_authz, forward-auth behind Caddy and nginx auth_request)', () => {
  let upstream: EchoUpstream;
  let service: RunningService;
  let client: ExtAuthzClient;
  let caddy: RunningCaddy;
  let nginx: RunningAuthRequestNginx;
  let nginxUrl = '';
  const lines: string[] = [];
  before(async () => {
    upstream = await startEchoUpstream();
    const app = appConfig(scriptFixtureYaml({ upstreamUrl: upstream.url, lua: true, nodeOnly: true }) + SERVE);
    service = await startService(app, { writeLine: (line) => lines.push(line) });
    client = createExtAuthzClient('127.0.0.1:' + service.ports.extAuthz);
    caddy = await startCaddyForwardAuth(service.ports.forwardAuth, upstream.port, CADDY_COPY);
    nginx = await startNginxAuthRequest(service.ports.forwardAuth, upstream.port);
    nginxUrl = nginx.url;
  });
  after(async () => {
    client?.close();
    await nginx?.stop();
    await caddy?.stop();
    await service?.stop();
    await upstream?.stop();
  });

  const table = SCRIPT_SCENARIOS.concat(NODE_SCRIPT_SCENARIOS);

  describe('ext_authz', () => {
    runScenarioTable('ext_authz', () => ({ issuer: NO_ISSUER, send: async (req) => observeCheckResponse(req, await client.check(checkRequest(req), 15_000)) }), table);
  });

  describe('forward-auth behind Caddy', () => {
    runScenarioTable('forward_auth_caddy', () => ({ issuer: NO_ISSUER, send: sendThroughProxy(() => caddy.url, () => upstream) }), table);
  });

  describe('forward-auth behind nginx auth_request (nginx/auth-request-example.conf)', () => {
    runScenarioTable('forward_auth_nginx', () => ({ issuer: NO_ISSUER, send: sendThroughProxy(() => nginxUrl, () => upstream) }), table);
  });

  it('a loop is cut at its limit (timeout_ms 1000), not before and not much later', async () => {
    const started = Date.now();
    const got = observeCheckResponse({ method: 'POST', path: '/limits/mcp', headers: { 'x-test-mode': 'loop' } }, await client.check(checkRequest({ method: 'POST', path: '/limits/mcp', headers: { 'x-test-mode': 'loop' } }), 15_000));
    const took = Date.now() - started;
    assert.equal(got.status, 503);
    assert.ok(took >= 1000 && took < 4000, 'took ' + took + ' ms');
    const next = observeCheckResponse({ method: 'POST', path: '/limits/mcp', headers: {} }, await client.check(checkRequest({ method: 'POST', path: '/limits/mcp', headers: {} }), 15_000));
    assert.equal(next.status, 200);
  });

  it('logs the failure reasons as tags', () => {
    const reasons = new Set(lines.map((l) => JSON.parse(l).reason));
    for (const r of ['script_denied', 'script_error', 'script_timeout', 'script_memory', 'script_bad_result']) assert.ok(reasons.has(r), 'logged ' + r);
    const failures = lines.map((l) => JSON.parse(l)).filter((r) => r.event === 'script.failed');
    assert.ok(failures.some((f) => f.strategy_id === 'js-mcp#0' && f.reason === 'script_error' && f.detail === 'validator exploded'), 'the script\'s error message is logged for the operator');
    assert.ok(failures.some((f) => f.strategy_id === 'lua-mcp#0' && f.reason === 'script_memory'));
    const allowed = lines.map((l) => JSON.parse(l)).filter((r) => r.decision === 'allow');
    assert.ok(allowed.every((r) => r.strategy === 'script'));
  });
});

describe('mcp-authz serve: script configuration errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-authz-script-serve-'));
  function yaml(strategies: string[]): string {
    return `endpoints:
  - path: /mcp
    resource: https://mcp.example.test/mcp
    upstream: http://127.0.0.1:9
    strategies:
${strategies.map((s) => '      ' + s).join('\n')}
${SERVE}`;
  }

  it('every bad script is reported at once, by path, before anything listens', async () => {
    writeFileSync(join(dir, 'broken.js'), 'function validate(request) {\n  return {\n');
    writeFileSync(join(dir, 'broken.lua'), 'function validate(request)\n  return {\n');
    writeFileSync(join(dir, 'empty.js'), 'var x = 1;\n');
    const app = appConfig(yaml([
      `- { type: script, file: ${join(dir, 'missing.js')} }`,
      `- { type: script, file: ${join(dir, 'broken.js')} }`,
      `- { type: script, file: ${join(dir, 'broken.lua')} }`,
      `- { type: script, file: ${join(dir, 'empty.js')} }`,
    ]));
    await assert.rejects(startService(app, { writeLine: () => {} }), (err: Error) => {
      const lines = err.message.split('\n');
      assert.equal(lines.length, 4, err.message);
      assert.equal(lines[0], `endpoints[0].strategies[0].file: cannot read script ${join(dir, 'missing.js')} (ENOENT)`);
      assert.match(lines[1], new RegExp(`^endpoints\\[0\\]\\.strategies\\[1\\]\\.file: javascript script does not load: ${join(dir, 'broken.js')}:\\d+: Unexpected end of input`));
      assert.match(lines[2], new RegExp(`^endpoints\\[0\\]\\.strategies\\[2\\]\\.file: lua script does not load: ${join(dir, 'broken.lua')}:\\d+: .*expected`));
      assert.equal(lines[3], `endpoints[0].strategies[3].file: javascript script does not load: ${join(dir, 'empty.js')}: must define function validate(request)`);
      return true;
    });
  });
});
