/**
 * Read, parse, expand and validate a configuration file. Bad input never throws: every problem
 * found comes back at once as a {@link ConfigError}, so one run shows everything to fix.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { AppConfig } from './app-config.ts';
import type { ConfigError } from './config-error.ts';
import { expandEnvBestEffort, type Env } from './env-expand.ts';
import { configSchema } from './schema.ts';
import { resolveScriptFiles } from './script-files.ts';
import { createIssueTranslator } from './zod-issues.ts';

/** Outcome of loading: the effective configuration, or every error found. */
export type LoadResult = { ok: true; config: AppConfig } | { ok: false; errors: ConfigError[] };

/** Load the configuration file at `path`, expanding `${VAR}` from `env`. */
export function loadConfig(path: string, env: Env): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { ok: false, errors: [{ path, message: `cannot read configuration file (${reason})` }] };
  }
  const parsed = parseConfig(text, env, path);
  // Script files are named relative to the configuration file.
  return parsed.ok ? { ok: true, config: resolveScriptFiles(parsed.config, dirname(resolve(path))) } : parsed;
}

/**
 * Parse configuration text; `sourceName` prefixes YAML syntax errors (`file.yaml:3:7: …`).
 * Validation errors are located by config path instead (`endpoints[0].resource: …`).
 */
export function parseConfig(text: string, env: Env, sourceName = '<config>'): LoadResult {
  const tree = parseYaml(text, sourceName);
  if (!tree.ok) return { ok: false, errors: tree.errors };

  if (tree.value === null || tree.value === undefined) {
    return { ok: false, errors: [{ path: '', message: 'configuration is empty (at least "endpoints" is required)' }] };
  }
  const expanded = expandEnvBestEffort(tree.value, env);
  const translator = createIssueTranslator();
  const parsed = configSchema.safeParse(expanded.value, { error: translator.errorMap });
  if (parsed.success && expanded.errors.length === 0) return { ok: true, config: parsed.data };

  // A value that could not be expanded would also fail validation for a misleading reason
  // (wrong length, not a URL); the missing variable is the error worth showing there.
  const unexpanded = new Set(expanded.errors.map((e) => e.path));
  const schemaErrors = parsed.success ? [] : translator.toErrors(parsed.error.issues);
  return {
    ok: false,
    errors: [...expanded.errors, ...dedupe(schemaErrors.filter((e) => !unexpanded.has(e.path)))],
  };
}

function parseYaml(text: string, sourceName: string): { ok: true; value: unknown } | { ok: false; errors: ConfigError[] } {
  const lineCounter = new LineCounter();
  // prettyErrors off: its messages span several lines; we want one line per error.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { path: `${sourceName}:${line}:${col}`, message: firstLine(error.message) };
      }),
    };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (error) {
    // Alias bombs and similar structural problems surface only when building the JS value.
    return { ok: false, errors: [{ path: sourceName, message: firstLine((error as Error).message) }] };
  }
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.trim();
}

function dedupe(errors: ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
