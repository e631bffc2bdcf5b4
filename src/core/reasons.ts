/**
 * Every denial reason core can give, with the status, RFC error code and the description clients
 * may see. `reason` itself is for logs and metrics only; descriptions never carry token details.
 */

export interface ReasonInfo {
  status: number;
  /** RFC 6750 §3.1 error code for the challenge, or null (no credentials sent, or not a token error). */
  error: string | null;
  description: string;
}

const INVALID = 'invalid_token';

/** The reason table. Unknown tags fall back to a plain invalid_token. */
export const REASONS: Record<string, ReasonInfo> = {
  // RFC 6750 §3.1: a request without credentials gets a challenge with no error code.
  missing_credentials: { status: 401, error: null, description: 'Authorization required' },
  untrusted_peer: { status: 401, error: null, description: 'Authorization required' },
  // MCP authorization: access tokens MUST NOT be sent in the URI query string.
  token_in_query: { status: 400, error: 'invalid_request', description: 'Access tokens are not accepted in the query string' },
  // header-aliases.ts: a name that backends would read as one of the headers we control.
  header_alias: { status: 400, error: 'invalid_request', description: 'A request header name aliases a header set by the proxy' },
  token_too_large: { status: 401, error: INVALID, description: 'The access token is malformed' },
  malformed_token: { status: 401, error: INVALID, description: 'The access token is malformed' },
  alg_not_allowed: { status: 401, error: INVALID, description: 'The access token is signed with an algorithm that is not accepted' },
  typ_mismatch: { status: 401, error: INVALID, description: 'The access token has the wrong type' },
  unknown_kid: { status: 401, error: INVALID, description: 'The access token is signed with an unknown key' },
  bad_signature: { status: 401, error: INVALID, description: 'The access token signature is invalid' },
  iss_mismatch: { status: 401, error: INVALID, description: 'The access token was issued by an untrusted issuer' },
  aud_mismatch: { status: 401, error: INVALID, description: 'The access token was not issued for this resource' },
  token_expired: { status: 401, error: INVALID, description: 'The access token expired' },
  token_not_yet_valid: { status: 401, error: INVALID, description: 'The access token is not valid yet' },
  token_too_old: { status: 401, error: INVALID, description: 'The access token is too old' },
  missing_claim: { status: 401, error: INVALID, description: 'The access token lacks a required claim' },
  unknown_token: { status: 401, error: INVALID, description: 'The access token is not recognised' },
  invalid_api_key: { status: 401, error: INVALID, description: 'The API key is not recognised' },
  upstream_credential_unavailable: { status: 503, error: null, description: 'The credential for the upstream server is unavailable; try again later' },
  jwks_unavailable: { status: 503, error: null, description: 'The token signing keys are unavailable; try again later' },
  // introspection / remote strategies (RFC 7662 §2.2: only `active: true` is accepted).
  token_inactive: { status: 401, error: INVALID, description: 'The access token is not active' },
  token_invalid: { status: 401, error: INVALID, description: 'The access token is not valid' },
  introspection_refused: { status: 401, error: INVALID, description: 'The access token was refused by the introspection endpoint' },
  introspection_unavailable: { status: 503, error: null, description: 'Token introspection is unavailable; try again later' },
  remote_unavailable: { status: 503, error: null, description: 'Token validation is unavailable; try again later' },
  insufficient_scope: { status: 403, error: 'insufficient_scope', description: 'The access token lacks a required scope' },
  subject_not_allowed: { status: 403, error: null, description: 'Access denied' },
  email_not_verified: { status: 403, error: null, description: 'Access denied: the email address is not verified' },
  // tool-policy.ts: per-tool rules need the JSON-RPC body, and refuse what they cannot judge.
  tool_forbidden: { status: 403, error: null, description: 'Access to this tool is denied' },
  malformed_body: { status: 400, error: 'invalid_request', description: 'The request body is not valid JSON' },
  invalid_tool_call: { status: 400, error: 'invalid_request', description: 'A tools/call request must name its tool' },
  nested_batch: { status: 400, error: 'invalid_request', description: 'A JSON-RPC batch cannot contain another batch' },
  body_too_large: { status: 413, error: 'invalid_request', description: 'The request body is too large' },
  unsupported_body_encoding: { status: 415, error: 'invalid_request', description: 'Compressed request bodies are not accepted' },
  body_unavailable: { status: 500, error: 'server_error', description: 'The request body did not reach the authorization check whole' },
  // strategies/script.ts: a validator script's failures fail closed, never allow.
  script_denied: { status: 401, error: INVALID, description: 'The request was denied' },
  script_error: { status: 503, error: null, description: 'The request validator failed; try again later' },
  script_timeout: { status: 503, error: null, description: 'The request validator timed out; try again later' },
  script_memory: { status: 503, error: null, description: 'The request validator ran out of memory; try again later' },
  script_bad_result: { status: 503, error: null, description: 'The request validator returned an invalid answer' },
  script_unavailable: { status: 503, error: null, description: 'The request validator is unavailable; try again later' },
  no_endpoint: { status: 404, error: null, description: 'Not found' },
  method_not_allowed: { status: 405, error: null, description: 'Method not allowed' },
  // RFC 6585 §4; rate-limit.ts adds Retry-After. Not an RFC 6750 code: no challenge on a 429.
  rate_limited: { status: 429, error: 'rate_limited', description: 'Too many requests for this subject; retry after the number of seconds in Retry-After' },
};

/** Look up a reason, falling back to invalid_token for tags the table does not know. */
export function reasonInfo(reason: string): ReasonInfo {
  return REASONS[reason] || { status: 401, error: INVALID, description: 'The access token is invalid' };
}
