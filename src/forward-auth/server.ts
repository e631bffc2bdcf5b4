/**
 * The forward-auth HTTP endpoint (Traefik forwardAuth, Caddy forward_auth, nginx auth_request):
 * translate the request (request.ts), decide with the shared cached decider, answer (response.ts),
 * count and log. Any path on this listener is the auth URL; only `/healthz` is special, and only
 * for requests that don't carry a forwarded request (so an auth URL of /healthz can't allow all).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { endpointFor } from '../core/decide.ts';
import { denial } from '../core/responses.ts';
import { bodyLimit, hasToolRules } from '../core/tool-rules.ts';
import type { AdapterDeps } from '../service/adapter-deps.ts';
import { readBody } from './body.ts';
import { hasForwardedRequest, readForwardAuthRequest, type ForwardAuthRequest } from './request.ts';
import { answerFor, failureAnswer, forwardAuthHeaderNames, type HttpAnswer } from './response.ts';

/** Options of {@link createForwardAuthHandler}. */
export interface ForwardAuthOptions {
  /** CIDRs of the proxies whose X-Forwarded-* headers are honoured (serve.forward_auth.trusted_proxies). */
  trustedProxies: string[];
}

function send(res: ServerResponse, a: HttpAnswer): void {
  const headers = Object.assign({}, a.headers, { 'Content-Length': String(Buffer.byteLength(a.body)) });
  res.writeHead(a.status, headers);
  res.end(a.body);
}

function isHealthCheck(req: IncomingMessage): boolean {
  const path = (req.url || '').split('?')[0];
  return path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD') && !hasForwardedRequest(req);
}

/** A node:http request listener serving forward-auth checks and `/healthz`. */
export function createForwardAuthHandler(deps: AdapterDeps, o: ForwardAuthOptions): (req: IncomingMessage, res: ServerResponse) => void {
  // Static per configuration; computed once.
  const names = forwardAuthHeaderNames(deps.config);

  async function check(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const fr: ForwardAuthRequest = readForwardAuthRequest(req, o.trustedProxies);
    // Per-tool rules judge the body Traefik forwards (forwardBody: true); other endpoints never read it.
    const endpoint = endpointFor(fr.core, deps.config, fr.endpointId ? { endpointId: fr.endpointId } : undefined);
    if (endpoint && hasToolRules(endpoint)) {
      const body = await readBody(req, bodyLimit(endpoint));
      if (!body.ok) {
        const tooLarge = denial(fr.core, deps.config, endpoint, 'body_too_large');
        send(res, answerFor(tooLarge, fr, deps.config, names));
        deps.observer.decided('forward_auth', fr.core, tooLarge, Number(process.hrtime.bigint() - started) / 1e9, false);
        return;
      }
      fr.core.body = body.text;
    }
    const { decision, cached } = await deps.decider.decide(fr.core, fr.endpointId ? { endpointId: fr.endpointId } : undefined);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // Build the answer (and let writeHead validate it) before logging: a failure here is a failed
    // check, answered 500 below, not a decision.
    send(res, answerFor(decision, fr, deps.config, names));
    deps.observer.decided('forward_auth', fr.core, decision, seconds, cached);
  }

  return function handle(req, res) {
    if (isHealthCheck(req)) {
      send(res, { status: 200, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }, body: '{"status":"ok"}' });
      return;
    }
    check(req, res).catch(function (err: unknown) {
      deps.observer.failed('forward_auth', err);
      // Never an accidental allow: a 500 makes every proxy refuse the request. If the answer had
      // already started (an error after send), the connection is cut instead.
      if (!res.headersSent) send(res, failureAnswer());
      else if (!res.writableEnded) res.destroy();
    });
  };
}
