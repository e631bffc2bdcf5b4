/**
 * The tool gates of the configuration (src/nginx/tool-gates.ts), embedded in `mcp-authz-tools.js`
 * by the bundle build: endpoint id → rules and upstream location. No secrets.
 */
import type { ToolGateConfig } from '../core/tool-gate-config.ts';

declare const MCP_AUTHZ_TOOL_GATES: Record<string, ToolGateConfig>;

/** Endpoint id → its tool gate. */
export const toolGates: Record<string, ToolGateConfig> = MCP_AUTHZ_TOOL_GATES;
