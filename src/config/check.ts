/** `mcp-authz check`: validate a configuration file and show what would actually run. */
import { stringify } from 'yaml';
import type { Env } from './env-expand.ts';
import { formatErrors } from './format-errors.ts';
import { loadConfig } from './load.ts';
import { maskSecrets } from './mask.ts';
import { collectWarnings } from './warnings.ts';
import { resolveCompanionSecrets } from '../companion/companion-secrets.ts';

/** What the CLI should print and exit with. */
export interface CheckResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Validate the file at `path`. On success stdout is the effective configuration as YAML with
 * secrets masked and stderr carries warnings (`warning: …`); on failure stderr lists every
 * error as `path: message` and the exit code is 1. Never throws for bad input.
 */
export function runCheck(path: string, env: Env): CheckResult {
  const result = loadConfig(path, env);
  if (!result.ok) {
    return { exitCode: 1, stdout: '', stderr: lines(formatErrors(result.errors)) };
  }
  // Secrets the AS reads from the environment at start-up: a missing one is reported here too.
  const as = result.config.authorization_server;
  const secrets = as === null ? undefined : resolveCompanionSecrets(as, env);
  if (secrets !== undefined && !secrets.ok) {
    return { exitCode: 1, stdout: '', stderr: lines(formatErrors(secrets.errors)) };
  }
  const warnings = collectWarnings(result.config).map((w) => `warning: ${w}`);
  return {
    exitCode: 0,
    // lineWidth 0: never fold long URLs or messages across lines.
    stdout: stringify(maskSecrets(result.config), { lineWidth: 0 }),
    stderr: lines(warnings),
  };
}

function lines(items: readonly string[]): string {
  return items.map((item) => `${item}\n`).join('');
}
