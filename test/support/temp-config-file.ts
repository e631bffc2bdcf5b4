/**
 * A configuration file in a throw-away directory, for tests of loadConfig and `mcp-authz check`.
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Write `text` to config.yaml in a new temp directory (named after `prefix`), run `fn` with its
 * path and the directory, and remove the directory afterwards, even when `fn` throws.
 */
export function withTempConfigFile(prefix: string, text: string, fn: (file: string, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, text);
    fn(file, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
