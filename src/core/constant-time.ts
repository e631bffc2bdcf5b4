/**
 * Comparison that takes the same time wherever the strings differ, so a static token or API key
 * can't be guessed byte by byte from response timing. Length is not hidden; keys are long.
 */

/** True when `a` and `b` are the same string, compared in time independent of their content. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    diff |= (i < a.length ? a.charCodeAt(i) : 0) ^ (i < b.length ? b.charCodeAt(i) : 0);
  }
  return diff === 0;
}
