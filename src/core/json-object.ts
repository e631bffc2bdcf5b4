/**
 * A service's JSON answer as an object, or why not: introspection (RFC 7662 §2.2) and remote
 * validation both fail closed on anything that is not one JSON object.
 */
import type { Result } from './types.ts';

/** Parse `text` as one JSON object; a failure carries `reason` and what was wrong. */
export function parseJsonObject(text: string, reason: string): Result<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: reason, detail: 'response is not JSON' };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, reason: reason, detail: 'response is not an object' };
  return { ok: true, value: parsed as Record<string, unknown> };
}
