/**
 * Envoy CheckRequest (envoy.service.auth.v3, decoded with proto field names) → core request.
 * Translation only: every decision stays in src/core.
 */
import type { CoreRequest } from '../core/types.ts';

/** The context_extensions key a route sets to pin its endpoint (see envoy/envoy.yaml). */
export const ENDPOINT_EXTENSION = 'mcp_authz_endpoint';

/** The parts of envoy.service.auth.v3.CheckRequest the adapter reads. */
export interface CheckRequestMessage {
  attributes?: {
    source?: { address?: { socket_address?: { address?: string } } };
    request?: {
      http?: {
        id?: string;
        method?: string;
        /** Lower-cased names; Envoy joins repeated headers with ','. Includes pseudo-headers. */
        headers?: Record<string, string>;
        /** Sent instead of `headers` when the filter sets `encode_raw_headers: true`. */
        header_map?: { headers?: Array<{ key?: string; value?: string; raw_value?: Uint8Array }> };
        /** The request target: path AND query, not decoded (`query` itself is always empty). */
        path?: string;
        host?: string;
        scheme?: string;
        /** Present with `with_request_body` (UTF-8); `raw_body` with `pack_as_bytes: true`. */
        body?: string;
        raw_body?: Uint8Array;
      };
    };
    context_extensions?: Record<string, string>;
  };
}

/** A CheckRequest Envoy would never send (no HTTP attributes): the caller answers INVALID_ARGUMENT. */
export class InvalidCheckRequest extends Error {}

/** What one CheckRequest says. */
export interface TranslatedCheck {
  request: CoreRequest;
  /** Endpoint pinned by the route (`context_extensions.mcp_authz_endpoint`), else matched by path. */
  endpointId?: string;
  /**
   * The buffered request body (`with_request_body`), also in `request.body` for per-tool rules;
   * undefined when Envoy sent none or only a part of it (x-envoy-auth-partial-body: true).
   */
  body?: string;
}

const utf8 = new TextDecoder();

/** Headers as core wants them: lower-cased, repeats joined with ', ', no HTTP/2 pseudo-headers. */
function headersOf(http: NonNullable<NonNullable<NonNullable<CheckRequestMessage['attributes']>['request']>['http']>): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: string, value: string): void => {
    const key = name.toLowerCase();
    // :method, :path, :authority, :scheme travel in their own fields; they are not headers.
    if (key.startsWith(':')) return;
    out[key] = out[key] === undefined ? value : out[key] + ', ' + value;
  };
  if (http.header_map?.headers) {
    for (const h of http.header_map.headers) {
      if (!h.key) continue;
      add(h.key, h.value ? h.value : h.raw_value ? utf8.decode(h.raw_value) : '');
    }
  } else {
    for (const [name, value] of Object.entries(http.headers ?? {})) add(name, value);
  }
  return out;
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The path core matches on, normalised like nginx's $uri (percent-decoded, `.`/`..` resolved,
 * repeated slashes merged). envoy.yaml already asks Envoy for normalize_path + merge_slashes; doing it
 * here too means a route without them cannot make /mcp/../admin/mcp match a different endpoint.
 */
export function normalisePath(raw: string): string {
  // Decode before splitting, as nginx does: an encoded slash or dot segment must not survive as text.
  const decoded = percentDecode(raw);
  const out: string[] = [];
  for (const s of decoded.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  const trailing = decoded.length > 1 && decoded.endsWith('/') && out.length > 0 ? '/' : '';
  return '/' + out.join('/') + trailing;
}

/** Translate one CheckRequest. Throws {@link InvalidCheckRequest} when it carries no HTTP request. */
export function toCoreRequest(check: CheckRequestMessage): TranslatedCheck {
  const attributes = check.attributes ?? {};
  const http = attributes.request?.http;
  if (!http || !http.method) throw new InvalidCheckRequest('CheckRequest has no attributes.request.http');
  const target = http.path ?? '/';
  const q = target.indexOf('?');
  const headers = headersOf(http);
  const pinned = attributes.context_extensions?.[ENDPOINT_EXTENSION];
  // proto3 sends an empty body as none: Content-Length 0 says the client sent an empty one.
  const sent = http.body ? http.body : http.raw_body && http.raw_body.length ? utf8.decode(http.raw_body) : headers['content-length'] === '0' ? '' : undefined;
  // With allow_partial_message a cut body is flagged; a cut body cannot be judged (fail closed).
  const body = headers['x-envoy-auth-partial-body'] === 'true' ? undefined : sent;
  return {
    request: {
      method: http.method.toUpperCase(),
      path: normalisePath(q < 0 ? target : target.slice(0, q)),
      query: q < 0 ? '' : target.slice(q + 1),
      host: http.host ?? headers['host'] ?? '',
      scheme: http.scheme || 'http',
      headers,
      // attributes.source is the downstream connection's peer as Envoy sees it (TCP peer, or the
      // PROXY protocol source): X-Forwarded-For never changes it, so it cannot be spoofed by a header.
      clientIp: attributes.source?.address?.socket_address?.address ?? '',
      // x-request-id is what Envoy's access log prints; http.id (Envoy's stream id) is the fallback.
      requestId: headers['x-request-id'] || http.id || undefined,
      body,
    },
    endpointId: pinned || undefined,
    body,
  };
}
