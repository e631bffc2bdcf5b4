/**
 * The introspection / remote scenarios against the njs module in real nginx (Debian's 1.22 + njs
 * 0.7.9): POSTs leave through the generated internal locations, decisions (and inactive-token
 * denials) are cached by proxy_cache, and a real upstream records what reaches it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { introspectionFixtureConfig } from '../contract/introspection-fixture.ts';
import { introspectionScenarios, runIntrospectionBehaviour, type IntrospectionEnv } from '../contract/introspection-scenarios.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { freePort } from '../support/free-port.ts';
import { startIntrospectionIdp } from '../support/introspection-idp.ts';
import { startIssuer } from '../support/issuer.ts';
import { startProtectedNginx, type ProtectedNginx } from '../support/protected-nginx.ts';
import { startValidationServer } from '../support/validation-server.ts';

describe('introspection + remote scenarios: njs in nginx', () => {
  let env: IntrospectionEnv;
  let upstream: EchoUpstream;
  let nginx: ProtectedNginx;
  before(async () => {
    env = { idp: await startIntrospectionIdp(), validator: await startValidationServer(), issuer: await startIssuer() };
    upstream = await startEchoUpstream();
    const config = await introspectionFixtureConfig({ idp: env.idp, jwtIssuer: env.issuer.url, jwksUri: env.issuer.jwksUri, validatorUrl: env.validator.url, deadPort: await freePort(), upstreamUrl: upstream.url });
    nginx = await startProtectedNginx(config);
  });
  after(async () => {
    await nginx?.stop();
    await upstream?.stop();
    await env?.idp.stop();
    await env?.validator.stop();
    await env?.issuer.stop();
  });

  const send = sendThroughProxy(() => nginx.url, () => upstream);
  function logs(): string {
    const decisions = join(nginx.dir, 'mcp-authz.log');
    return [nginx.errorLog(), nginx.accessLog(), existsSync(decisions) ? readFileSync(decisions, 'utf8') : ''].join('\n');
  }

  runScenarioTable('njs', () => ({ issuer: env.issuer, send }), introspectionScenarios(() => env));
  runIntrospectionBehaviour('njs', () => ({ env, send, logs }));

  it('the decision log marks a negative-cache hit and nginx logged no njs errors', () => {
    const records = readFileSync(join(nginx.dir, 'mcp-authz.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(records.some((r) => r.reason === 'token_inactive' && r.cache === 'HIT'));
    assert.doesNotMatch(nginx.errorLog(), /js exception|\[crit\]|\[alert\]/);
  });
});
