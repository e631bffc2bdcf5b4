/**
 * `mcp-authz nginx`: load a configuration, resolve OIDC discovery (nginx needs a fixed JWKS URL
 * per location), then write the njs bundle and the conf snippets into one directory.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toCoreConfig, type AppConfig } from '../config/app-config.ts';
import type { ConfigError } from '../config/config-error.ts';
import type { Env } from '../config/env-expand.ts';
import { loadConfig } from '../config/load.ts';
import { resolveDiscovery, type FetchJson } from '../config/resolve-discovery.ts';
import { resolveTokenEndpoints } from '../config/resolve-token-endpoints.ts';
import { BANNED, buildBundles, UNSUPPORTED } from './build-bundle.ts';
import { newCheckKey } from './check-key.ts';
import { checkNjsScripts } from './script-bundle.ts';
import { NGINX_TIMING, renderConf } from './render-conf.ts';

export type WriteResult = { ok: true; files: string[]; config: AppConfig } | { ok: false; errors: ConfigError[] };

/** Validate `configPath` and write the module into `outDir`. */
export async function writeNginxModule(configPath: string, outDir: string, env: Env, fetchJson: FetchJson): Promise<WriteResult> {
  const loaded = loadConfig(configPath, env);
  if (!loaded.ok) return loaded;
  const resolved = await resolveDiscovery(loaded.config, fetchJson);
  if (!resolved.ok) return resolved;
  const tokens = await resolveTokenEndpoints(resolved.config, fetchJson);
  if (!tokens.ok) return tokens;
  const config = tokens.config;
  const dir = resolve(outDir);
  const core = toCoreConfig(config);
  const scriptErrors = await checkNjsScripts(core, { supported: UNSUPPORTED, banned: BANNED });
  if (scriptErrors.length) return { ok: false, errors: scriptErrors };
  const options = Object.assign({}, NGINX_TIMING, {
    dir,
    checkSocket: config.nginx.check_socket,
    cachePath: config.nginx.cache_path,
    logPath: config.nginx.log_path,
    checkKey: newCheckKey(),
  });
  const files = renderConf(core, options);
  const bundles = await buildBundles(core, { jwksMaxAge: options.jwksFresh + options.jwksMaxStale });
  files['mcp-authz.js'] = bundles.check;
  files['mcp-authz-edge.js'] = bundles.edge;
  files['mcp-authz-tools.js'] = bundles.tools;
  mkdirSync(dir, { recursive: true });
  for (const name of Object.keys(files)) writeFileSync(join(dir, name), files[name]);
  // The bundle embeds API keys and static tokens: readable by its owner and group only.
  chmodSync(join(dir, 'mcp-authz.js'), 0o640);
  // The check socket's key: only nginx's master (root) reads it.
  chmodSync(join(dir, 'check-key.conf'), 0o600);
  return { ok: true, files: Object.keys(files).sort(), config };
}
