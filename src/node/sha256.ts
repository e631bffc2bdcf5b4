/** SHA-256 as base64url: how Node code keys caches and counters on a secret or personal value. */
import { createHash } from 'node:crypto';

/** The base64url SHA-256 of `text` (UTF-8). */
export function sha256Base64url(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}
