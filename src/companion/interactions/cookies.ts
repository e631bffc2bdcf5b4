/**
 * Cookie names and attributes. With an https issuer, cookies get the `__Host-` prefix (Secure,
 * Path=/, no Domain: a sibling subdomain cannot set or overwrite them); oidc-provider scopes its
 * resume cookie to `/authorize/<uid>`, so that one can only be `__Secure-`.
 */

/** Cookie names used by the companion and handed to oidc-provider. */
export interface CookieNames {
  session: string;
  interaction: string;
  resume: string;
  csrf: string;
}

/** Names for an issuer served over https (`secure`) or plain http (localhost development). */
export function cookieNames(secure: boolean): CookieNames {
  const host = secure ? '__Host-' : '';
  return {
    session: `${host}mcp_authz_session`,
    interaction: `${host}mcp_authz_interaction`,
    resume: `${secure ? '__Secure-' : ''}mcp_authz_resume`,
    csrf: `${host}mcp_authz_csrf`,
  };
}

/** Value of cookie `name` in a Cookie header, if present. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/, Secure when `secure`. */
export function setCookie(name: string, value: string, o: { secure: boolean; maxAgeSeconds: number }): string {
  return `${name}=${value}; Path=/; Max-Age=${o.maxAgeSeconds}; HttpOnly; SameSite=Lax${o.secure ? '; Secure' : ''}`;
}
