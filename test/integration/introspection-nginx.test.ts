/**
 * The introspection / remote scenarios against the njs module in real nginx (Debian's 1.22 + njs
 * 0.7.9): POSTs leave through the generated internal locations, decisions (and inactive-token
 * denials) are cached by proxy_cache, and a real upstream records what reaches it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { toCoreConfig } from '../../src/config/app-config.ts';
import { request } from '../support/http.ts';
import { introspectionEnvConfig, startIntrospectionEnv, stopIntrospectionEnv } from '../contract/introspection-env.ts';
import { introspectionScenarios, runIntrospectionBehaviour, type IntrospectionEnv } from '../contract/introspection-scenarios.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';

describe('introspection + remote scenarios: njs in nginx', () => {
  let env: IntrospectionEnv;
  let upstream: EchoUpstream;
  let nginx: ProtectedNginx;
  before(async () => {
    env = await startIntrospectionEnv();
    upstream = await startEchoUpstream();
    const config = await introspectionEnvConfig(env, upstream.url);
    nginx = await startProtectedNginx(config);
  });
  after(async () => {
    await nginx?.stop();
    await upstream?.stop();
    await stopIntrospectionEnv(env);
  });

  const send = sendThroughProxy(() => nginx.url, () => upstream);
  function logs(): string {
    const decisions = join(nginx.dir, 'mcp-authz.log');
    return [nginx.errorLog(), nginx.accessLog(), existsSync(decisions) ? readFileSync(decisions, 'utf8') : ''].join('\n');
  }

  runScenarioTable('njs', () => ({ issuer: env.issuer, send }), introspectionScenarios(() => env));
  runIntrospectionBehaviour('njs', () => ({ env, send, logs }));

  it('the generated conf holds no secret: header values travel in js_var variables set by njs', () => {
    const { idp } = env;
    for (const [name, text] of Object.entries(nginx.files)) {
      if (name === 'mcp-authz.js') continue;
      for (const secret of [idp.basicClient.secret, idp.postClient.secret, 'validator-key-0123456789']) assert.equal(text.includes(secret), false, name);
    }
    assert.match(nginx.files['http.conf']!, /proxy_set_header x-validator-key \$mcp_authz_post_h2;/);
  });

  it('an https service gets verified TLS directives nginx accepts, and fails closed when unreachable', async () => {
    const r = parseConfig(`endpoints:
  - path: /mcp
    resource: https://mcp.example.test/mcp
    upstream: ${upstream.url}
    strategies:
      - { type: introspection, endpoint: "https://127.0.0.1:9/introspect", client_id: a, client_secret: b, timeout: 1 }
`, {});
    if (!r.ok) assert.fail(JSON.stringify(r.errors));
    const tls = await startProtectedNginx(toCoreConfig(r.config));
    try {
      assert.match(tls.files['http.conf']!, /proxy_ssl_verify on;[^\n]*\n\s*proxy_ssl_trusted_certificate \/etc\/ssl\/certs\/ca-certificates.crt;/);
      const res = await request(tls.url + '/mcp', { method: 'POST', headers: { authorization: 'Bearer opaque-x' }, body: '{}' });
      assert.equal(res.status, 503);
    } finally {
      await tls.stop();
    }
  });

  it('the decision log marks a negative-cache hit and nginx logged no njs errors', () => {
    const records = readFileSync(join(nginx.dir, 'mcp-authz.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(records.some((r) => r.reason === 'token_inactive' && r.cache === 'HIT'));
    assert.doesNotMatch(nginx.errorLog(), /js exception|\[crit\]|\[alert\]/);
  });
});
