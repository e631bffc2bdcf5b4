/**
 * The one place a WWW-Authenticate challenge is built (RFC 6750 §3, RFC 9728 §5.1, MCP
 * authorization): every 401 names the resource metadata; `error` only when a token was sent.
 */

/** RFC 7230 quoted-string: escape backslash and quote, drop control characters. */
export function quote(value: string): string {
  return '"' + value.replace(/[\x00-\x1f\x7f]/g, '').replace(/[\\"]/g, '\\$&') + '"';
}

export interface ChallengeParts {
  resourceMetadata: string;
  error?: string | null;
  description?: string;
  /** Space-delimited scopes the client should ask for (401 hint, 403 insufficient_scope). */
  scope?: string;
}

/** `Bearer resource_metadata="…"[, scope="…"][, error="…", error_description="…"]`. */
export function bearerChallenge(parts: ChallengeParts): string {
  const params = ['resource_metadata=' + quote(parts.resourceMetadata)];
  if (parts.scope) params.push('scope=' + quote(parts.scope));
  if (parts.error) {
    params.push('error=' + quote(parts.error));
    if (parts.description) params.push('error_description=' + quote(parts.description));
  }
  return 'Bearer ' + params.join(', ');
}
