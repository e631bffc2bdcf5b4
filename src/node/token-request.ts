/**
 * One OAuth 2.0 token request for an outbound credential, with retries: `client_credentials`
 * (RFC 6749 §4.4) or `token_exchange` (RFC 8693 §2.1, the user's access token as subject). Client
 * authentication per RFC 6749 §2.3.1 (Basic with form-encoded id and secret, or in the body).
 * Network errors, 5xx and 429 are retried with doubling delays; other answers are final.
 */
import type { UpstreamTokenAuth } from '../core/upstream-auth-config.ts';
import { parseTokenResponse, retryableTokenStatus, tokenRequestForm } from '../core/token-request-form.ts';

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

async function attempt(url: string, a: UpstreamTokenAuth, subjectToken: string | null, d: TokenRequestDeps): Promise<IssuedToken> {
  const form = tokenRequestForm(a, subjectToken);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (form.basic) headers['authorization'] = 'Basic ' + form.basic;
  let res: Response;
  try {
    res = await d.fetch(url, { method: 'POST', body: form.body, headers, redirect: 'error', signal: AbortSignal.timeout(d.timeoutMs) });
  } catch (err) {
    throw new Retryable('token endpoint unreachable: ' + (err as Error).message);
  }
  const text = await res.text().catch(() => '');
  if (retryableTokenStatus(res.status)) throw new Retryable('token endpoint answered HTTP ' + res.status);
  if (!res.ok) throw new Error('token endpoint answered HTTP ' + res.status + ' ' + (/"error"\s*:\s*"([\w.-]+)"/.exec(text)?.[1] ?? ''));
  const token = parseTokenResponse(text);
  if (!token) throw new Error('token response has no access_token');
  return token;
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
