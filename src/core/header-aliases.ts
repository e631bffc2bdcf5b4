/**
 * Header-alias spoofing: backends that turn header names into variables (CGI, WSGI, PHP, nginx
 * with underscores_in_headers) replace every character but letters and digits with `_`, so
 * `X.MCP.Subject` and `X_MCP_Subject` are read as `X-MCP-Subject`. A proxy removes headers by exact
 * name only, so an alias would slip past it. Rule: a request carrying an alias (not the exact
 * name) of any header we control — identity headers, credentials, trusted-header inputs — is
 * refused. nginx drops such names itself by default (ignore_invalid_headers); Envoy, Caddy and
 * Traefik (before aliasHeadersStrategy) pass them on.
 */

/** The variable-name form backends derive from a header name. */
export function aliasKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '_');
}

/** The first request header that aliases one of `controlled` (lower-cased names), or null. */
export function spoofedAlias(headers: Record<string, string>, controlled: string[]): string | null {
  const keys = controlled.map(aliasKey);
  const names = Object.keys(headers);
  for (let i = 0; i < names.length; i++) {
    const i2 = keys.indexOf(aliasKey(names[i]));
    if (i2 >= 0 && names[i] !== controlled[i2]) return names[i];
  }
  return null;
}
