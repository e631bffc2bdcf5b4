/**
 * The principal's scopes and groups, as the tool gate needs them, carried from the check server to
 * the public server in one header (`X-MCP-Authz-Principal`, base64url JSON) captured by
 * auth_request_set, cached with the decision. Not the identity headers: those join lists with ' '
 * and ',', and a group named "ops,admin" or a `scp` entry "read admin" must not split into two.
 */
import { decodeBase64urlText, encodeBase64url } from '../core/base64url.ts';
import type { ToolPrincipal } from '../core/tool-policy.ts';
import type { Principal } from '../core/types.ts';

export const PRINCIPAL_HEADER = 'X-MCP-Authz-Principal';

/** The header value for a principal. */
export function encodePrincipal(p: Principal): string {
  return encodeBase64url(new TextEncoder().encode(JSON.stringify({ scopes: p.scopes, groups: p.groups })));
}

/** The principal back, or null when the value is missing or broken (the gate then fails closed). */
export function decodePrincipal(value: string | undefined): ToolPrincipal | null {
  const text = value ? decodeBase64urlText(value) : null;
  if (!text || !text.ok) return null;
  try {
    const p = JSON.parse(text.value);
    if (p && Array.isArray(p.scopes) && Array.isArray(p.groups)) return { scopes: p.scopes, groups: p.groups };
  } catch (e) {
    // fall through
  }
  return null;
}
