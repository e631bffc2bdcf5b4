/**
 * The token request of an outbound credential as data, shared by Node and njs:
 * `client_credentials` (RFC 6749 §4.4.2) or token exchange (RFC 8693 §2.1) with the user's access
 * token as subject; client authentication per RFC 6749 §2.3.1 (HTTP Basic over the form-encoded
 * id and secret, or both in the body).
 */
import { basicToken, formBody } from './form-encoding.ts';
import type { UpstreamTokenAuth } from './upstream-auth-config.ts';

/** RFC 8693 §2.1 grant type and §3 token type identifiers. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface TokenRequestForm {
  /** application/x-www-form-urlencoded body. */
  body: string;
  /** The base64 credentials for `Authorization: Basic`, or null with client_secret_post. */
  basic: string | null;
}

/** Build the request; `subjectToken` is required for token_exchange. */
export function tokenRequestForm(a: UpstreamTokenAuth, subjectToken: string | null): TokenRequestForm {
  const pairs: string[][] = [];
  if (a.type === 'token_exchange') {
    pairs.push(['grant_type', TOKEN_EXCHANGE_GRANT], ['subject_token', subjectToken || ''], ['subject_token_type', ACCESS_TOKEN_TYPE]);
  } else {
    pairs.push(['grant_type', 'client_credentials']);
  }
  if (a.scope) pairs.push(['scope', a.scope]);
  if (a.audience) pairs.push(['audience', a.audience]);
  if (a.resource) pairs.push(['resource', a.resource]);
  let basic: string | null = null;
  if (a.auth_method === 'client_secret_post') pairs.push(['client_id', a.client_id], ['client_secret', a.client_secret]);
  else basic = basicToken(a.client_id, a.client_secret);
  return { body: formBody(pairs), basic: basic };
}

/** Whether a token endpoint status is worth another attempt (5xx, 429); other answers are final. */
export function retryableTokenStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/** A token response body (RFC 6749 §5.1), parsed; null when it has no usable access_token. */
export function parseTokenResponse(text: string): { accessToken: string; expiresIn: number | null } | null {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return null;
  }
  if (!json || typeof json.access_token !== 'string' || json.access_token === '') return null;
  const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : null;
  return { accessToken: json.access_token, expiresIn: expiresIn };
}
