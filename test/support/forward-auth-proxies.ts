/**
 * Real proxies in front of a forward-auth endpoint, each on a free loopback port: Caddy with the
 * forward_auth site and nginx with the shipped auth_request recipe (test/support/forward-auth-recipes.ts).
 * @module
 */
import { startCaddy, type RunningCaddy } from './caddy.ts';
import { caddyForwardAuthSite, nginxAuthRequestRecipe, type CaddySiteOptions } from './forward-auth-recipes.ts';
import { freePort } from './free-port.ts';
import { startNginx, type RunningNginx } from './nginx.ts';

/** Caddy asking the endpoint at `authz` and proxying to `upstream`, copying `copy` from the answer. */
export async function startCaddyForwardAuth(authz: number, upstream: number, copy: string[], options: CaddySiteOptions = {}): Promise<RunningCaddy> {
  const port = await freePort();
  return startCaddy(port, () => caddyForwardAuthSite(port, authz, upstream, copy, options));
}

/** A running nginx whose URL is known (it was started with a ready port). */
export type RunningAuthRequestNginx = RunningNginx & { readonly url: string };

/** nginx running nginx/auth-request-example.conf (plus `extraSwaps`) against `authz` and `upstream`. */
export async function startNginxAuthRequest(authz: number, upstream: number, extraSwaps: Array<[string, string]> = []): Promise<RunningAuthRequestNginx> {
  const port = await freePort();
  const nginx = await startNginx({ httpConf: nginxAuthRequestRecipe(port, authz, upstream, extraSwaps), readyPort: port });
  return Object.assign(nginx, { url: `http://127.0.0.1:${port}` });
}
