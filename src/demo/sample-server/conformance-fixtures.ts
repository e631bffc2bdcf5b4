/**
 * Everything the official MCP conformance suite (@modelcontextprotocol/conformance, server
 * scenarios) probes, on top of the demo's own tools: content, notification, client-request and
 * JSON Schema 2020-12 tools, resources with subscriptions, prompts with completion. Opt-in, so the
 * demo shows people just its two tools.
 * @module
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerClientRequestTools } from './client-request-tools.ts';
import { registerContentTools } from './content-tools.ts';
import { registerJsonSchemaTool } from './json-schema-tool.ts';
import type { SendLog } from './log-level.ts';
import { registerNotificationTools } from './notification-tools.ts';
import { registerPrompts } from './prompts.ts';
import { registerResources } from './resources.ts';

/** Registers all conformance fixtures on `server` (before it is connected). */
export function registerConformanceFixtures(server: McpServer, sendLog: SendLog): void {
  registerContentTools(server);
  registerNotificationTools(server, sendLog);
  registerClientRequestTools(server);
  registerJsonSchemaTool(server);
  registerResources(server);
  registerPrompts(server);
}
