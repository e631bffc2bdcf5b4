/**
 * The introspection / remote scenarios through the forward-auth endpoint behind two real proxies:
 * nginx `auth_request` with nginx/auth-request-example.conf (its addresses swapped, as in
 * forward-auth-nginx.test.ts) and Caddy 2.6 `forward_auth` (test/support/forward-auth-recipes.ts,
 * copying the names forwardAuthHeaderNames reports for this configuration).
 */
import { after, before, describe } from 'node:test';
import type { CoreConfig } from '../../src/core/types.ts';
import { forwardAuthHeaderNames } from '../../src/forward-auth/response.ts';
import { introspectionEnvConfig, startIntrospectionEnv, stopIntrospectionEnv } from '../contract/introspection-env.ts';
import { introspectionScenarios, runIntrospectionBehaviour, type ChecksPerDenial, type IntrospectionEnv } from '../contract/introspection-scenarios.ts';
import { runScenarioTable, sendThroughProxy } from '../contract/run-scenarios.ts';
import type { AdapterName } from '../contract/scenarios.ts';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.ts';
import { startForwardAuthEndpoint, type ForwardAuthEndpoint } from '../support/forward-auth-endpoint.ts';
import { startCaddyForwardAuth, startNginxAuthRequest } from '../support/forward-auth-proxies.ts';

type Proxy = (authz: number, upstream: number, config: CoreConfig) => Promise<{ url: string; stop(): Promise<void> }>;

/** The recipe's @mcp_authz_denied asks the endpoint a second time to replay the full denial. */
const NGINX_REPLAY: ChecksPerDenial = { count: 2, why: 'auth_request passes no body: the recipe re-asks the endpoint for the denial' };

const PROXIES: Array<[AdapterName, string, Proxy, ChecksPerDenial | undefined]> = [
  ['forward_auth_nginx', 'nginx auth_request', (authz, upstream) => startNginxAuthRequest(authz, upstream), NGINX_REPLAY],
  ['forward_auth_caddy', 'Caddy forward_auth', (authz, upstream, config) => startCaddyForwardAuth(authz, upstream, forwardAuthHeaderNames(config)), undefined],
];

for (const [adapter, label, startProxy, checksPerDenial] of PROXIES) {
  describe(`introspection + remote scenarios: forward-auth behind ${label}`, () => {
    let env: IntrospectionEnv;
    let upstream: EchoUpstream;
    let authz: ForwardAuthEndpoint;
    let proxy: { url: string; stop(): Promise<void> };
    const lines: string[] = [];
    before(async () => {
      env = await startIntrospectionEnv();
      upstream = await startEchoUpstream();
      const config = await introspectionEnvConfig(env, upstream.url);
      authz = await startForwardAuthEndpoint(config, { writeLine: (line) => lines.push(line) });
      proxy = await startProxy(authz.port, upstream.port, config);
    });
    after(async () => {
      await proxy?.stop();
      await authz?.stop();
      await upstream?.stop();
      await stopIntrospectionEnv(env);
    });

    const send = sendThroughProxy(() => proxy.url, () => upstream);
    runScenarioTable(adapter, () => ({ issuer: env.issuer, send }), introspectionScenarios(() => env));
    runIntrospectionBehaviour(adapter, () => ({ env, send, logs: () => lines.join('\n') }), checksPerDenial);
  });
}
