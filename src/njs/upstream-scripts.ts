/**
 * Operator scripts of `upstream_auth: {type: script}`, by file path. This file is what the type
 * checker sees; the bundle build (build-bundle.ts) replaces it with one that imports each
 * configured script, so the scripts are compiled into the check bundle.
 */
export type NjsUpstreamScript = (ctx: unknown) => unknown;

const scripts: Record<string, NjsUpstreamScript> = {};

export default scripts;
