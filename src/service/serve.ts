/**
 * `mcp-authz serve`: the Node service hosting the forward-auth endpoint (Traefik forwardAuth, Caddy
 * forward_auth, nginx auth_request), the Envoy ext_authz gRPC service and the admin listener, all
 * over one cached decider so every adapter gives the same decision for the same request; and,
 * when `authorization_server` is configured, the companion Authorization Server on its own
 * listener. The AS starts after the data plane is ready, and readiness never waits for it or its
 * storage: a token is checked against cached keys whatever state the AS is in.
 */
import { createServer, type Server } from 'node:http';
import { toCoreConfig, type AppConfig } from '../config/app-config.ts';
import { startExtAuthzServer } from '../envoy/server.ts';
import { createForwardAuthHandler } from '../forward-auth/server.ts';
import { createCachedDecider } from '../node/decision-cache.ts';
import { createRateLimiter } from '../node/create-rate-limiter.ts';
import { withRateLimits } from '../node/rate-limited-decider.ts';
import { closeServer, listenOn } from '../node/http-server.ts';
import { nodePorts } from '../node/node-ports.ts';
import { startScriptHost, withScripts } from '../node/script-host.ts';
import type { Ports } from '../core/types.ts';
import type { Env } from '../config/env-expand.ts';
import { formatErrors } from '../config/format-errors.ts';
import { startCompanion } from '../companion/start-companion.ts';
import { createAdminHandler } from './admin-server.ts';
import { parseListen } from './listen-address.ts';
import { tapCompanionEvents } from './companion-metrics.ts';
import { createObserver, serviceMetrics } from './observe.ts';

export interface RunningService {
  /** Bound ports (useful when the config asked for port 0); companion is null without an AS. */
  ports: { forwardAuth: number; extAuthz: number; admin: number; companion: number | null };
  stop(): Promise<void>;
}

function listenHttp(server: Server, address: string): Promise<number> {
  const { host, port } = parseListen(address);
  return listenOn(server, host, port);
}

/** Start every listener of the service; rejects (and stops what started) if one cannot bind. */
export async function startService(app: AppConfig, o: { ports?: Ports; writeLine?: (line: string) => void; env?: Env } = {}): Promise<RunningService> {
  const config = toCoreConfig(app);
  const metrics = serviceMetrics();
  const writeLine = o.writeLine ?? ((line: string) => process.stdout.write(line + '\n'));
  // Validator scripts load before anything listens: a bad one is a configuration error.
  const scripts = await startScriptHost(config, {
    onFailure: (id, reason, detail) => writeLine(JSON.stringify({ time: new Date().toISOString(), component: 'script', event: 'script.failed', strategy_id: id, reason, detail })),
  });
  if (!scripts.ok) throw new Error(formatErrors(scripts.errors).join('\n'));
  // Per-subject limits count every allow, cached or not; no limited endpoint, no store.
  const limited = config.endpoints.some((e) => e.rate_limit);
  const limiter = createRateLimiter(limited ? app.rate_limits : undefined, { onStoreError: () => metrics.inc('mcp_authz_rate_limit_store_errors_total') });
  const deps = {
    config,
    decider: withRateLimits(createCachedDecider(config, withScripts(o.ports ?? nodePorts({
      // Why an upstream_auth credential could not be had: for the operator, next to the 503s.
      upstream: { onFailure: (endpoint, detail) => writeLine(JSON.stringify({ time: new Date().toISOString(), event: 'upstream_credential_failed', endpoint, detail })) },
    }), scripts.host)), config, limiter),
    observer: createObserver(metrics, writeLine),
  };
  let ready = false;
  const admin = createServer(createAdminHandler(metrics, { ready: () => ready }));
  const forwardAuth = createServer(createForwardAuthHandler(deps, { trustedProxies: app.serve.forward_auth.trusted_proxies }));
  const stops: Array<() => Promise<void>> = [() => limiter.close(), () => scripts.host.stop()];
  try {
    const adminPort = await listenHttp(admin, app.serve.admin.listen);
    stops.push(() => closeServer(admin));
    const forwardAuthPort = await listenHttp(forwardAuth, app.serve.forward_auth.listen);
    stops.push(() => closeServer(forwardAuth));
    const extAuthz = await startExtAuthzServer(deps, app.serve.ext_authz.listen);
    stops.push(() => extAuthz.stop());
    ready = true;
    let companionPort: number | null = null;
    if (app.authorization_server !== null) {
      const started = await startCompanion(app, { env: o.env, writeLine: tapCompanionEvents(metrics, writeLine) });
      if (!started.ok) throw new Error(formatErrors(started.errors).join('\n'));
      stops.push(() => started.companion.stop());
      companionPort = started.companion.port;
    }
    return {
      ports: { forwardAuth: forwardAuthPort, extAuthz: extAuthz.port, admin: adminPort, companion: companionPort },
      stop: async () => {
        ready = false;
        await Promise.all(stops.map((s) => s()));
      },
    };
  } catch (err) {
    await Promise.all(stops.map((s) => s()));
    throw err;
  }
}
