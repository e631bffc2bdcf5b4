/**
 * Files only the service may read (signing keys, cookie secrets): created 0600 inside a 0700
 * directory, written atomically (temp file + rename) so a crash never leaves half a key.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Tagged outcome of reading a private JSON file. */
export type PrivateRead = { ok: true; value: unknown } | { ok: false; error: string };

/** Read and parse `path`; `value` is undefined when the file does not exist yet. */
export function readPrivateJson(path: string): PrivateRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, value: undefined };
    return { ok: false, error: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  // Anyone else able to read a signing key can mint tokens: tighten what an admin loosened.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, error: `${path} is not valid JSON` };
  }
}

/** Write `value` as JSON to `path` with mode 0600, creating the directory with mode 0700. */
export function writePrivateJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  writeFileSync(temp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  renameSync(temp, path);
}
