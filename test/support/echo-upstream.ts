/**
 * A real HTTP upstream (node:http) that records every request and can stream
 * Server-Sent Events slowly, for proxy tests.
 * @module
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, closeServer } from './listen.ts';

/** One request as received by the upstream. */
export interface Recorded {
  method: string;
  /** Request target as sent by the proxy (path + query). */
  url: string;
  /** Lower-cased headers (node:http joins duplicates). */
  headers: IncomingHttpHeaders;
  /** Headers exactly as received, `[name, value, name, value, ...]`. */
  rawHeaders: string[];
  /** Request body as UTF-8. */
  body: string;
  /** Peer address of the connection (the proxy, when proxied). */
  remoteAddress: string;
  /** `Date.now()` when the request was fully received. */
  receivedAt: number;
}

/** Timing of one SSE response stream served by the upstream. */
export interface SseStreamRecord {
  url: string;
  /** `Date.now()` at which each event was written. */
  sentAt: number[];
  /** `Date.now()` when the response was ended, or `undefined` while streaming. */
  finishedAt?: number;
}

/** Options for {@link startEchoUpstream}. */
export interface EchoUpstreamOptions {
  /** Number of SSE events per stream (default 5; `?n=` overrides per request). */
  sseEvents?: number;
  /** Delay between SSE events in ms (default 300; `?delay=` overrides per request). */
  sseDelayMs?: number;
}

/** A running echo upstream. */
export interface EchoUpstream {
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request received, in arrival order. */
  requests: Recorded[];
  /** Every SSE stream served, in start order. */
  sseStreams: SseStreamRecord[];
  /** Empties `requests` and `sseStreams`. */
  clear(): void;
  /** Closes the server and all open connections. */
  stop(): Promise<void>;
}

/**
 * Whether a request is served as SSE: any path ending in `/sse`, or a GET
 * with `Accept: text/event-stream`.
 */
function wantsSse(req: IncomingMessage, path: string): boolean {
  return path.endsWith('/sse') || (req.method === 'GET' && (req.headers.accept ?? '').includes('text/event-stream'));
}

/**
 * Starts the echo upstream on 127.0.0.1 on a free port.
 *
 * - Normal requests: answers `200 {"ok":true}` (application/json).
 * - SSE requests (see {@link wantsSse}): answers `text/event-stream` and
 *   writes `n` events `id: i / event: tick / data: {"i":i,"of":n}` with
 *   `delay` ms between them, then ends the response.
 */
export async function startEchoUpstream(opts: EchoUpstreamOptions = {}): Promise<EchoUpstream> {
  const requests: Recorded[] = [];
  const sseStreams: SseStreamRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const u = new URL(req.url ?? '/', 'http://upstream');
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body,
      remoteAddress: req.socket.remoteAddress ?? '',
      receivedAt: Date.now(),
    });
    if (!wantsSse(req, u.pathname)) {
      const payload = JSON.stringify({ ok: true });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
      return;
    }
    const n = Number(u.searchParams.get('n') ?? opts.sseEvents ?? 5);
    const delay = Number(u.searchParams.get('delay') ?? opts.sseDelayMs ?? 300);
    const rec: SseStreamRecord = { url: req.url ?? '', sentAt: [] };
    sseStreams.push(rec);
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    let i = 0;
    const tick = (): void => {
      if (res.destroyed) return;
      i += 1;
      res.write(`id: ${i}\nevent: tick\ndata: ${JSON.stringify({ i, of: n })}\n\n`);
      rec.sentAt.push(Date.now());
      if (i >= n) {
        rec.finishedAt = Date.now();
        res.end();
        return;
      }
      const t = setTimeout(() => {
        timers.delete(t);
        tick();
      }, delay);
      timers.add(t);
    };
    tick();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  const port = await listen(server);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    sseStreams,
    clear() {
      requests.length = 0;
      sseStreams.length = 0;
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await closeServer(server);
    },
  };
}
