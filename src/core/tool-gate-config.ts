/**
 * What nginx's tool gate knows about one endpoint (embedded in `mcp-authz-tools.js` by the bundle
 * build, read by src/njs/tool-gate.ts): a one-endpoint configuration and where to continue.
 */
import type { CoreConfig } from './config-types.ts';

export interface ToolGateConfig {
  /** The endpoint with its tool rules; no strategies (no secrets), no CORS (nginx adds it). */
  config: CoreConfig;
  /** The named location proxying to the endpoint's upstream (`@mcp_authz_up_<id>`). */
  upstream: string;
}
