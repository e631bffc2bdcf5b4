/**
 * The sample server's MCP sessions (Streamable HTTP `Mcp-Session-Id`), each one McpServer with its
 * own transport. A session ends on DELETE (the transport closes) or after it has been idle for
 * `idleMs`: clients rarely send DELETE, and a demo server must not grow without bound.
 * @module
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** One open session. */
export interface Session {
  server: McpServer;
  transport: StreamableHTTPServerTransport;
}

/** Open sessions by id. */
export interface SessionTable {
  /** The session, its idle clock restarted; undefined if unknown or expired. */
  touch(id: string): Session | undefined;
  /** Adds a session that the transport has just initialized. */
  add(id: string, session: Session): void;
  /** Forgets a session (its transport closed). */
  remove(id: string): void;
}

/** Creates an empty table whose sessions close after `idleMs` without a request. */
export function createSessionTable(idleMs: number): SessionTable {
  const open = new Map<string, { session: Session; timer: NodeJS.Timeout }>();
  const expire = (id: string): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      const entry = open.get(id);
      open.delete(id);
      // Closing the server closes its transport, which ends any open streams.
      if (entry) void entry.session.server.close();
    }, idleMs);
    // A waiting session must not keep the process alive.
    timer.unref();
    return timer;
  };
  return {
    touch(id) {
      const entry = open.get(id);
      if (!entry) return undefined;
      clearTimeout(entry.timer);
      entry.timer = expire(id);
      return entry.session;
    },
    add(id, session) {
      open.set(id, { session, timer: expire(id) });
    },
    remove(id) {
      const entry = open.get(id);
      if (entry) clearTimeout(entry.timer);
      open.delete(id);
    },
  };
}
