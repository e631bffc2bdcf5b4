/** Human-readable rendering of configuration errors. */
import type { ConfigError } from './config-error.ts';

/** One line per error, `path: message`; errors about the whole document use `(root)`. */
export function formatErrors(errors: readonly ConfigError[]): string[] {
  return errors.map((e) => `${e.path === '' ? '(root)' : e.path}: ${e.message}`);
}
