/**
 * HTTP client helpers for tests built on node:http (not fetch), so tests
 * control the source address (`localAddress`, e.g. 127.0.0.2 to appear as a
 * different peer) and the exact headers sent.
 * @module
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

/**
 * Request headers: an object (array values send the header repeatedly), or a
 * list of `[name, value]` pairs sent in order, duplicates included (a `Host`
 * header is appended to the list if it has none; node adds no defaults then).
 */
export type RequestHeaders = Record<string, string | string[]> | Array<[string, string]>;

/** Options for {@link request}. */
export interface RequestOptions {
  /** HTTP method (default GET). */
  method?: string;
  headers?: RequestHeaders;
  /** Request body; `Content-Length` is set unless given in `headers`. */
  body?: string | Buffer;
  /** Source address to bind, e.g. `127.0.0.2`. */
  localAddress?: string;
  /** Fail if no complete response within this many ms (default 10000). */
  timeoutMs?: number;
}

/** A complete HTTP response. */
export interface HttpResponse {
  status: number;
  /** Response headers with lower-cased names (duplicates joined by node). */
  headers: IncomingHttpHeaders;
  /** Headers exactly as received, `[name, value, name, value, ...]`. */
  rawHeaders: string[];
  /** Body decoded as UTF-8. */
  body: string;
}

/** Returns true if `headers` sets `name` (case-insensitive). */
function hasHeader(headers: RequestHeaders | undefined, name: string): boolean {
  if (!headers) return false;
  const n = name.toLowerCase();
  const names = Array.isArray(headers) ? headers.map(([k]) => k) : Object.keys(headers);
  return names.some((k) => k.toLowerCase() === n);
}

/** Converts {@link RequestHeaders} into what node:http accepts (flat raw array for pairs). */
function toNodeHeaders(headers: RequestHeaders | undefined, extra: Record<string, string>): OutgoingHttpHeaders | string[] {
  if (Array.isArray(headers)) {
    const flat = headers.flat();
    for (const [k, v] of Object.entries(extra)) flat.push(k, v);
    return flat;
  }
  return { ...headers, ...extra };
}

/** Starts a node:http request with a fresh connection (no keep-alive agent). */
function send(
  url: string,
  opts: RequestOptions,
  onResponse: (res: IncomingMessage) => void,
  onError: (err: Error) => void,
): ReturnType<typeof httpRequest> {
  const u = new URL(url);
  const extra: Record<string, string> = {};
  if (opts.body !== undefined && !hasHeader(opts.headers, 'content-length')) {
    extra['content-length'] = String(Buffer.byteLength(opts.body));
  }
  // With a raw header array node:http adds no default headers, not even Host.
  if (Array.isArray(opts.headers) && !hasHeader(opts.headers, 'host')) extra.host = u.host;
  const req = httpRequest(
    {
      host: u.hostname,
      port: u.port || 80,
      path: `${u.pathname}${u.search}`,
      method: opts.method ?? 'GET',
      // node:http accepts a flat raw-header array at runtime (keeps order and duplicates).
      headers: toNodeHeaders(opts.headers, extra) as OutgoingHttpHeaders,
      localAddress: opts.localAddress,
      agent: false,
    },
    onResponse,
  );
  req.on('error', onError);
  if (opts.body !== undefined) req.write(opts.body);
  req.end();
  return req;
}

/**
 * Performs one HTTP request and buffers the whole response.
 *
 * @param url Absolute `http://` URL.
 * @param opts See {@link RequestOptions}.
 */
export function request(url: string, opts: RequestOptions = {}): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      opts,
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const timer = setTimeout(() => req.destroy(new Error(`request ${url} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
}

/**
 * Sends bytes verbatim over TCP and returns everything received until the
 * peer closes (or `timeoutMs`, default 5000, elapses). For malformed or
 * smuggling-style requests that node:http refuses to build. Include
 * `Connection: close` in `raw` so the server closes after responding.
 */
export function rawRequest(
  port: number,
  raw: string | Buffer,
  opts: { host?: string; localAddress?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect({ port, host: opts.host ?? '127.0.0.1', localAddress: opts.localAddress });
    const timer = setTimeout(() => sock.destroy(), opts.timeoutMs ?? 5000);
    sock.on('connect', () => sock.write(raw));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** One Server-Sent Event as received by the client. */
export interface SseEvent {
  /** `event:` field, if any. */
  event?: string;
  /** `id:` field, if any. */
  id?: string;
  /** `data:` lines joined with `\n`. */
  data: string;
  /** `Date.now()` when the event's terminating blank line arrived. */
  receivedAt: number;
}

/** An open SSE response. Iterate with `for await` or call {@link next}. */
export interface SseStream extends AsyncIterable<SseEvent> {
  status: number;
  /** Lower-cased response headers. */
  headers: IncomingHttpHeaders;
  /** All events received so far (filled live). */
  events: SseEvent[];
  /** Resolves with the next not-yet-consumed event, or `null` at end of stream. */
  next(): Promise<SseEvent | null>;
  /** Resolves with all events once the stream ends. */
  done(): Promise<SseEvent[]>;
  /** `true` once the response ended or was closed. */
  ended(): boolean;
  /** Aborts the response. */
  close(): void;
}

/**
 * Incremental SSE parser (WHATWG event-stream format): feed text chunks,
 * get complete events via the callback.
 */
export function createSseParser(onEvent: (ev: SseEvent) => void): (chunk: string) => void {
  let buf = '';
  let data: string[] = [];
  let event: string | undefined;
  let id: string | undefined;
  return (chunk) => {
    buf += chunk;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buf);
      // A trailing lone CR might be the first half of CRLF: wait for more input.
      if (!m || (m[0] === '\r' && m.index === buf.length - 1)) break;
      const line = buf.slice(0, m.index);
      buf = buf.slice(m.index + m[0].length);
      if (line === '') {
        if (data.length > 0 || event !== undefined) {
          onEvent({ event, id, data: data.join('\n'), receivedAt: Date.now() });
        }
        data = [];
        event = undefined;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id') id = value;
    }
  };
}

/**
 * Opens an SSE stream (GET with `Accept: text/event-stream` by default) and
 * resolves as soon as the response headers arrive; events are delivered as
 * they arrive, each stamped with its arrival time, so a test can show the
 * first event came through a proxy before the upstream finished.
 *
 * @param url Absolute `http://` URL.
 * @param headers Request headers (an `Accept` header is added if absent).
 * @param opts Method/body (e.g. an MCP POST answered with SSE), `localAddress`.
 */
export function openSse(
  url: string,
  headers: RequestHeaders = {},
  opts: Omit<RequestOptions, 'headers' | 'timeoutMs'> = {},
): Promise<SseStream> {
  const withAccept: RequestHeaders = hasHeader(headers, 'accept')
    ? headers
    : Array.isArray(headers)
      ? [...headers, ['accept', 'text/event-stream']]
      : { ...headers, accept: 'text/event-stream' };
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { ...opts, headers: withAccept },
      (res) => {
        const events: SseEvent[] = [];
        const waiters: Array<(ev: SseEvent | null) => void> = [];
        let consumed = 0;
        let isEnded = false;
        const endWaiters: Array<() => void> = [];
        const finish = (): void => {
          if (isEnded) return;
          isEnded = true;
          for (const w of waiters.splice(0)) w(null);
          for (const w of endWaiters.splice(0)) w();
        };
        const feed = createSseParser((ev) => {
          events.push(ev);
          const w = waiters.shift();
          if (w) {
            consumed += 1;
            w(ev);
          }
        });
        res.setEncoding('utf8');
        res.on('data', (c: string) => feed(c));
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
        const next = (): Promise<SseEvent | null> => {
          if (consumed < events.length) return Promise.resolve(events[consumed++] as SseEvent);
          if (isEnded) return Promise.resolve(null);
          return new Promise((r) => waiters.push(r));
        };
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          events,
          next,
          ended: () => isEnded,
          done: () => (isEnded ? Promise.resolve(events) : new Promise((r) => endWaiters.push(() => r(events)))),
          close: () => {
            req.destroy();
            finish();
          },
          async *[Symbol.asyncIterator]() {
            for (;;) {
              const ev = await next();
              if (ev === null) return;
              yield ev;
            }
          },
        });
      },
      reject,
    );
  });
}
