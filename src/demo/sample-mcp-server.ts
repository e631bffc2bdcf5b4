/**
 * The sample MCP server of the demo (and of the integration tests): the official SDK in its
 * *stateless* Streamable HTTP mode, as in the SDK example `simpleStatelessStreamableHttp` — a
 * fresh server + transport per POST, so there is no session bookkeeping and nothing leaks between
 * requests. Tool-call responses are streamed as SSE (the SDK default), so notifications sent
 * during a call arrive before its result: exactly what a proxy in front must not buffer.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import * as z from 'zod/v4';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Builds the sample MCP server with two tools:
 *
 * - `echo` `{text}` → returns `text` as a text content item.
 * - `countdown` `{from=3, delayMs=100}` → for each step sends a
 *   `notifications/progress` (when the caller passed a progress token) and a
 *   `notifications/message` log entry, waits `delayMs`, and finally returns
 *   `"liftoff"`.
 */
export function createSampleMcpServer(): McpServer {
  const server = new McpServer({ name: 'mcp-authz-sample', version: '1.0.0' }, { capabilities: { logging: {} } });

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
        await extra.sendNotification({
          method: 'notifications/message',
          params: { level: 'info', logger: 'countdown', data: `${i}` },
        });
        await sleep(delayMs);
      }
      return { content: [{ type: 'text', text: 'liftoff' }] };
    },
  );
  return server;
}

/**
 * Returns a node:http request handler that serves the sample MCP server
 * (stateless Streamable HTTP) at `path`. POST is handled by the SDK; GET and
 * DELETE on `path` get 405 (no standalone SSE stream / sessions in stateless
 * mode); other paths get 404.
 */
export function createMcpRequestHandler(path = '/mcp'): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (req.method !== 'POST') {
      res
        .writeHead(405, { 'content-type': 'application/json', allow: 'POST' })
        .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }));
      return;
    }
    const server = createSampleMcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    server
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch((err: unknown) => {
        if (!res.headersSent) {
          res
            .writeHead(500, { 'content-type': 'application/json' })
            .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: String(err) }, id: null }));
        }
      });
  };
}
