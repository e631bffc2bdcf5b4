/**
 * An in-memory `OAuthClientProvider` for the official MCP SDK client, as a desktop MCP client
 * implements it: a loopback redirect URI, dynamic registration (or a client ID metadata document
 * URL), PKCE verifier and tokens kept in memory. `redirectToAuthorization` records the URL instead
 * of opening a browser; the test plays the browser with it.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

/** The provider plus what a test wants to look at. */
export interface TestOAuthClient extends OAuthClientProvider {
  /** The authorization URL the SDK asked to open, if any. */
  readonly authorizationUrl: string | undefined;
  /** Every state value handed to the SDK. */
  readonly states: string[];
  /** Replace the saved tokens (as a client does after refreshing itself). */
  setTokens(tokens: OAuthTokens | undefined): void;
}

/**
 * A public native client whose redirect URI is `redirectUrl` (a loopback URL). With
 * `clientMetadataUrl` it offers a Client ID Metadata Document: the SDK then uses that URL as its
 * client_id when the AS advertises `client_id_metadata_document_supported`, instead of DCR.
 */
export function createTestOAuthClient(redirectUrl: string, o: { clientMetadataUrl?: string } = {}): TestOAuthClient {
  let clientInfo: OAuthClientInformationMixed | undefined;
  let tokens: OAuthTokens | undefined;
  let verifier = '';
  let authorizationUrl: string | undefined;
  const states: string[] = [];
  const metadata: OAuthClientMetadata = {
    client_name: 'mcp-authz flow test',
    redirect_uris: [redirectUrl],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
  return {
    ...(o.clientMetadataUrl !== undefined ? { clientMetadataUrl: o.clientMetadataUrl } : {}),
    get redirectUrl() {
      return redirectUrl;
    },
    get clientMetadata() {
      return metadata;
    },
    get authorizationUrl() {
      return authorizationUrl;
    },
    states,
    state() {
      const s = randomBytes(16).toString('base64url');
      states.push(s);
      return s;
    },
    clientInformation: () => clientInfo,
    saveClientInformation(info) {
      clientInfo = info;
    },
    tokens: () => tokens,
    saveTokens(t) {
      tokens = t;
    },
    setTokens(t) {
      tokens = t;
    },
    redirectToAuthorization(url) {
      authorizationUrl = url.href;
    },
    saveCodeVerifier(v) {
      verifier = v;
    },
    codeVerifier: () => verifier,
  };
}
