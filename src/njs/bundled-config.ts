/**
 * The effective configuration, embedded by the bundle build (esbuild `define`), so the njs module
 * needs no file access at request time.
 */
import type { CoreConfig } from '../core/types.ts';

declare const MCP_AUTHZ_CONFIG: CoreConfig;
declare const MCP_AUTHZ_JWKS_MAX_AGE: number;

/** The configuration this bundle was built for. */
export const config: CoreConfig = MCP_AUTHZ_CONFIG;

/** Seconds after it was fetched that a cached key set stops being used (fresh + max stale). */
export const jwksMaxAge: number = MCP_AUTHZ_JWKS_MAX_AGE;
