/**
 * `mcp-authz check` for validator scripts: load each one the way `serve` does (read, compile in
 * its sandbox, find `validate`), then stop. Lua passes here; `mcp-authz nginx` refuses it.
 */
import { toCoreConfig } from '../config/app-config.ts';
import type { ConfigError } from '../config/config-error.ts';
import type { Env } from '../config/env-expand.ts';
import { loadConfig } from '../config/load.ts';
import { scriptStrategies } from '../config/script-files.ts';
import { startScriptHost } from './script-host.ts';

/** Problems with the scripts of the (otherwise valid) configuration at `path`. */
export async function checkScripts(path: string, env: Env): Promise<ConfigError[]> {
  const loaded = loadConfig(path, env);
  if (!loaded.ok) return loaded.errors;
  const core = toCoreConfig(loaded.config);
  if (scriptStrategies(core).length === 0) return [];
  const started = await startScriptHost(core);
  if (!started.ok) return started.errors;
  await started.host.stop();
  return [];
}
