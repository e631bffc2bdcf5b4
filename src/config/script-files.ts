/**
 * Where script strategies' files are: relative paths are taken from the configuration file's
 * directory (so a config and its validators move together), and every consumer reads the
 * absolute path, with each script strategy's position for error messages.
 */
import { isAbsolute, resolve } from 'node:path';
import type { AppConfig } from './app-config.ts';
import type { CoreConfig } from '../core/config-types.ts';
import type { ScriptStrategy } from '../core/script-config.ts';

/** Resolve every script strategy's `file` against `baseDir` (in place; returns the config). */
export function resolveScriptFiles(config: AppConfig, baseDir: string): AppConfig {
  for (const endpoint of config.endpoints) {
    for (const s of endpoint.strategies) {
      if (s.type === 'script' && !isAbsolute(s.file)) s.file = resolve(baseDir, s.file);
    }
  }
  return config;
}

/** A script strategy with the config path of its `file` field. */
export interface LocatedScript {
  strategy: ScriptStrategy;
  /** `endpoints[0].strategies[1].file`, for error messages. */
  path: string;
}

/** Every script strategy of a configuration, in order. */
export function scriptStrategies(config: CoreConfig): LocatedScript[] {
  const out: LocatedScript[] = [];
  config.endpoints.forEach((endpoint, i) => {
    endpoint.strategies.forEach((s, j) => {
      if (s.type === 'script') out.push({ strategy: s, path: `endpoints[${i}].strategies[${j}].file` });
    });
  });
  return out;
}
