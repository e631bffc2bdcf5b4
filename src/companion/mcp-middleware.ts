/**
 * Koa middleware run by the provider before its own routes, for what MCP clients need and
 * oidc-provider does not do: a default scope at /authorize, CORS on /register (browser clients
 * register too; oidc-provider sets none there), the resource scopes and offline_access in the
 * metadata's scopes_supported, and no framing of anything the AS serves.
 */
import type Provider from 'oidc-provider';
import type { CorsConfig } from '../core/config-types.ts';
import { allowedOrigin } from '../core/cors.ts';
import { ROUTES } from './routes.ts';
import { defaultScope, type ResourceServer } from './resource-servers.ts';

/** A Koa middleware as `provider.use` takes it. */
export type ProviderMiddleware = Parameters<Provider['use']>[0];

const DISCOVERY_PATHS = new Set(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']);

/** The middleware for `resources` and the configured CORS origins. */
export function mcpMiddleware(resources: readonly ResourceServer[], cors: CorsConfig): ProviderMiddleware {
  const advertisedScopes = ['openid', 'offline_access', ...new Set(resources.flatMap((r) => r.scopes))];

  return async (ctx, next) => {
    // Nothing here is meant to be framed (clickjacking of login/consent).
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Content-Security-Policy', "frame-ancestors 'none'");
    ctx.set('X-Content-Type-Options', 'nosniff');

    if (ctx.path === ROUTES.authorization && ctx.method === 'GET') {
      const params = new URLSearchParams(ctx.querystring);
      if (!params.get('scope')) {
        const scope = defaultScope(resources, params.getAll('resource'));
        if (scope !== undefined) {
          params.set('scope', scope);
          ctx.querystring = params.toString();
        }
      }
    }

    if (ctx.path === ROUTES.registration) {
      const origin = allowedOrigin(ctx.get('Origin') || undefined, cors);
      if (origin !== null) {
        ctx.set('Access-Control-Allow-Origin', origin);
        if (origin !== '*') ctx.vary('Origin');
      }
      if (ctx.method === 'OPTIONS') {
        if (origin !== null) {
          ctx.set('Access-Control-Allow-Methods', 'POST');
          ctx.set('Access-Control-Allow-Headers', 'Content-Type, Authorization');
          ctx.set('Access-Control-Max-Age', String(cors.max_age));
        }
        ctx.status = 204;
        return;
      }
    }

    await next();

    if (DISCOVERY_PATHS.has(ctx.path) && ctx.status === 200 && ctx.body !== null && typeof ctx.body === 'object') {
      (ctx.body as Record<string, unknown>).scopes_supported = advertisedScopes;
    }
  };
}
