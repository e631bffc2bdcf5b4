/**
 * application/x-www-form-urlencoded values and HTTP Basic credentials for client authentication,
 * in plain code for njs 0.7.9 (no URLSearchParams, no btoa).
 */
import { encodeBase64url } from './base64url.ts';

/** One form value (WHATWG urlencoded: space → '+', everything but `*-._` and alphanumerics escaped). */
export function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()~]/g, function (c) {
    return '%' + c.charCodeAt(0).toString(16).toUpperCase();
  }).replace(/%20/g, '+');
}

/** A form body from name/value pairs, in the given order. */
export function formBody(pairs: string[][]): string {
  return pairs.map(function (p) { return formEncode(p[0]) + '=' + formEncode(p[1]); }).join('&');
}

/** Standard base64 with padding (RFC 4648 §4), from base64url. */
function base64(bytes: Uint8Array): string {
  const url = encodeBase64url(bytes).replace(/-/g, '+').replace(/_/g, '/');
  return url + '===='.slice(0, (4 - (url.length % 4)) % 4);
}

/**
 * The base64 token of HTTP Basic for a client. RFC 6749 §2.3.1: id and secret are form-urlencoded
 * before they are joined with ':' and base64-encoded (so a ':' in the id cannot shift the split).
 */
export function basicToken(clientId: string, clientSecret: string): string {
  return base64(new TextEncoder().encode(formEncode(clientId) + ':' + formEncode(clientSecret)));
}

/** `Authorization: Basic` for a client (see basicToken). */
export function basicCredentials(clientId: string, clientSecret: string): string {
  return 'Basic ' + basicToken(clientId, clientSecret);
}
