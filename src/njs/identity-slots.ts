/**
 * Identity travels from the check server to the public server in four fixed headers; the generated
 * conf forwards each under its configured name, so header names stay static and only values vary.
 */
import type { IdentityHeaderNames } from '../core/config-types.ts';

export const IDENTITY_SLOTS: Array<keyof IdentityHeaderNames> = ['subject', 'email', 'groups', 'scopes'];

/** The internal header carrying one identity slot (`X-MCP-Authz-Subject`…). */
export function slotHeader(slot: string): string {
  return 'X-MCP-Authz-' + slot.charAt(0).toUpperCase() + slot.slice(1);
}
