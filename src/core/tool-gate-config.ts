/**
 * What nginx's tool gate receives in `$mcp_authz_tool_gate` (base64url JSON written by the conf
 * generator, read by src/njs/tool-gate.ts): a one-endpoint configuration and where to continue.
 */
import type { CoreConfig } from './config-types.ts';

export interface ToolGateConfig {
  /** The endpoint with its tool rules; no strategies (no secrets), no CORS (nginx adds it). */
  config: CoreConfig;
  /** The named location proxying to the endpoint's upstream (`@mcp_authz_up_<id>`). */
  upstream: string;
}
