/**
 * Split and decode a compact JWS (RFC 7515 §7.1) without trusting any of it yet.
 * Rules: exactly three segments; header and payload are base64url JSON objects; the signature is
 * non-empty (an unsigned `alg: none` token never reaches key selection).
 */
import { decodeBase64url, decodeBase64urlText } from './base64url.ts';
import type { Result } from './types.ts';

export interface ParsedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: Uint8Array;
  /** ASCII bytes of `header.payload`, what the signature covers. */
  signingInput: Uint8Array;
}

function decodeJsonObject(segment: string): Result<Record<string, unknown>> {
  const text = decodeBase64urlText(segment);
  if (!text.ok) return text;
  let value: unknown;
  try {
    value = JSON.parse(text.value);
  } catch (e) {
    return { ok: false, reason: 'malformed_token', detail: 'segment is not JSON' };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'malformed_token', detail: 'segment is not a JSON object' };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** Parse a compact JWS; every failure is `malformed_token` except an empty signature (`alg_not_allowed`). */
export function parseJwt(token: string): Result<ParsedJwt> {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed_token', detail: 'not three segments' };
  const header = decodeJsonObject(parts[0]);
  if (!header.ok) return header;
  const payload = decodeJsonObject(parts[1]);
  if (!payload.ok) return payload;
  if (parts[2] === '') return { ok: false, reason: 'alg_not_allowed', detail: 'unsigned token' };
  const signature = decodeBase64url(parts[2]);
  if (!signature.ok) return signature;
  const input = parts[0] + '.' + parts[1];
  const signingInput = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) signingInput[i] = input.charCodeAt(i);
  return { ok: true, value: { header: header.value, payload: payload.value, signature: signature.value, signingInput: signingInput } };
}
