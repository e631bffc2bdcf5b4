/**
 * The companion's public HTTP listener: routes each request to the protected resource metadata,
 * the login/consent pages or oidc-provider (see companion-routes.ts).
 *
 * Every URL the AS prints (metadata endpoints, redirects, cookie paths) is built from the
 * configured issuer, never from the request: the issuer's host and scheme are stated as
 * X-Forwarded-Host/-Proto on every request, overriding anything a client or proxy sent. So the
 * same issuer string appears everywhere (RFC 8414 §3.3) however the request arrived, and a
 * forged Host header cannot redirect a browser elsewhere.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { CoreConfig } from '../core/types.ts';
import type { CompanionLog } from './companion-log.ts';
import { routeCompanion } from './companion-routes.ts';
import { errorPage, pageHeaders } from './interactions/pages.ts';
import { serveResourceMetadata } from './resource-metadata-route.ts';
import type { RateLimiter } from './rate-limit/rate-limiter.ts';
import { sendRateLimited } from './rate-limit/rate-limit-response.ts';
import type { CorsConfig } from '../core/config-types.ts';

/** What the HTTP layer dispatches to. */
export interface CompanionHandlerDeps {
  provider: Provider;
  issuer: string;
  mountPath: string;
  coreConfig: CoreConfig;
  cors: CorsConfig;
  interactions: (req: IncomingMessage, res: ServerResponse, rest: string) => Promise<void>;
  log: CompanionLog;
  /** Per-client-address budgets of /register, /authorize and /token. */
  rateLimiter: RateLimiter;
}

function notFound(res: ServerResponse): void {
  const body = '{"error":"not_found"}';
  res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }).end(body);
}

/** The node:http request listener of the companion. */
export function createCompanionHandler(d: CompanionHandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const callback = d.provider.callback();
  const issuer = new URL(d.issuer);

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://companion.invalid');
    req.headers['x-forwarded-host'] = issuer.host;
    req.headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);
    const route = routeCompanion(url.pathname, d.mountPath);
    switch (route.kind) {
      case 'resource-metadata':
        serveResourceMetadata(d.coreConfig, req, res, url.pathname);
        return;
      case 'interaction':
        d.interactions(req, res, route.rest).catch((err: unknown) => {
          d.log('server_error', { message: err instanceof Error ? err.message : String(err) });
          if (res.headersSent) {
            res.destroy();
            return;
          }
          const html = errorPage('Something went wrong', 'The sign-in could not be completed.');
          res.writeHead(500, { ...pageHeaders(), 'Content-Length': String(Buffer.byteLength(html)) }).end(html);
        });
        return;
      case 'provider':
        // oidc-provider derives its mount path from req.baseUrl (as under Express).
        req.url = route.path + url.search;
        (req as IncomingMessage & { baseUrl?: string }).baseUrl = d.mountPath;
        d.rateLimiter.check(req, route.path).then((decision) => {
          if (!decision.limited) return callback(req, res);
          d.log('rate_limited', { route: decision.route, client: decision.clientKey, retry_after: decision.retryAfterSeconds });
          sendRateLimited(res, decision.route, decision.retryAfterSeconds, req.headers.origin, d.cors);
        }).catch((err: unknown) => {
          d.log('server_error', { message: err instanceof Error ? err.message : String(err) });
          if (!res.headersSent) res.writeHead(500).end();
        });
        return;
      case 'not-found':
        notFound(res);
    }
  };
}
