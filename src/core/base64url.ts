/**
 * base64url (RFC 4648 §5) decoding without padding, in plain code: njs 0.7.9 and Node both run it,
 * and it rejects anything outside the alphabet instead of skipping it as lenient decoders do.
 */
import type { Result } from './types.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Decode base64url text to bytes; fails on a foreign character, padding, or an impossible length. */
export function decodeBase64url(text: string): Result<Uint8Array> {
  if (text.length % 4 === 1) return { ok: false, reason: 'malformed_token', detail: 'bad base64url length' };
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const d = ALPHABET.indexOf(text.charAt(i));
    if (d < 0) return { ok: false, reason: 'malformed_token', detail: 'bad base64url character' };
    value = (value << 6) | d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (value >> bits) & 0xff;
    }
  }
  // Canonical encodings only: leftover bits must be zero, so one token has one spelling.
  if (bits > 0 && (value & ((1 << bits) - 1)) !== 0) return { ok: false, reason: 'malformed_token', detail: 'non-canonical base64url' };
  return { ok: true, value: out };
}

/** Encode bytes as base64url without padding. */
export function encodeBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET.charAt(v >> 18) + ALPHABET.charAt((v >> 12) & 63) + ALPHABET.charAt((v >> 6) & 63) + ALPHABET.charAt(v & 63);
  }
  if (bytes.length - i === 1) {
    const v = bytes[i] << 16;
    out += ALPHABET.charAt(v >> 18) + ALPHABET.charAt((v >> 12) & 63);
  } else if (bytes.length - i === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET.charAt(v >> 18) + ALPHABET.charAt((v >> 12) & 63) + ALPHABET.charAt((v >> 6) & 63);
  }
  return out;
}

/** Decode base64url to a UTF-8 string. */
export function decodeBase64urlText(text: string): Result<string> {
  const bytes = decodeBase64url(text);
  if (!bytes.ok) return bytes;
  try {
    return { ok: true, value: new TextDecoder('utf-8', { fatal: true }).decode(bytes.value) };
  } catch (e) {
    return { ok: false, reason: 'malformed_token', detail: 'not UTF-8' };
  }
}
