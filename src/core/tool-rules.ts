/**
 * Configuration types of the per-request rules that look past the token: per-tool authorization
 * (JSON-RPC `tools/call` in the body) and the upstream header allow-list. Plain data, embedded in
 * the njs bundle like the rest of {@link CoreConfig}.
 */
import type { EndpointConfig } from './config-types.ts';

/**
 * One per-tool rule. Every rule whose `match` fits the tool name applies (rules only ever add
 * requirements, so their order does not matter): all `scopes` are required, and when `groups` is
 * non-empty the principal must be in at least one of them.
 */
export interface ToolRule {
  /** Glob on the tool name: `*` any run of characters, `?` one character, case-sensitive. */
  match: string;
  scopes: string[];
  groups: string[];
}

/** Default `max_body_bytes`: nginx's own default client_max_body_size. */
export const DEFAULT_MAX_BODY_BYTES = 1048576;

/** Whether the endpoint has per-tool rules (and so reads request bodies). */
export function hasToolRules(e: EndpointConfig): boolean {
  return !!(e.tools && e.tools.length);
}

/** The most body bytes read for the endpoint's tool rules. */
export function bodyLimit(e: EndpointConfig): number {
  return e.max_body_bytes || DEFAULT_MAX_BODY_BYTES;
}
