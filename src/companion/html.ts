/**
 * Escaping for the server-rendered pages: every value interpolated into HTML goes through
 * {@link escapeHtml}, attributes included (always double-quoted).
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `value` with &, <, >, " and ' replaced by entities. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}
