/**
 * Client metadata normalisation for real MCP clients, run by oidc-provider on every client it
 * loads (registered through DCR, RFC 7591, or configured): redirect URIs checked against
 * {@link classifyRedirectUri}, and `application_type` inferred from them, because MCP clients
 * with loopback or private-use redirects rarely send `native` and oidc-provider would otherwise
 * refuse `cursor://` for a `web` client and match loopback ports exactly. A registered `scope`
 * keeps only the scopes oidc-provider knows itself (`openid`): MCP clients register the resource
 * scopes they will ask for (and offline_access), which oidc-provider would refuse; what a token
 * may carry is decided per resource and per user instead (RFC 7591 §3.2.1 lets the server
 * replace requested metadata values).
 */
import { errors } from 'oidc-provider';
import { classifyRedirectUri, inferApplicationType } from './redirect-uri-rules.ts';

/** Scopes oidc-provider itself knows (its `scopes` setting); see provider-config.ts. */
const KNOWN_CLIENT_SCOPES: ReadonlySet<string> = new Set(['openid']);

/**
 * oidc-provider's `extraClientMetadata.validator`, registered for `application_type` (it may
 * rewrite any member of `metadata`, per its documentation). Throws invalid_redirect_uri.
 */
export function normaliseClientMetadata(_ctx: unknown, key: string, value: unknown, metadata: Record<string, unknown>): void {
  if (key !== 'application_type') return;
  const uris = Array.isArray(metadata.redirect_uris) ? metadata.redirect_uris.map(String) : [];
  for (const uri of uris) {
    const c = classifyRedirectUri(uri);
    // The "redirect_uris" prefix makes oidc-provider answer invalid_redirect_uri (RFC 7591 §3.2.2).
    if (!c.ok) throw new errors.InvalidClientMetadata(`redirect_uris ${c.reason}`);
  }
  metadata.application_type = inferApplicationType(uris, typeof value === 'string' ? value : 'web');
  if (typeof metadata.scope === 'string') {
    const kept = metadata.scope.split(' ').filter((s) => KNOWN_CLIENT_SCOPES.has(s));
    if (kept.length > 0) metadata.scope = kept.join(' ');
    else delete metadata.scope;
  }
}
