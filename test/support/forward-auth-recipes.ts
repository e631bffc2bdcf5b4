/**
 * The proxy configurations the forward-auth tests put in front of the endpoint: the shipped nginx
 * auth_request recipe (nginx/auth-request-example.conf with its example addresses replaced) and
 * the Caddy forward_auth site the README documents.
 * @module
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const NGINX_RECIPE = new URL('../../nginx/auth-request-example.conf', import.meta.url);

/**
 * nginx/auth-request-example.conf with its three example addresses replaced (listen `port`, the
 * endpoint at `authz`, the upstream at `upstream`), then `extraSwaps` applied. Each text replaced
 * must occur exactly once, so the test fails if the shipped recipe drifts.
 */
export function nginxAuthRequestRecipe(port: number, authz: number, upstream: number, extraSwaps: Array<[string, string]> = []): string {
  let text = readFileSync(NGINX_RECIPE, 'utf8');
  const swaps: Array<[string, string]> = [
    ['server 127.0.0.1:9100;', `server 127.0.0.1:${authz};`],
    ['server 127.0.0.1:3000;', `server 127.0.0.1:${upstream};`],
    ['listen 127.0.0.1:8080;', `listen 127.0.0.1:${port};`],
    ...extraSwaps,
  ];
  for (const [from, to] of swaps) {
    assert.equal(text.split(from).length, 2, 'the recipe has exactly one ' + from);
    text = text.replace(from, to);
  }
  return text;
}

/** Options of {@link caddyForwardAuthSite}. */
export interface CaddySiteOptions {
  /**
   * Also route RFC 9728 metadata (/.well-known/oauth-protected-resource*) straight to the endpoint,
   * as the README's recipe does: a forward-auth 2xx only means "continue", so it cannot carry the
   * document through forward_auth.
   */
  metadataRoute?: boolean;
}

/**
 * The Caddy site (after caddyGlobals) for forward_auth at `authz`'s /auth, copying `copy` from the
 * answer, then reverse_proxy to `upstream`. Verified on 2.6.2: copy_headers SETS each name from the
 * auth answer: an empty value arrives upstream as an empty header, and a name missing from the
 * answer arrives as the literal `{http.reverse_proxy.header.Name}` (so the endpoint always answers
 * every name). The snippet deletes the empty ones (matchers run after forward_auth has copied).
 */
export function caddyForwardAuthSite(port: number, authz: number, upstream: number, copy: string[], options: CaddySiteOptions = {}): string {
  const metadata = options.metadataRoute
    ? `	handle /.well-known/oauth-protected-resource* {
		reverse_proxy 127.0.0.1:${authz} {
			# A client's own copies of these would turn this request into an auth check.
			header_up -X-Forwarded-Uri
			header_up -X-Forwarded-Method
		}
	}
`
    : '';
  return `
(mcp_authz_drop_empty) {
	@mcp_authz_empty_{args.0} header {args.0} ""
	request_header @mcp_authz_empty_{args.0} -{args.0}
}

http://127.0.0.1:${port} {
	bind 127.0.0.1
${metadata}	handle {
		forward_auth 127.0.0.1:${authz} {
			uri /auth
			copy_headers ${copy.join(' ')}
		}
${copy.map((h) => `		import mcp_authz_drop_empty ${h}`).join('\n')}
		reverse_proxy 127.0.0.1:${upstream}
	}
}
`;
}
