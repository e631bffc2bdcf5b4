/**
 * Entry point of `mcp-authz-tools.js`, the njs module of endpoints with per-tool rules. It is
 * imported only in those endpoint locations (js_import at location level, njs ≥ 0.7.7), so the
 * tool policy, the denial code and the tool rules (no secrets) are cloned only into the VMs of
 * requests that need them, and the edge module every other request runs stays tiny.
 */
import { toolGate } from './tool-gate.ts';

export default { toolGate: toolGate };
