/**
 * The sample MCP server (src/demo/sample-mcp-server.ts) on node:http for integration tests,
 * recording the headers of every request it receives.
 * @module
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createMcpRequestHandler, type McpRequestHandlerOptions } from '../../src/demo/sample-mcp-server.ts';

export { createMcpRequestHandler, createSampleMcpServer } from '../../src/demo/sample-mcp-server.ts';

/** Options for {@link startMcpServer}. */
export interface StartMcpServerOptions {
  /** URL path of the MCP endpoint (default `/mcp`). */
  path?: string;
  /** Port to bind on 127.0.0.1 (default 0 = a free port). */
  port?: number;
  /** Options of the sample server's request handler (e.g. `conformanceFixtures`). */
  handler?: McpRequestHandlerOptions;
}

/** A running sample MCP server. */
export interface RunningMcpServer {
  port: number;
  /** Full endpoint URL, e.g. `http://127.0.0.1:<port>/mcp`. */
  url: string;
  /** Headers of every request received (any method/path), in order. */
  received: IncomingHttpHeaders[];
  /** Closes the server and all open connections. */
  stop(): Promise<void>;
}

/**
 * Starts the sample MCP server on 127.0.0.1, recording the headers of each
 * request (so tests can assert that no `Authorization` or identity headers
 * reached the upstream).
 */
export async function startMcpServer(opts: StartMcpServerOptions = {}): Promise<RunningMcpServer> {
  const path = opts.path ?? '/mcp';
  const received: IncomingHttpHeaders[] = [];
  const handler = createMcpRequestHandler(path, opts.handler);
  const server: Server = createServer((req, res) => {
    received.push({ ...req.headers });
    handler(req, res);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const addr = server.address();
      if (addr === null || typeof addr === 'string') reject(new Error('unexpected address'));
      else resolve(addr.port);
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}${path}`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
