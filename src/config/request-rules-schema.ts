/**
 * Zod fields of an endpoint's per-request rules: `tools` (per-tool authorization on JSON-RPC
 * tools/call), `max_body_bytes` (the body read for them) and `pass_headers` (upstream header
 * allow-list). Merged into the endpoint schema in schema.ts.
 */
import { z } from 'zod';
import type { EndpointConfig } from '../core/config-types.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../core/tool-rules.ts';
import { checkedString, headerNameProblem, int, nonEmpty, scopeToken, stringList } from './schema-primitives.ts';

// Printable ASCII without spaces: MCP tool names are letters, digits, '_', '-', '.', '/'.
const toolGlob = checkedString((v) =>
  /^[\x21-\x7e]{1,128}$/.test(v) ? undefined : 'must be a tool name or glob (* and ?) of 1–128 printable characters, no spaces',
);

const toolRule = z
  .strictObject({
    match: toolGlob,
    scopes: stringList(scopeToken),
    groups: stringList(nonEmpty),
  })
  .superRefine((rule, ctx) => {
    if (rule.scopes.length === 0 && rule.groups.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'a tool rule must require at least one scope or group' });
    }
  });

const passHeader = checkedString((v) => {
  const problem = headerNameProblem(v);
  if (problem !== undefined) return problem;
  if (v.toLowerCase() === 'authorization') return 'Authorization is passed only with pass_authorization: true';
  return undefined;
}).transform((v) => v.toLowerCase());

/** The endpoint keys these rules add, for `z.strictObject({...})`. */
export const requestRuleFields = {
  tools: z.array(toolRule).default(() => []),
  // Bodies are read into memory (nginx client_body_buffer_size, Envoy max_request_bytes).
  max_body_bytes: int(1024, 16 * 1024 * 1024).default(DEFAULT_MAX_BODY_BYTES),
  pass_headers: z.array(passHeader).nullable().default(null),
};

/** The parsed fields as the effective endpoint carries them: only those in use. */
export function requestRuleOutput(ep: { tools: EndpointConfig['tools']; max_body_bytes: number; pass_headers: string[] | null }): Pick<EndpointConfig, 'tools' | 'max_body_bytes' | 'pass_headers'> {
  const out: Pick<EndpointConfig, 'tools' | 'max_body_bytes' | 'pass_headers'> = {};
  if (ep.tools && ep.tools.length) {
    out.tools = ep.tools;
    out.max_body_bytes = ep.max_body_bytes;
  }
  if (ep.pass_headers) out.pass_headers = ep.pass_headers;
  return out;
}
