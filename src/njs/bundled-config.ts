/**
 * The effective configuration, embedded by the bundle build (esbuild `define`), so the njs module
 * needs no file access at request time.
 */
import type { CoreConfig } from '../core/types.ts';

declare const MCP_AUTHZ_CONFIG: CoreConfig;

/** The configuration this bundle was built for. */
export const config: CoreConfig = MCP_AUTHZ_CONFIG;
