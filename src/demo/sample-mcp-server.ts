/**
 * The sample MCP server of the demo (and of the integration tests): the official SDK over
 * Streamable HTTP. Tool-call responses are streamed as SSE (the SDK default), so notifications sent
 * during a call arrive before its result: exactly what a proxy in front must not buffer.
 *
 * Two ways in, both on POST: a client that sends `initialize` gets a session (`Mcp-Session-Id`;
 * needed when the server asks the client something mid-call, and for the standalone GET stream),
 * and any other request without a session id is served statelessly, as in the SDK example
 * `simpleStatelessStreamableHttp` — a fresh server + transport for that one POST, so a bare
 * `tools/call` from curl works. A request that arrives on loopback must name a loopback host in Host
 * and Origin (DNS rebinding, see sample-server/loopback-guard.ts).
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod/v4';
import { registerConformanceFixtures } from './sample-server/conformance-fixtures.ts';
import { readJsonBody, replyJsonRpcError } from './sample-server/http-replies.ts';
import { installLogLevel } from './sample-server/log-level.ts';
import { arrivedOnLoopback, LOOPBACK_HOSTNAMES, rebindingRejection } from './sample-server/loopback-guard.ts';
import { createSessionTable, type SessionTable } from './sample-server/sessions.ts';

/** Options of {@link createSampleMcpServer}. */
export interface SampleMcpServerOptions {
  /**
   * Also serve what the official MCP conformance suite probes (test_* tools, resources, prompts,
   * completion; sample-server/conformance-fixtures.ts). Default false: the demo shows two tools.
   */
  conformanceFixtures?: boolean;
}

/** Options of {@link createMcpRequestHandler}. */
export interface McpRequestHandlerOptions extends SampleMcpServerOptions {
  /**
   * Host names accepted in the Host and Origin headers of every request. Default: localhost,
   * 127.0.0.1 and [::1], checked only on requests that arrive on a loopback address.
   */
  allowedHostnames?: readonly string[];
  /** A session closes after this long without a request (default 10 minutes). */
  sessionIdleMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Builds the sample MCP server with two tools (plus the conformance fixtures when asked):
 *
 * - `echo` `{text}` → returns `text` as a text content item.
 * - `countdown` `{from=3, delayMs=100}` → for each step sends a
 *   `notifications/progress` (when the caller passed a progress token) and a
 *   `notifications/message` log entry, waits `delayMs`, and finally returns
 *   `"liftoff"`.
 */
export function createSampleMcpServer(opts: SampleMcpServerOptions = {}): McpServer {
  const server = new McpServer({ name: 'mcp-authz-sample', version: '1.0.0' }, { capabilities: { logging: {} } });
  const sendLog = installLogLevel(server);

  server.registerTool(
    'echo',
    { description: 'Returns its input text', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );

  server.registerTool(
    'countdown',
    {
      description: 'Counts down, streaming progress and log notifications, then returns "liftoff"',
      inputSchema: {
        from: z.number().int().min(1).max(100).default(3),
        delayMs: z.number().int().min(0).max(10_000).default(100),
      },
    },
    async ({ from, delayMs }, extra) => {
      const token = extra._meta?.progressToken;
      for (let i = from; i >= 1; i--) {
        if (extra.signal.aborted) return { content: [{ type: 'text', text: 'cancelled' }], isError: true };
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: from - i + 1, total: from, message: `${i}` },
          });
        }
        await sendLog(extra, 'info', 'countdown', `${i}`);
        await sleep(delayMs);
      }
      return { content: [{ type: 'text', text: 'liftoff' }] };
    },
  );
  if (opts.conformanceFixtures) registerConformanceFixtures(server, sendLog);
  return server;
}

/**
 * Returns a node:http request handler that serves the sample MCP server at `path` (other paths get
 * 404). A Host or Origin naming a host not allowed gets 403 (see
 * {@link McpRequestHandlerOptions.allowedHostnames}). A request with an `Mcp-Session-Id` goes to
 * that session (POST, GET for the standalone SSE stream, DELETE to end it), 404 if the session is
 * unknown or expired (the client then initializes again). Without one, an `initialize` POST opens a
 * session, any other POST is served statelessly, and GET/DELETE get 405 (nothing to stream or end).
 */
export function createMcpRequestHandler(path = '/mcp', opts: McpRequestHandlerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const sessions = createSessionTable(opts.sessionIdleMs ?? 10 * 60_000);
  const allowed = opts.allowedHostnames ?? LOOPBACK_HOSTNAMES;
  const guarded = (req: IncomingMessage) => opts.allowedHostnames !== undefined || arrivedOnLoopback(req);
  const fail = (res: ServerResponse) => (err: unknown) => replyJsonRpcError(res, 500, -32603, String(err));
  return (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const refused = guarded(req) ? rebindingRejection(req, allowed) : undefined;
    if (refused !== undefined) {
      replyJsonRpcError(res, 403, -32000, refused);
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.touch(sessionId);
      if (session === undefined) replyJsonRpcError(res, 404, -32001, 'Session not found');
      else session.transport.handleRequest(req, res).catch(fail(res));
      return;
    }
    if (req.method !== 'POST') {
      replyJsonRpcError(res, 405, -32000, 'Method not allowed.', { allow: 'POST' });
      return;
    }
    readJsonBody(req)
      .then((body) => {
        if (!body.ok) return replyJsonRpcError(res, body.status, body.code, body.message);
        const opening = Array.isArray(body.value) ? body.value.some(isInitializeRequest) : isInitializeRequest(body.value);
        return opening ? openSession(req, res, body.value, opts, sessions) : serveStateless(req, res, body.value, opts);
      })
      .catch(fail(res));
  };
}

/** Serves one POST on a fresh server + transport, closed with the response. */
async function serveStateless(req: IncomingMessage, res: ServerResponse, body: unknown, opts: SampleMcpServerOptions): Promise<void> {
  const server = createSampleMcpServer(opts);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

/** Answers an `initialize` POST with a new session, kept in `sessions` until DELETE or idle expiry. */
async function openSession(req: IncomingMessage, res: ServerResponse, body: unknown, opts: SampleMcpServerOptions, sessions: SessionTable): Promise<void> {
  const server = createSampleMcpServer(opts);
  const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => sessions.add(id, { server, transport }),
  });
  // Set before connect: the SDK chains its own close handling after this one.
  transport.onclose = () => {
    if (transport.sessionId !== undefined) sessions.remove(transport.sessionId);
  };
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
  // A rejected initialize (bad protocol version, bad headers) opened nothing to keep.
  if (transport.sessionId === undefined) await server.close();
}
