/**
 * Per-tool authorization: which tools a JSON-RPC request body calls (`tools/call`, MCP
 * "Calling Tools"), and whether the principal may call them. Pure: the adapter hands over the
 * body text it read; this decides. Semantics (documented in the README):
 *  - every rule whose glob matches the tool name applies; all its scopes are required and, when
 *    it lists groups, the principal must be in one of them;
 *  - a JSON array (a JSON-RPC batch) is checked element by element; one denied call denies all;
 *  - fail closed where a rule could apply but the body cannot be judged: a body we cannot read
 *    (compressed, missing, too large) or parse, or a tools/call without a string tool name, is
 *    refused rather than passed on, since an upstream parser might read it differently;
 *  - bodies are judged only on endpoints with tool rules; elsewhere they are never read.
 */
import type { EndpointConfig } from './config-types.ts';
import { bodyLimit } from './tool-rules.ts';
import type { ToolRule } from './tool-rules.ts';

/** The principal's parts tool rules look at. */
export interface ToolPrincipal {
  scopes: string[];
  groups: string[];
}

/** What the adapter knows of the request's body. */
export interface BodyInput {
  method: string;
  /** Lower-cased request headers (content-encoding is read). */
  headers: Record<string, string>;
  /** The body text; undefined when the adapter did not receive it. */
  body?: string;
}

/** A refusal: a reason tag of reasons.ts and, for insufficient_scope, the scopes to ask for. */
export interface ToolRefusal {
  reason: string;
  scope?: string;
  /** The tool names the body calls, for the log. */
  tools?: string[];
}

/** Glob match: `*` any run of characters (also none), `?` exactly one; everything else literal. */
export function globMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (p < pattern.length && (pattern.charAt(p) === '?' || pattern.charAt(p) === name.charAt(n))) {
      p++;
      n++;
    } else if (p < pattern.length && pattern.charAt(p) === '*') {
      star = p++;
      mark = n;
    } else if (star >= 0) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charAt(p) === '*') p++;
  return p === pattern.length;
}

/** UTF-8 byte length of a string (what the proxies' body limits count). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * The tool names a JSON-RPC message (or batch) calls, or a refusal reason: `malformed_body` when
 * it is not JSON, `invalid_tool_call` when a tools/call names no tool as a string, `nested_batch`
 * for an array inside a batch.
 */
export function calledTools(body: string): { ok: true; tools: string[] } | { ok: false; reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return { ok: false, reason: 'malformed_body' };
  }
  const messages: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  const tools: string[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    // JSON-RPC 2.0 §6: a batch holds request objects; a nested array could hide a call from us
    // from an upstream that flattens it, so it is refused rather than skipped.
    if (Array.isArray(m)) return { ok: false, reason: 'nested_batch' };
    if (!m || typeof m !== 'object') continue;
    const msg = m as Record<string, unknown>;
    if (msg.method !== 'tools/call') continue;
    const params = msg.params;
    const name = params && typeof params === 'object' ? (params as Record<string, unknown>).name : undefined;
    if (typeof name !== 'string') return { ok: false, reason: 'invalid_tool_call' };
    tools.push(name);
  }
  return { ok: true, tools: tools };
}

function addAll(list: string[], extra: string[]): void {
  for (let i = 0; i < extra.length; i++) if (list.indexOf(extra[i]) < 0) list.push(extra[i]);
}

/**
 * Whether the principal may call these tools. Groups first (a step-up cannot fix them), then
 * scopes: the refusal names every scope the calls need, the endpoint's required scopes included,
 * so a client that re-authorizes with exactly that list keeps access to the endpoint (MCP
 * step-up authorization; RFC 6750 §3.1 insufficient_scope).
 */
export function checkTools(p: ToolPrincipal, tools: string[], rules: ToolRule[], endpointScopes: string[]): ToolRefusal | null {
  const needed: string[] = [];
  let missing = false;
  for (let t = 0; t < tools.length; t++) {
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r];
      if (!globMatch(rule.match, tools[t])) continue;
      if (rule.groups.length && !rule.groups.some(function (g) { return p.groups.indexOf(g) >= 0; })) {
        return { reason: 'tool_forbidden', tools: tools };
      }
      addAll(needed, rule.scopes);
      if (rule.scopes.some(function (s) { return p.scopes.indexOf(s) < 0; })) missing = true;
    }
  }
  if (!missing) return null;
  const scope: string[] = endpointScopes.slice();
  addAll(scope, needed);
  return { reason: 'insufficient_scope', scope: scope.join(' '), tools: tools };
}

/** Methods whose requests carry no JSON-RPC body in MCP's streamable HTTP transport. */
function bodiless(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS';
}

/**
 * The endpoint's tool rules applied to one request, or null when they allow it (or there are
 * none). The principal has already passed authentication and the endpoint policy.
 */
export function toolRefusal(p: ToolPrincipal, req: BodyInput, endpoint: EndpointConfig): ToolRefusal | null {
  const rules = endpoint.tools || [];
  if (!rules.length) return null;
  const encoding = (req.headers['content-encoding'] || '').trim().toLowerCase();
  if (encoding && encoding !== 'identity') return { reason: 'unsupported_body_encoding' };
  if (req.body === undefined || req.body === '') {
    if (bodiless(req.method)) return null;
    // A POST whose body the proxy did not pass on (Caddy forward_auth, Envoy without
    // with_request_body): the rules cannot be checked, so nothing passes.
    if (req.body === undefined) return { reason: 'body_unavailable' };
  }
  const limit = bodyLimit(endpoint);
  if (utf8Length(req.body || '') > limit) return { reason: 'body_too_large' };
  const called = calledTools(req.body || '');
  if (!called.ok) return { reason: called.reason };
  return checkTools(p, called.tools, rules, endpoint.policy.required_scopes);
}
