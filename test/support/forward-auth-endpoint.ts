/**
 * The Node forward-auth endpoint as the proxy-fronted integration tests run it: the real
 * createForwardAuthHandler with the caching decider over the Node ports, trusting loopback as its
 * proxy, on a free loopback port.
 * @module
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { CoreConfig } from '../../src/core/types.ts';
import { createForwardAuthHandler } from '../../src/forward-auth/server.ts';
import { createCachedDecider } from '../../src/node/decision-cache.ts';
import { nodePorts } from '../../src/node/node-ports.ts';
import { createObserver, serviceMetrics } from '../../src/service/observe.ts';
import { closeServer, listen } from './listen.ts';

/** A listening forward-auth endpoint. */
export interface ForwardAuthEndpoint {
  readonly server: Server;
  readonly port: number;
  /** Closes the server. */
  stop(): Promise<void>;
}

/** What a test may watch. */
export interface ForwardAuthEndpointOptions {
  /** Receives each decision log line (default: dropped). */
  writeLine?: (line: string) => void;
  /** Sees each auth request before the handler does (e.g. to record how the proxy asked). */
  onRequest?: (req: IncomingMessage) => void;
}

/** Start the forward-auth endpoint for `config` on a free loopback port. */
export async function startForwardAuthEndpoint(config: CoreConfig, options: ForwardAuthEndpointOptions = {}): Promise<ForwardAuthEndpoint> {
  const writeLine = options.writeLine ?? (() => undefined);
  const deps = { config, decider: createCachedDecider(config, nodePorts()), observer: createObserver(serviceMetrics(), writeLine) };
  const handler = createForwardAuthHandler(deps, { trustedProxies: ['127.0.0.1/32'] });
  const onRequest = options.onRequest;
  const server = createServer(onRequest ? (req, res) => { onRequest(req); handler(req, res); } : handler);
  const port = await listen(server);
  return { server, port, stop: () => closeServer(server) };
}

/** How a proxy framed one auth request: its method and any body framing headers. */
export interface AuthRequestFraming {
  method: string;
  contentLength?: string;
  transferEncoding?: string;
}

/** The {@link AuthRequestFraming} of a request, for tests that prove the proxy sends no body. */
export function authRequestFraming(req: IncomingMessage): AuthRequestFraming {
  return { method: req.method ?? '', contentLength: req.headers['content-length'], transferEncoding: req.headers['transfer-encoding'] };
}
