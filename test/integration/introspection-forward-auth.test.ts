/**
 * The introspection / remote scenarios through the forward-auth endpoint behind two real proxies:
 * nginx `auth_request` with nginx/auth-request-example.conf (its addresses swapped, as in
 * forward-auth-nginx.test.ts) and Caddy 2.6 `forward_auth` (the recipe of forward-auth-caddy.test.ts,
 * copying the names forwardAuthHeaderNames reports for this configuration).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe } from 'node:test';
import type { CoreConfig } from '../../src/core/types.ts';
import { forwardAuthHeaderNames } from '../../src/forward-auth/response.ts';
import { createForwardAuthHandler } from '../../src/forward-auth/server.ts';
import { createCachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { createObserver, serviceMetrics } from '../../src/service/observe.ts';
import { introspectionFixtureConfig } from '../contract/introspection-fixture.ts';
import { introspectionScenarios, runIntrospectionBehaviour, type ChecksPerDenial, type IntrospectionEnv } from '../contract/introspection-scenarios.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import type { AdapterName } from '../contract/scenarios.ts';
import { startCaddy } from '../support/caddy.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { freePort } from '../support/free-port.ts';
import { startIntrospectionIdp } from '../support/introspection-idp.ts';
import { startIssuer } from '../support/issuer.ts';
import { closeServer, listen } from '../support/listen.ts';
import { startNginx } from '../support/nginx.ts';
import { startValidationServer } from '../support/validation-server.ts';

const RECIPE = new URL('../../nginx/auth-request-example.conf', import.meta.url);

function nginxRecipe(port: number, authz: number, upstream: number): string {
  let text = readFileSync(RECIPE, 'utf8');
  for (const [from, to] of [
    ['server 127.0.0.1:9100;', `server 127.0.0.1:${authz};`],
    ['server 127.0.0.1:3000;', `server 127.0.0.1:${upstream};`],
    ['listen 127.0.0.1:8080;', `listen 127.0.0.1:${port};`],
  ]) {
    assert.equal(text.split(from).length, 2, 'the recipe has exactly one ' + from);
    text = text.replace(from, to);
  }
  return text;
}

function caddySite(port: number, authz: number, upstream: number, copy: string[]): string {
  return `
(mcp_authz_drop_empty) {
	@mcp_authz_empty_{args.0} header {args.0} ""
	request_header @mcp_authz_empty_{args.0} -{args.0}
}

http://127.0.0.1:${port} {
	bind 127.0.0.1
	handle {
		forward_auth 127.0.0.1:${authz} {
			uri /auth
			copy_headers ${copy.join(' ')}
		}
${copy.map((h) => `		import mcp_authz_drop_empty ${h}`).join('\n')}
		reverse_proxy 127.0.0.1:${upstream}
	}
}
`;
}

type Proxy = (port: number, authz: number, upstream: number, config: CoreConfig) => Promise<{ url: string; stop(): Promise<void> }>;

/** The recipe's @mcp_authz_denied asks the endpoint a second time to replay the full denial. */
const NGINX_REPLAY: ChecksPerDenial = { count: 2, why: 'auth_request passes no body: the recipe re-asks the endpoint for the denial' };

const PROXIES: Array<[AdapterName, string, Proxy, ChecksPerDenial | undefined]> = [
  ['forward_auth_nginx', 'nginx auth_request', async (port, authz, upstream) => {
    const n = await startNginx({ httpConf: nginxRecipe(port, authz, upstream), readyPort: port });
    return { url: n.url as string, stop: () => n.stop() };
  }, NGINX_REPLAY],
  ['forward_auth_caddy', 'Caddy forward_auth', async (port, authz, upstream, config) => {
    const c = await startCaddy(port, () => caddySite(port, authz, upstream, forwardAuthHeaderNames(config)));
    return { url: c.url, stop: () => c.stop() };
  }, undefined],
];

for (const [adapter, label, startProxy, checksPerDenial] of PROXIES) {
  describe(`introspection + remote scenarios: forward-auth behind ${label}`, () => {
    let env: IntrospectionEnv;
    let upstream: EchoUpstream;
    let authz: Server;
    let proxy: { url: string; stop(): Promise<void> };
    const lines: string[] = [];
    before(async () => {
      env = { idp: await startIntrospectionIdp(), validator: await startValidationServer(), issuer: await startIssuer() };
      upstream = await startEchoUpstream();
      const config = await introspectionFixtureConfig({ idp: env.idp, jwtIssuer: env.issuer.url, jwksUri: env.issuer.jwksUri, validatorUrl: env.validator.url, deadPort: await freePort(), upstreamUrl: upstream.url });
      const deps = { config, decider: createCachedDecider(config, nodePorts()), observer: createObserver(serviceMetrics(), (line) => lines.push(line)) };
      authz = createServer(createForwardAuthHandler(deps, { trustedProxies: ['127.0.0.1/32'] }));
      const authzPort = await listen(authz);
      proxy = await startProxy(await freePort(), authzPort, upstream.port, config);
    });
    after(async () => {
      await proxy?.stop();
      if (authz) await closeServer(authz);
      await upstream?.stop();
      await env?.idp.stop();
      await env?.validator.stop();
      await env?.issuer.stop();
    });

    const send = sendThroughProxy(() => proxy.url, () => upstream);
    runScenarioTable(adapter, () => ({ issuer: env.issuer, send }), introspectionScenarios(() => env));
    runIntrospectionBehaviour(adapter, () => ({ env, send, logs: () => lines.join('\n') }), checksPerDenial);
  });
}
