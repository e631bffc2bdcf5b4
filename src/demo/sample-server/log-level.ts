/**
 * `logging/setLevel` for the sample server, and log notifications that honour it (MCP 2025-06-18,
 * server/utilities/logging: after setLevel the server sends messages at that level or more severe).
 *
 * The SDK's own setLevel handler keeps the level privately, and its `sendLoggingMessage` sends
 * outside any request, i.e. on the standalone GET stream. Tools want their log lines on the POST
 * stream of the call that logs (so they arrive before its result, also in stateless mode), so the
 * handler is replaced by one whose level {@link sendLog} can read. One McpServer serves one session,
 * so one level per server is one level per session.
 * @module
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { SetLevelRequestSchema, type LoggingLevel, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';

/** RFC 5424 severities, least severe first (the order the MCP spec uses). */
const SEVERITY: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** The `extra` argument of a tool callback. */
export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Sends one log notification at `level` (if the client's level lets it through). */
export type SendLog = (extra: ToolExtra, level: LoggingLevel, logger: string, data: unknown) => Promise<void>;

/**
 * Installs the setLevel handler on `server` (which must declare the `logging` capability) and
 * returns the matching log function. Until the client sets a level, everything is sent.
 */
export function installLogLevel(server: McpServer): SendLog {
  let minimum = 0;
  server.server.setRequestHandler(SetLevelRequestSchema, (request) => {
    minimum = SEVERITY.indexOf(request.params.level);
    return {};
  });
  return async (extra, level, logger, data) => {
    if (SEVERITY.indexOf(level) < minimum) return;
    await extra.sendNotification({ method: 'notifications/message', params: { level, logger, data } });
  };
}
