/**
 * One OAuth 2.0 token request for an outbound credential, with retries: `client_credentials`
 * (RFC 6749 §4.4) or `token_exchange` (RFC 8693 §2.1, the user's access token as subject). Client
 * authentication per RFC 6749 §2.3.1 (Basic with form-encoded id and secret, or in the body).
 * Network errors, 5xx and 429 are retried with doubling delays; other answers are final.
 */
import type { UpstreamTokenAuth } from '../core/upstream-auth-config.ts';

/** RFC 8693 §2.1 grant type and §3 token type identifiers. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** A token as the endpoint returned it. */
export interface IssuedToken {
  accessToken: string;
  /** Seconds, or null when the response had no `expires_in`. */
  expiresIn: number | null;
}

export interface TokenRequestDeps {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  /** Per attempt. */
  timeoutMs: number;
}

class Retryable extends Error {}

/** The form body (RFC 6749 §4.4.2 / RFC 8693 §2.1) and headers of the request. */
export function tokenRequestInit(a: UpstreamTokenAuth, subjectToken: string | null): { body: URLSearchParams; headers: Record<string, string> } {
  const body = new URLSearchParams();
  if (a.type === 'token_exchange') {
    body.set('grant_type', TOKEN_EXCHANGE_GRANT);
    body.set('subject_token', subjectToken ?? '');
    body.set('subject_token_type', ACCESS_TOKEN_TYPE);
  } else {
    body.set('grant_type', 'client_credentials');
  }
  if (a.scope) body.set('scope', a.scope);
  if (a.audience) body.set('audience', a.audience);
  if (a.resource) body.set('resource', a.resource);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (a.auth_method === 'client_secret_post') {
    body.set('client_id', a.client_id);
    body.set('client_secret', a.client_secret);
  } else {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
    const pair = encodeURIComponent(a.client_id) + ':' + encodeURIComponent(a.client_secret);
    headers['authorization'] = 'Basic ' + Buffer.from(pair).toString('base64');
  }
  return { body, headers };
}

async function attempt(url: string, a: UpstreamTokenAuth, subjectToken: string | null, d: TokenRequestDeps): Promise<IssuedToken> {
  const init = tokenRequestInit(a, subjectToken);
  let res: Response;
  try {
    res = await d.fetch(url, { method: 'POST', body: init.body, headers: init.headers, redirect: 'error', signal: AbortSignal.timeout(d.timeoutMs) });
  } catch (err) {
    throw new Retryable('token endpoint unreachable: ' + (err as Error).message);
  }
  const text = await res.text().catch(() => '');
  if (res.status >= 500 || res.status === 429) throw new Retryable('token endpoint answered HTTP ' + res.status);
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // handled below
  }
  if (!res.ok) throw new Error('token endpoint answered HTTP ' + res.status + (typeof json.error === 'string' ? ' ' + json.error : ''));
  if (typeof json.access_token !== 'string' || json.access_token === '') throw new Error('token response has no access_token');
  const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : null;
  return { accessToken: json.access_token, expiresIn };
}

/** Request a token, retrying `a.retries` times on transient failures; rejects with the last error. */
export async function requestToken(url: string, a: UpstreamTokenAuth, subjectToken: string | null, d: TokenRequestDeps): Promise<IssuedToken> {
  let delay = a.retry_delay_ms;
  for (let i = 0; ; i++) {
    try {
      return await attempt(url, a, subjectToken, d);
    } catch (err) {
      if (!(err instanceof Retryable) || i >= a.retries) throw err;
      await d.sleep(delay);
      delay *= 2;
    }
  }
}
